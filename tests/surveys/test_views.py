import csv
import datetime
import io

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from surveys import services
from surveys.models import OTHER, SurveyAnswer, SurveyResponse
from tests.factories import PASSWORD, make_community_staff, make_user
from tests.surveys.factories import answers_for, make_survey, route_url

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)


def test_survey_page_shows_the_questions(client, survey, resident):
    login(client, resident)
    response = client.get(survey.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "您最希望先整治哪一项" in html
    assert "1 很不满意" in html and "5 非常满意" in html
    assert "其他" in html


def test_visitor_is_asked_to_log_in(client, survey):
    response = client.get(survey.url)
    assert "请先登录再回答这份问卷" in response.content.decode()
    assert "登录后回答" in response.content.decode()


def test_submit_shows_thank_you_then_already_answered_with_edit(client, survey, resident):
    survey.thank_you_text = "<p>感谢您为老旧楼院整治出主意。</p>"
    survey.save_revision().publish()
    login(client, resident)
    response = client.post(survey.url, answers_for(survey))
    assert response.status_code == 200
    assert "感谢您为老旧楼院整治出主意" in response.content.decode()
    assert SurveyResponse.objects.count() == 1

    again = client.get(survey.url).content.decode()
    assert "您已于" in again and "修改答案" in again

    edit = client.get(route_url(survey, "edit")).content.decode()
    assert "您正在修改之前提交的答案" in edit
    data = answers_for(survey, rating="1")
    data["edit"] = "1"
    saved = client.post(survey.url, data)
    assert "答案已修改" in saved.content.decode()
    assert SurveyResponse.objects.count() == 1
    assert SurveyAnswer.objects.exclude(rating=None).get().rating == 1


def test_second_post_stores_nothing_more(client, survey, resident):
    login(client, resident)
    client.post(survey.url, answers_for(survey))
    response = client.post(survey.url, answers_for(survey, rating="1"))
    assert response.status_code == 200
    assert "您已于" in response.content.decode()
    assert SurveyResponse.objects.count() == 1
    assert SurveyAnswer.objects.exclude(rating=None).get().rating == 4


def test_invalid_post_keeps_input_and_shows_errors(client, survey, resident):
    login(client, resident)
    data = answers_for(survey, text="楼道灯坏了三个月", choice="")
    response = client.post(survey.url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "请回答这个问题" in html
    assert "楼道灯坏了三个月" in html
    assert not SurveyResponse.objects.exists()


def test_outside_audience_is_told_why(client, survey_index, grids):
    survey = make_survey(
        survey_index, audience="selected", audience_communities=[grids[0].community]
    )
    outsider = make_user(home_grid=grids[5])
    login(client, outsider)
    html = client.get(survey.url).content.decode()
    assert "只面向" in html and grids[0].community.name in html
    assert '<form method="post"' not in html
    client.post(survey.url, answers_for(survey))
    assert not SurveyResponse.objects.exists()


def test_visitor_answers_open_survey_once(client, survey_index):
    survey = make_survey(survey_index, login_required=False)
    client.post(survey.url, answers_for(survey))
    client.post(survey.url, answers_for(survey))
    assert SurveyResponse.objects.count() == 1
    assert "您已于" in client.get(survey.url).content.decode()


def _fill(survey, n, *, grids=None):
    for i in range(n):
        user = make_user(home_grid=grids[i % len(grids)] if grids else None)
        services.survey_submit(
            survey=survey,
            user=user,
            data=answers_for(survey, rating=str(1 + i % 5), text=f"建议{i}"),
        )


@pytest.mark.parametrize(
    "visibility, closed, who, visible",
    [
        ("staff", True, "visitor", False),
        ("staff", True, "resident", False),
        ("staff", False, "staff", True),
        ("staff", False, "admin", True),
        ("after_close", False, "resident", False),
        ("after_close", True, "resident", True),
        ("after_close", True, "visitor", True),
        ("while_open", False, "resident", True),
    ],
)
def test_results_visibility(client, survey_index, grids, visibility, closed, who, visible):
    now = timezone.now()
    survey = make_survey(
        survey_index,
        results_visibility=visibility,
        opens_at=now - datetime.timedelta(days=10),
        closes_at=now - datetime.timedelta(days=1) if closed else now + datetime.timedelta(days=1),
    )
    users = {
        "resident": make_user(home_grid=grids[0]),
        "staff": make_community_staff(grids[0].community),
        "admin": make_user(is_superuser=True, is_staff=True),
    }
    if who != "visitor":
        login(client, users[who])
    response = client.get(route_url(survey, "results"))
    assert (response.status_code == 200) is visible
    if not visible:
        assert response.status_code in (302, 403)


def test_results_page_counts_and_filters(client, survey, grids):
    _fill(survey, 6, grids=grids[:4])
    admin = make_user(is_superuser=True, is_staff=True)
    login(client, admin)
    url = route_url(survey, "results")
    html = client.get(url).content.decode()
    assert "共 6 份答卷" in html
    assert "6 人，100.0%" in html  # 楼道照明 chosen by all
    assert "平均分" in html
    community = grids[0].community
    filtered = client.get(url, {"community": community.pk}).content.decode()
    expected = SurveyResponse.objects.filter(community=community).count()
    assert f"共 {expected} 份答卷" in filtered


@override_settings(PAGE_CACHE_ENABLED=False)
def test_results_page_counts_are_shared_and_fresh_after_each_answer(
    client, survey, grids, django_assert_max_num_queries
):
    """The counts are a fragment shared by everyone who may see them (staff apart, they
    see links to the text answers) and rendered again after every new answer."""
    survey.results_visibility = "while_open"
    survey.save_revision().publish()
    _fill(survey, 2, grids=grids[:2])
    admin = make_user(is_superuser=True, is_staff=True)
    url = route_url(survey, "results")
    login(client, make_user(home_grid=grids[0]))
    html = client.get(url).content.decode()
    assert "共 2 份答卷" in html and "2 人，100.0%" in html
    assert "文字回答仅工作人员可见" in html
    _fill(survey, 1, grids=grids[:1])
    html = client.get(url).content.decode()
    assert "共 3 份答卷" in html and "3 人，100.0%" in html
    with django_assert_max_num_queries(8) as captured:
        client.get(url)
    assert not [q for q in captured.captured_queries if "surveys_surveyanswer" in q["sql"]]
    client.logout()
    login(client, admin)
    html = client.get(url).content.decode()
    assert "共 3 份答卷" in html and "查看文字回答" in html


@override_settings(PAGE_CACHE_ENABLED=False)
def test_survey_form_is_shared_but_the_csrf_token_is_not(client, survey, grids):
    url = survey.url
    login(client, make_user(home_grid=grids[0]))
    first = client.get(url).content.decode()
    client.logout()
    login(client, make_user(home_grid=grids[1]))
    second = client.get(url).content.decode()
    for question in survey.get_form_fields():
        assert question.label in first and question.label in second
    token = 'name="csrfmiddlewaretoken" value="'
    assert first.split(token, 1)[1][:20] != second.split(token, 1)[1][:20]


@override_settings(PAGE_CACHE_ENABLED=False)
def test_survey_index_is_shared(client, survey, grids, django_assert_max_num_queries):
    url = survey.get_parent().url
    assert survey.title in client.get(url).content.decode()
    login(client, make_user(home_grid=grids[0]))
    client.get(url)
    with django_assert_max_num_queries(7) as captured:
        assert survey.title in client.get(url).content.decode()
    assert not [q for q in captured.captured_queries if "surveys_surveyresponse" in q["sql"]]


def test_free_text_answers_are_staff_only_and_scoped(client, survey, grids):
    _fill(survey, 8, grids=grids)
    question = survey.get_form_fields()[3]
    url = route_url(survey, "text_answers", question_id=question.pk)
    login(client, make_user(home_grid=grids[0]))
    assert client.get(url).status_code == 403
    client.logout()
    staff = make_community_staff(grids[0].community)
    login(client, staff)
    html = client.get(url).content.decode()
    mine = SurveyAnswer.objects.filter(
        question=question, community_id_snapshot=grids[0].community_id
    )
    others = SurveyAnswer.objects.filter(question=question).exclude(
        community_id_snapshot=grids[0].community_id
    )
    assert mine.exists() and others.exists()
    for answer in mine:
        assert answer.text in html
    for answer in others:
        assert f"<p>{answer.text}</p>" not in html


def _csv_rows(response):
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


def test_response_export_neutralises_formulas_and_scopes_staff(client, survey, grids):
    evil = make_user(home_grid=grids[0], display_name='=HYPERLINK("http://x")')
    services.survey_submit(survey=survey, user=evil, data=answers_for(survey, text="=1+2"))
    services.survey_submit(
        survey=survey, user=make_user(home_grid=grids[4]), data=answers_for(survey, text="@SUM(A1)")
    )
    staff = make_community_staff(grids[0].community)
    login(client, staff)
    rows = _csv_rows(client.get(route_url(survey, "export", kind="responses", fmt="csv")))
    assert len(rows) == 2  # header + only the staff's own community
    assert '\'=HYPERLINK("http://x")' in rows[1]
    assert "'=1+2" in rows[1]
    client.logout()
    login(client, make_user(is_superuser=True, is_staff=True))
    rows = _csv_rows(client.get(route_url(survey, "export", kind="responses", fmt="csv")))
    assert len(rows) == 3
    response = client.get(route_url(survey, "export", kind="responses", fmt="xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'@SUM(A1)" in values
    assert not any(isinstance(v, str) and v.startswith(("=", "@")) for v in values)


def test_results_export(client, survey, grids):
    _fill(survey, 3, grids=grids)
    login(client, make_user(is_superuser=True, is_staff=True))
    rows = _csv_rows(client.get(route_url(survey, "export", kind="results", fmt="csv")))
    assert rows[1][:3] == ["答卷总数", "", "3"]
    assert ["您最希望先整治哪一项", "楼道照明", "3", "100.0", ""] in rows
    response = client.get(route_url(survey, "export", kind="results", fmt="xlsx"))
    assert response.status_code == 200


def test_exports_forbidden_to_residents(client, survey, resident):
    login(client, resident)
    for kind in ("responses", "results"):
        assert client.get(route_url(survey, "export", kind=kind, fmt="csv")).status_code == 403


def test_anonymous_survey_hides_the_respondent_from_staff(client, survey_index, grids):
    survey = make_survey(survey_index, anonymous=True)
    person = make_user(home_grid=grids[0], display_name="张秀兰", email="zhang@example.cn")
    services.survey_submit(
        survey=survey, user=person, data=answers_for(survey, choice=OTHER, other="加装电梯")
    )
    login(client, make_user(is_superuser=True, is_staff=True))
    seen = []
    for fmt in ("csv",):
        rows = _csv_rows(client.get(route_url(survey, "export", kind="responses", fmt=fmt)))
        seen.append(repr(rows))
        assert rows[0][0] == "提交日期" and len(rows[1][0]) == 10  # a date, not a time
    question = survey.get_form_fields()[0]
    seen.append(
        client.get(route_url(survey, "text_answers", question_id=question.pk)).content.decode()
    )
    seen.append(client.get(route_url(survey, "results")).content.decode())
    joined = "\n".join(seen)
    assert "加装电梯" in joined
    for secret in (
        "张秀兰",
        "zhang@example.cn",
        grids[0].community.name + "</td>",
        str(person.pk) + ",",
    ):
        assert secret not in joined
    assert SurveyResponse.objects.get().user_id is None


def test_index_tabs(client, survey_index):
    now = timezone.now()
    make_survey(survey_index, title="马路市场搬迁意见征集")
    make_survey(
        survey_index,
        title="学校配套意见征集",
        opens_at=now - datetime.timedelta(days=9),
        closes_at=now - datetime.timedelta(days=2),
    )
    open_html = client.get(survey_index.url).content.decode()
    closed_html = client.get(survey_index.url + "?tab=closed").content.decode()
    assert "马路市场搬迁" in open_html and "学校配套" not in open_html
    assert "学校配套" in closed_html and "马路市场搬迁" not in closed_html
    for bad in ("nonsense", "closed" * 50, ""):
        html = client.get(survey_index.url, {"tab": bad}).content.decode()
        assert "马路市场搬迁" in html and "学校配套" not in html  # the open tab


def test_home_and_account_sections(client, survey_index, grids, home_page):
    resident = make_user(home_grid=grids[0])
    mine = make_survey(
        survey_index,
        title="本社区养老服务调查",
        audience="selected",
        audience_communities=[grids[0].community],
    )
    make_survey(
        survey_index,
        title="外社区停车调查",
        audience="selected",
        audience_communities=[grids[5].community],
    )
    login(client, resident)
    html = client.get(home_page.url).content.decode()
    assert html.index("本社区养老服务调查") < html.index("外社区停车调查")
    services.survey_submit(survey=mine, user=resident, data=answers_for(mine))
    account = client.get(reverse("account_home")).content.decode()
    assert "我的问卷" in account and "本社区养老服务调查" in account


def _count(client, url, **params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        assert client.get(url, params).status_code == 200
    return len(context)


def _cold_count(client, survey, url, **params):
    from surveys.selectors import survey_results_changed

    survey_results_changed(survey_id=survey.pk)
    return _count(client, url, **params)


def test_query_counts_are_fixed(client, survey_index, grids, django_assert_max_num_queries):
    """The survey, results and index pages run the same number of queries with 2 or 40
    responses; the bounds include Wagtail's page routing and the base template."""
    survey = make_survey(survey_index, results_visibility="while_open")
    resident = make_user(home_grid=grids[0])
    login(client, resident)
    results_url = route_url(survey, "results")
    _fill(survey, 2, grids=grids)
    for url in (survey.url, results_url, survey_index.url):  # warm settings and site caches
        client.get(url)
    small = [
        _count(client, survey.url),
        _cold_count(client, survey, results_url),
        _cold_count(client, survey, results_url, street=grids[0].community.street_id),
        _count(client, survey_index.url),
    ]
    for i in range(2):
        make_survey(survey_index, title=f"学校配套意见征集{i}")
    _fill(survey, 40, grids=grids)
    # New pages reset Wagtail's cached site root paths and the cached routes (portal.routing).
    for url in (survey.url, results_url, survey_index.url):
        client.get(url)
    large = [
        _count(client, survey.url),
        _cold_count(client, survey, results_url),
        _cold_count(client, survey, results_url, street=grids[0].community.street_id),
        _count(client, survey_index.url),
    ]
    assert small == large
    # Between two submissions the results come from the cache: fewer queries still.
    client.get(results_url)
    assert _count(client, results_url) < large[1]
    with django_assert_max_num_queries(20):
        client.get(survey.url)
    with django_assert_max_num_queries(15):
        client.get(results_url)
    with django_assert_max_num_queries(20):
        client.get(survey_index.url)
