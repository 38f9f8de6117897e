"""Open311 GeoReport v2 (read-only): services, requests with the standard filters, one request;
no personal data, the SLA deadline as expected_datetime, times with +08:00."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from cases import services
from cases.models import Case, CasePhoto
from tests.api.test_cases import assert_no_personal_data, closed_case
from tests.cases.factories import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, settings, tmp_path):
    settings.CASES_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    world = make_world()
    world.reporter.display_name = "王秀英"
    world.reporter.mobile = "13812345678"
    world.reporter.save()
    return world


def get(url, **params):
    response = Client().get(url, params)
    assert response["Content-Type"].startswith("application/json")
    return response


def test_services_are_the_categories(world):
    response = get("/open311/v2/services.json")
    assert response.status_code == 200
    service = response.json()[0]
    assert service["service_code"] == world.category.code
    assert service["service_name"] == world.category.name
    assert service["metadata"] is False and service["type"] == "realtime"


def test_requests_are_the_public_cases_without_personal_data(world):
    open_case = world.report(
        description="路灯不亮", address="延安三路128号", latitude="36.07", longitude="120.38"
    )
    closed = closed_case(world, description="楼道堆物")
    rejected = world.report(description="不属于受理范围的事")
    services.case_reject(case=rejected, by=world.staff, reason="不属于受理范围")
    CasePhoto.objects.create(case=closed, kind="report", is_public=True)

    response = get("/open311/v2/requests.json")
    assert response.status_code == 200
    rows = response.json()
    assert [r["service_request_id"] for r in rows] == [closed.number, open_case.number]
    body = response.content.decode()
    assert_no_personal_data(body, world)
    assert "36.07" not in body and "120.38" not in body
    assert "不属于受理范围" not in body

    first, second = rows
    assert first["status"] == "closed" and first["status_notes"] == "已结案"
    assert first["expected_datetime"] is None
    assert f"/cases/{closed.number}/photos/" in first["media_url"]
    assert second["status"] == "open" and second["lat"] is None
    assert second["expected_datetime"].endswith("+08:00")
    stored = Case.objects.get(pk=open_case.pk)
    assert second["expected_datetime"] == timezone.localtime(stored.response_due_at).isoformat(
        timespec="seconds"
    )
    assert second["requested_datetime"].endswith("+08:00")
    assert second["service_code"] == world.category.code
    assert second["address"] == "延安三路128号"

    one = get(f"/open311/v2/requests/{open_case.number}.json")
    assert one.status_code == 200 and one.json() == [second]
    missing = get(f"/open311/v2/requests/{rejected.number}.json")
    assert missing.status_code == 404
    assert missing.json()[0]["code"] == 404


def test_request_filters(world):
    old = world.report(description="旧的")
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=120))
    new = world.report(description="新的")
    closed = closed_case(world)

    def numbers(**params):
        response = get("/open311/v2/requests.json", **params)
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in response.json()]

    assert old.number not in numbers()  # the default window is 90 days
    start = (timezone.now() - datetime.timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    assert old.number in numbers(start_date=start)
    assert numbers(status="closed") == [closed.number]
    assert closed.number not in numbers(status="open")
    assert numbers(service_request_id=f"{old.number},{new.number}") == [new.number, old.number]
    assert numbers(service_code="no-such-code") == []
    assert numbers(page_size=1) == [closed.number]
    assert numbers(page_size=1, page=2) == [new.number]

    for params in (
        {"status": "pending"},
        {"start_date": "yesterday"},
        {"start_date": "2026-02-30T00:00:00"},
        {"end_date": "0001-01-01T00:00:00"},
        {"page_size": "0"},
        {"page_size": "5000"},
        {"page": "-1"},
        {"service_request_id": ",".join(["x"] * 101)},
    ):
        response = get("/open311/v2/requests.json", **params)
        assert response.status_code == 400, params
        assert response.json()[0]["code"] == 400


@pytest.mark.parametrize("size", [1, 8])
def test_query_count_does_not_grow_with_data(world, size, django_assert_max_num_queries):
    for _ in range(size):
        case = world.report()
        CasePhoto.objects.create(case=case, kind="report", is_public=True)
    with django_assert_max_num_queries(2):
        response = Client().get("/open311/v2/requests.json")
    assert len(response.json()) == size
    with django_assert_max_num_queries(1):
        Client().get("/open311/v2/services.json")


def test_requests_are_kept_for_every_caller_until_a_case_changes(
    world, settings, django_assert_num_queries
):
    """With the page cache off (or for a caller it does not serve), the list's body is kept:
    the same answer costs no query, and a new case shows at once."""
    settings.PAGE_CACHE_ENABLED = False
    world.report()
    first = get("/open311/v2/requests.json")
    with django_assert_num_queries(0):
        again = get("/open311/v2/requests.json")
    assert again.content == first.content and len(first.json()) == 1
    world.report()
    assert len(get("/open311/v2/requests.json").json()) == 2
    # Each query string is kept apart; a refused filter is never kept.
    assert get("/open311/v2/requests.json", status="closed").json() == []
    assert get("/open311/v2/requests.json", status="nope").status_code == 400
