"""我的 (the account section), the personal-data download and the account deletion for
cases: a deleted reporter's cases stay, anonymised."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from cases import services
from cases.models import Case, CaseEvent, CaseFollower, Rating
from portal.services import account_data_archive, account_delete
from tests import factories
from tests.cases.factories import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, home_page):
    return make_world()


def _rated_case(world):
    case = world.report(address="延安三路128号", contact_allowed=True)
    services.case_accept(case=case, by=world.staff)
    services.case_dispatch(case=case, by=world.staff, department=world.department)
    services.case_start(case=case, by=world.handler)
    services.case_handle(case=case, by=world.handler, result="已处理")
    services.case_verify(case=case, by=world.leader, passed=True)
    return services.case_rate(
        case=case, by=world.reporter, rating=Rating.SATISFIED, comment="我住在3号楼201"
    )


def test_account_section_lists_my_reports_and_followed_cases(
    client, world, django_assert_max_num_queries
):
    mine = world.report(description="我报的")
    followed = world.report(by=world.stranger, description="别人报的")
    services.case_follow(case=followed, by=world.reporter)
    client.force_login(world.reporter)
    response = client.get(reverse("account_home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert mine.number in html
    assert followed.number in html
    assert "已上报" in html
    assert "期限" in html


def test_data_download_holds_reports_follows_and_comments(world):
    case = _rated_case(world)
    other = world.report(by=world.stranger)
    services.case_follow(case=other, by=world.reporter)
    archive = zipfile.ZipFile(io.BytesIO(account_data_archive(user=world.reporter)))
    rows = json.loads(archive.read("cases.json"))
    kinds = {row["type"] for row in rows}
    assert kinds == {"reported_case", "followed_case", "rating_comment"}
    reported = next(row for row in rows if row["type"] == "reported_case")
    assert reported["number"] == case.number
    assert reported["address"] == "延安三路128号"
    assert reported["rating"] == "满意"
    assert any(row.get("comment") == "我住在3号楼201" for row in rows)
    # Nobody else's data.
    assert other.number in {row["number"] for row in rows if row["type"] == "followed_case"}
    stranger_rows = json.loads(
        zipfile.ZipFile(io.BytesIO(account_data_archive(user=world.stranger))).read("cases.json")
    )
    assert case.number not in json.dumps(stranger_rows)


def test_deleting_the_account_keeps_the_cases_anonymised(world):
    case = _rated_case(world)
    other = world.report(by=world.stranger)
    services.case_follow(case=other, by=world.reporter)
    reporter_id = world.reporter.pk
    account_delete(user=world.reporter, password=factories.PASSWORD)

    case.refresh_from_db()
    assert case.reporter_id is None
    assert case.contact_allowed is False
    assert case.rating == Rating.SATISFIED  # the aggregate stays
    assert not CaseFollower.objects.filter(user_id=reporter_id).exists()
    assert not CaseEvent.objects.filter(actor_id=reporter_id).exists()
    assert not CaseEvent.objects.filter(note__contains="3号楼201").exists()
    assert Case.objects.filter(pk=other.pk).exists()
    assert case.photos.filter(uploaded_by_id=reporter_id).count() == 0
