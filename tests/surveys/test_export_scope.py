"""A staff member's results page says what the exports cover, with the same counts as the
files: the responses export is limited to their communities, the results export is not."""

import csv
import io

import pytest

from surveys import services
from tests.factories import PASSWORD, make_community_staff, make_district_admin, make_user
from tests.surveys.factories import answers_for, route_url

pytestmark = pytest.mark.django_db


def _rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


def _answer(survey, grid, n):
    for _i in range(n):
        services.survey_submit(
            survey=survey, user=make_user(home_grid=grid), data=answers_for(survey)
        )


def test_staff_page_names_their_communities_and_counts_what_the_export_holds(client, survey, grids):
    _answer(survey, grids[0], 2)
    _answer(survey, grids[4], 3)
    community = grids[0].community
    staff = make_community_staff(community)
    client.login(email=staff.email, password=PASSWORD)

    body = client.get(route_url(survey, "results")).content.decode()
    assert "共 5 份答卷" in body
    assert f"本导出仅含您负责的社区：{community.name}（2 份）。" in body
    assert "统计结果按全部社区的答卷计算（5 份）" in body

    rows = _rows(client.get(route_url(survey, "export", kind="responses", fmt="csv")))
    assert len(rows) - 1 == 2
    results = _rows(client.get(route_url(survey, "export", kind="results", fmt="csv")))
    assert results[1][2] == "5"  # 答卷总数


def test_filtered_page_still_counts_the_whole_results_export(client, survey, grids):
    _answer(survey, grids[0], 2)
    _answer(survey, grids[4], 3)
    staff = make_community_staff(grids[0].community)
    client.login(email=staff.email, password=PASSWORD)
    url = route_url(survey, "results")
    body = client.get(url, {"community": grids[4].community_id}).content.decode()
    assert "共 3 份答卷" in body
    assert "统计结果按全部社区的答卷计算（5 份）" in body


def test_district_admin_export_covers_every_community(client, survey, grids):
    _answer(survey, grids[0], 1)
    _answer(survey, grids[4], 1)
    admin = make_district_admin()
    client.login(email=admin.email, password=PASSWORD)
    body = client.get(route_url(survey, "results")).content.decode()
    assert "本导出包含全部社区的答卷（2 份）。" in body


def test_residents_see_no_export_sentence(client, survey, grids):
    _answer(survey, grids[0], 1)
    survey.results_visibility = "while_open"
    survey.save()
    resident = make_user(home_grid=grids[0])
    client.login(email=resident.email, password=PASSWORD)
    body = client.get(route_url(survey, "results")).content.decode()
    assert "本导出" not in body


def test_other_box_is_marked_for_the_script_that_shows_it_only_when_chosen(
    client, survey, resident
):
    client.login(email=resident.email, password=PASSWORD)
    body = client.get(survey.url).content.decode()
    name = survey.get_form_fields()[0].clean_name
    assert f'data-other-for="{name}"' in body
    assert "surveys/survey-form" in body and "<script>" not in body
