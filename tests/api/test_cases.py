"""Cases (随手拍) through the API as the app uses them: report with a photo (multipart, with an
Idempotency-Key), the similar-cases check, my cases, following another case, rating one after
closing, the public list, case page, timeline and statistics without personal data."""

import json
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from cases import services
from cases.models import Case, CaseFollower, CasePhoto
from tests import factories
from tests.api.conftest import AppClient, assert_problem
from tests.cases.factories import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, home_page, settings, tmp_path):
    settings.CASES_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    world = make_world()
    world.reporter.display_name = "王秀英"
    world.reporter.mobile = "13812345678"
    world.reporter.save()
    return world


@pytest.fixture
def reporter_app(world):
    app = AppClient()
    app.login(world.reporter.email)
    return app


def jpeg(name="photo.jpg") -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def report(app, world, *, photos=(), headers=None, **fields):
    data = {
        "category": world.category.pk,
        "grid": world.grid.pk,
        "description": "小区门口垃圾堆放多日无人清理，气味很大。",
        "address": "延安三路128号楼下",
        **fields,
    }
    if photos:
        data["photos"] = list(photos)
    all_headers = {"X-Session-Token": app.token, **(headers or {})}
    return app.client.post("/api/v1/cases", data, headers=all_headers)


def closed_case(world, **fields) -> Case:
    case = world.report(**fields)
    services.case_accept(case=case, by=world.staff)
    services.case_dispatch(case=case, by=world.staff, department=world.department)
    services.case_start(case=case, by=world.handler)
    services.case_handle(case=case, by=world.handler, result="已清运")
    services.case_verify(case=case, by=world.leader, passed=True)
    return Case.objects.get(pk=case.pk)


def assert_no_personal_data(body: str, world) -> None:
    for value in (
        world.reporter.display_name,
        world.reporter.email,
        world.reporter.mobile,
        "****5678",
        world.handler.email,
        world.staff.email,
    ):
        assert value not in body, value
    for key in ('"reporter', '"contact_allowed', '"latitude', '"longitude', '"actor"'):
        assert key not in body, key


def test_report_a_case_with_a_photo_follow_another_and_rate_one_after_closing(world):
    """The journey's step: categories, the similar-cases check, a report with a photo,
    following someone else's case, rating my case after it is closed."""
    app = AppClient()
    app.login(world.reporter.email)
    categories = app.get("/api/v1/cases/categories").json()
    assert world.category.pk in [c["id"] for c in categories]

    other = world.report(by=world.stranger, description="路灯不亮")
    similar = app.get(
        "/api/v1/cases/similar", {"grid": world.grid.pk, "category": world.category.pk}
    ).json()
    assert [s["number"] for s in similar] == [other.number]
    assert similar[0]["followed"] is False and similar[0]["own"] is False

    created = report(app, world, photos=[jpeg()])
    assert created.status_code == 201, created.content
    case = created.json()
    assert created["Location"] == f"/api/v1/cases/{case['number']}"
    assert case["state"] == "submitted" and case["me"]["is_reporter"] is True
    assert case["photos"] == []  # private until staff make it public
    stored = Case.objects.get(number=case["number"])
    assert stored.reporter == world.reporter
    assert CasePhoto.objects.filter(case=stored).count() == 1

    followed = app.post(f"/api/v1/cases/{other.number}/follow")
    assert followed.status_code == 200, followed.content
    assert followed.json() == {"following": True, "followers": 1}
    own = app.post(f"/api/v1/cases/{case['number']}/follow")
    assert assert_problem(own, 400)["detail"] == "这是您自己上报的诉求，进展会自动通知您。"
    assert [c["number"] for c in app.get("/api/v1/cases/followed").json()["items"]] == [
        other.number
    ]
    mine = app.get("/api/v1/cases/mine").json()
    assert mine["count"] == 1 and mine["items"][0]["number"] == case["number"]

    # Rating is refused before the case is closed, accepted after.
    early = app.post(f"/api/v1/cases/{case['number']}/rating", {"rating": "satisfied"})
    assert assert_problem(early, 400)["detail"].endswith("不能评价。")
    closed = closed_case(world, description="楼道堆物")
    detail = app.get(f"/api/v1/cases/{closed.number}").json()
    assert detail["me"]["can_rate"] is True
    rated = app.post(f"/api/v1/cases/{closed.number}/rating", {"rating": "satisfied"})
    assert rated.status_code == 200, rated.content
    assert rated.json()["me"]["rating"] == "satisfied"
    assert rated.json()["me"]["can_rate"] is False
    twice = app.post(f"/api/v1/cases/{closed.number}/rating", {"rating": "satisfied"})
    assert assert_problem(twice, 400)["detail"] == "您已经评价过这件诉求了。"

    unfollowed = app.delete(f"/api/v1/cases/{other.number}/follow")
    assert unfollowed.json() == {"following": False, "followers": 0}


def test_dissatisfied_rating_reopens_the_case(world, reporter_app):
    case = closed_case(world)
    rated = reporter_app.post(
        f"/api/v1/cases/{case.number}/rating", {"rating": "dissatisfied", "comment": "又堆起来了"}
    )
    assert rated.status_code == 200, rated.content
    assert rated.json()["state"] == "rework"
    timeline = reporter_app.get(f"/api/v1/cases/{case.number}/timeline").json()
    assert "又堆起来了" not in json.dumps(timeline, ensure_ascii=False)  # staff only


def test_someone_else_cannot_rate(world):
    case = closed_case(world)
    stranger = AppClient()
    stranger.login(world.stranger.email)
    assert_problem(
        stranger.post(f"/api/v1/cases/{case.number}/rating", {"rating": "satisfied"}), 403
    )
    bad = stranger.post(f"/api/v1/cases/{case.number}/rating", {"rating": "great"})
    assert_problem(bad, 422, "invalid_body")


def test_report_errors_are_the_forms_sentences(world, reporter_app):
    empty = report(reporter_app, world, description="")
    assert assert_problem(empty, 400)["errors"]["description"] == ["请描述遇到的问题。"]
    too_many = report(reporter_app, world, photos=[jpeg(f"{i}.jpg") for i in range(4)])
    assert assert_problem(too_many, 400)["errors"]["photos"] == [
        "最多上传 3 张照片，您选择了 4 张。"
    ]
    not_image = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    assert (
        "photos" in assert_problem(report(reporter_app, world, photos=[not_image]), 400)["errors"]
    )
    unknown_grid = report(reporter_app, world, grid=99999999)
    assert assert_problem(unknown_grid, 400)["errors"]["grid"] == ["所选网格不存在，请重新选择。"]
    missing = reporter_app.client.post(
        "/api/v1/cases", {"grid": world.grid.pk}, headers={"X-Session-Token": reporter_app.token}
    )
    assert_problem(missing, 422, "invalid_body")
    assert Case.objects.count() == 0
    assert_problem(AppClient().client.post("/api/v1/cases", {}), 401)


@override_settings(CASES_REPORT_RATE_LIMIT=(1, 600))
def test_report_rate_limit_is_the_sites(world, reporter_app):
    assert report(reporter_app, world).status_code == 201
    limited = report(reporter_app, world, description="第二件")
    document = assert_problem(limited, 429, "rate_limited")
    assert document["detail"].startswith("您提交得太频繁了")


def test_idempotency_key_returns_the_first_case(world, reporter_app):
    key = {"Idempotency-Key": "report-1"}
    first = report(reporter_app, world, photos=[jpeg()], headers=key)
    retry = report(reporter_app, world, photos=[jpeg()], headers=key)
    assert first.status_code == retry.status_code == 201, retry.content
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert retry["Location"] == first["Location"]
    assert Case.objects.count() == 1 and CasePhoto.objects.count() == 1
    changed = report(reporter_app, world, headers=key, description="另一件事")
    assert_problem(changed, 422, "idempotency_key_reused")
    assert Case.objects.count() == 1


def test_public_endpoints_carry_no_personal_data(world, anon_app):
    case = closed_case(world, description="楼道堆放杂物", address="3号楼2单元")
    photo = CasePhoto.objects.create(case=case, kind="report", is_public=False)
    listing = anon_app.get("/api/v1/cases")
    assert listing.status_code == 200
    assert [c["number"] for c in listing.json()["items"]] == [case.number]
    assert anon_app.get("/api/v1/cases", **{"If-None-Match": listing["ETag"]}).status_code == 304
    detail = anon_app.get(f"/api/v1/cases/{case.number}")
    timeline = anon_app.get(f"/api/v1/cases/{case.number}/timeline")
    statistics = anon_app.get("/api/v1/cases/statistics", {"days": 90})
    similar = anon_app.get(
        "/api/v1/cases/similar", {"grid": world.grid.pk, "category": world.category.pk}
    )
    for response in (listing, detail, timeline, statistics, similar):
        assert response.status_code == 200, response.content
        assert_no_personal_data(response.content.decode(), world)
    assert detail.json()["photos"] == []
    CasePhoto.objects.filter(pk=photo.pk).update(is_public=True)
    shown = anon_app.get(f"/api/v1/cases/{case.number}").json()["photos"]
    assert [p["id"] for p in shown] == [photo.pk]
    assert shown[0]["url"].endswith(f"/cases/{case.number}/photos/{photo.pk}/")
    assert detail.json()["me"] == {
        "is_reporter": False,
        "following": False,
        "can_follow": False,
        "can_rate": False,
        "rating": None,
    }
    roles = [event["actor_role"] for event in timeline.json()]
    assert "网格长" in roles
    assert timeline.json()[0]["note"] == ""  # the report's own text is not repeated
    assert statistics.json()["total"]["reported"] == 1


def test_rejected_cases_are_not_public_and_bad_numbers_are_problems(world, anon_app):
    case = world.report()
    services.case_reject(case=case, by=world.staff, reason="不属于受理范围")
    assert_problem(anon_app.get(f"/api/v1/cases/{case.number}"), 404)
    assert anon_app.get("/api/v1/cases").json()["count"] == 0
    assert_problem(anon_app.get("/api/v1/cases/no%20such"), 400)
    assert_problem(anon_app.get("/api/v1/cases/SB20990101-999999"), 404)
    assert_problem(anon_app.get("/api/v1/cases", {"state": "rejected"}), 400)
    assert_problem(anon_app.get("/api/v1/cases", {"street": 99999999}), 400)
    assert_problem(anon_app.get("/api/v1/cases/statistics", {"days": 7}), 400)


@pytest.mark.parametrize("size", [1, 10])
def test_query_counts_do_not_grow_with_data(world, size, django_assert_max_num_queries):
    cases = [closed_case(world) for _ in range(size)]
    for case in cases:
        CaseFollower.objects.create(case=case, user=factories.make_user())
    follower = factories.make_user()
    for case in cases:
        CaseFollower.objects.create(case=case, user=follower)
    app = AppClient()
    app.login(follower.email)
    number = cases[-1].number
    budgets = [
        ("/api/v1/cases", {}, 2),
        ("/api/v1/cases/categories", {}, 1),
        ("/api/v1/cases/mine", {}, 4),
        ("/api/v1/cases/followed", {}, 4),
        ("/api/v1/cases/similar", {"grid": world.grid.pk, "category": world.category.pk}, 3),
        ("/api/v1/cases/statistics", {}, 2),
        (f"/api/v1/cases/{number}", {}, 6),
        (f"/api/v1/cases/{number}/timeline", {}, 2),
    ]
    for url, params, budget in budgets:
        with django_assert_max_num_queries(budget):
            response = app.get(url, params)
        assert response.status_code == 200, (url, response.content)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_identical_reports_at_once_create_one_case(require_postgres, settings, tmp_path):
    import threading

    from django.db import connection

    settings.CASES_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    world = make_world()
    token = AppClient().login(world.reporter.email)
    photo = jpeg().read()
    barrier = threading.Barrier(10)
    results = []

    def call():
        try:
            app = AppClient(token=token)
            upload = SimpleUploadedFile("photo.jpg", photo, content_type="image/jpeg")
            barrier.wait()
            response = report(app, world, photos=[upload], headers={"Idempotency-Key": "tap-tap"})
            results.append((response.status_code, response.content))
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _body in results] == [201] * 10, results
    assert len({body for _status, body in results}) == 1
    assert Case.objects.count() == 1 and CasePhoto.objects.count() == 1


def test_categories_and_timeline_carry_etags(world, anon_app):
    """Public lists answer If-None-Match with a 304 until they change."""
    categories = anon_app.get("/api/v1/cases/categories")
    assert categories.status_code == 200 and categories["ETag"]
    again = anon_app.get("/api/v1/cases/categories", **{"If-None-Match": categories["ETag"]})
    assert again.status_code == 304 and again["ETag"] == categories["ETag"]

    case = world.report()
    services.case_accept(case=case, by=world.staff)
    url = f"/api/v1/cases/{case.number}/timeline"
    timeline = anon_app.get(url)
    assert timeline.status_code == 200 and timeline["ETag"]
    assert anon_app.get(url, **{"If-None-Match": timeline["ETag"]}).status_code == 304
    # A new public step: the old ETag no longer matches.
    services.case_dispatch(case=case, by=world.staff, department=world.department)
    changed = anon_app.get(url, **{"If-None-Match": timeline["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != timeline["ETag"]
    assert len(changed.json()) == len(timeline.json()) + 1
    # The English list is another representation, with another ETag.
    english = AppClient(language="en").get(url, **{"If-None-Match": changed["ETag"]})
    assert english.status_code == 200
