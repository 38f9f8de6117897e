"""Volunteers through the API as the app uses them: grids near me, applying and leaving,
shifts with places left, signing up (with an Idempotency-Key) and cancelling, checking in,
hours, certificates and calendar links."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests import factories
from tests.api.conftest import AppClient, assert_problem
from tests.volunteers.factories import make_member, make_shift
from volunteers.models import RosterMembership, ServiceRecord, SignUp

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid(grids):
    return grids[0]


@pytest.fixture
def member_app(grid):
    user = make_member(grid=grid)
    app = AppClient()
    app.login(user.email)
    app.user = user
    return app


def test_sign_up_for_a_shift_and_cancel(grid, member_app):
    """The journey's step: find a shift, see its places, sign up, see it in my sign-ups with
    its calendar file, cancel."""
    shift = make_shift(grid=grid, capacity=1)
    listing = member_app.get("/api/v1/volunteers/shifts", {"grid": grid.pk})
    assert listing.status_code == 200, listing.content
    item = listing.json()["items"][0]
    assert item["id"] == shift.pk and item["places_left"] == 1 and item["signup_open"] is True
    assert item["starts_at"].endswith("+08:00")
    assert (
        member_app.get(
            "/api/v1/volunteers/shifts", {"grid": grid.pk}, **{"If-None-Match": listing["ETag"]}
        ).status_code
        == 304
    )

    created = member_app.post(f"/api/v1/volunteers/shifts/{shift.pk}/signups")
    assert created.status_code == 201, created.content
    signup = created.json()
    assert signup["status"] == "confirmed"
    assert signup["shift"]["places_left"] == 0

    detail = member_app.get(f"/api/v1/volunteers/shifts/{shift.pk}").json()
    assert detail["places_left"] == 0
    assert detail["me"]["signup"]["id"] == signup["id"]
    assert detail["me"]["is_member"] is True

    # Signing up again without a key: the service's sentence.
    again = member_app.post(f"/api/v1/volunteers/shifts/{shift.pk}/signups")
    assert assert_problem(again, 400)["detail"] == "您已经报名了这个班次。"

    mine = member_app.get("/api/v1/volunteers/signups").json()
    assert [s["id"] for s in mine["upcoming"]] == [signup["id"]]
    ics = member_app.get(mine["upcoming"][0]["ics_url"])
    assert ics.status_code == 200
    assert ics["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in ics.content

    cancelled = member_app.post(f"/api/v1/volunteers/signups/{signup['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["shift"]["places_left"] == 1
    again = member_app.post(f"/api/v1/volunteers/signups/{signup['id']}/cancel")
    assert assert_problem(again, 400)["detail"] == "这个报名已经取消或已结束。"
    assert member_app.get("/api/v1/volunteers/signups").json()["upcoming"] == []


def test_full_shift_puts_me_on_the_waitlist_with_my_position(grid):
    shift = make_shift(grid=grid, capacity=1, members_only=False)
    first, second = AppClient(), AppClient()
    first.login(factories.make_user().email)
    second.login(factories.make_user().email)
    assert first.post(f"/api/v1/volunteers/shifts/{shift.pk}/signups").status_code == 201
    waiting = second.post(f"/api/v1/volunteers/shifts/{shift.pk}/signups").json()
    assert waiting["status"] == "waitlisted" and waiting["position"] == 1
    assert waiting["ics_url"] is None


def test_members_only_shift_refuses_non_members_with_the_sites_sentence(grid, resident_app):
    shift = make_shift(grid=grid)
    refused = resident_app.post(f"/api/v1/volunteers/shifts/{shift.pk}/signups")
    document = assert_problem(refused, 400)
    assert document["detail"] == "这个班次仅限本网格名册中的志愿者报名，请先申请加入网格名册。"
    resident_app.language = "en"
    english = assert_problem(
        resident_app.post(f"/api/v1/volunteers/shifts/{shift.pk}/signups"), 400
    )
    assert english["detail"] != document["detail"]


def test_idempotency_key_returns_the_first_sign_up(grid, member_app):
    shift = make_shift(grid=grid)
    url = f"/api/v1/volunteers/shifts/{shift.pk}/signups"
    first = member_app.post(url, **{"Idempotency-Key": "tap-1"})
    retry = member_app.post(url, **{"Idempotency-Key": "tap-1"})
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert SignUp.objects.filter(shift=shift).count() == 1
    assert_problem(member_app.post(url, **{"Idempotency-Key": "tap-2"}), 400)


def test_anonymous_and_wrong_ids(grid, anon_app, member_app):
    shift = make_shift(grid=grid)
    assert_problem(anon_app.post(f"/api/v1/volunteers/shifts/{shift.pk}/signups"), 401)
    assert_problem(anon_app.get("/api/v1/volunteers/signups"), 401)
    assert anon_app.get(f"/api/v1/volunteers/shifts/{shift.pk}").json()["me"] == {
        "signup": None,
        "is_member": None,
        "can_manage": False,
    }
    assert_problem(member_app.get("/api/v1/volunteers/shifts/99999999"), 404)
    assert_problem(member_app.get("/api/v1/volunteers/shifts/abc"), 400)
    assert_problem(member_app.post("/api/v1/volunteers/signups/99999999/cancel"), 404)
    assert_problem(member_app.get("/api/v1/volunteers/shifts", {"date": "2026-13-40"}), 400)
    for edge in ("9999-12-31", "0001-01-01"):
        assert_problem(member_app.get("/api/v1/volunteers/shifts", {"date": edge}), 400)


def test_someone_elses_sign_up_cannot_be_cancelled_or_downloaded(grid, member_app):
    shift = make_shift(grid=grid)
    other = make_member(grid=grid)
    signup = SignUp.objects.create(shift=shift, user=other, status="confirmed")
    assert_problem(member_app.post(f"/api/v1/volunteers/signups/{signup.pk}/cancel"), 403)
    assert_problem(member_app.get(f"/api/v1/volunteers/signups/{signup.pk}/calendar.ics"), 404)
    signup.refresh_from_db()
    assert signup.status == "confirmed"


def test_shift_filters_by_date_and_project(grid, member_app):
    soon = make_shift(grid=grid, hours_from_now=3)
    later = make_shift(grid=grid, hours_from_now=24 * 5)
    day = timezone.localtime(later.starts_at).date().isoformat()
    items = member_app.get("/api/v1/volunteers/shifts", {"date": day}).json()["items"]
    assert [s["id"] for s in items] == [later.pk]
    both = member_app.get("/api/v1/volunteers/shifts").json()["items"]
    assert [s["id"] for s in both] == [soon.pk, later.pk]
    assert member_app.get("/api/v1/volunteers/shifts", {"project": 1}).json()["count"] == 0
    type(soon).objects.filter(pk=soon.pk).update(
        signup_deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    still_open = member_app.get("/api/v1/volunteers/shifts", {"open_only": "true"}).json()
    assert [s["id"] for s in still_open["items"]] == [later.pk]
    closed = member_app.get(f"/api/v1/volunteers/shifts/{soon.pk}").json()
    assert closed["signup_open"] is False


def test_grids_near_me_apply_and_leave(grids, resident, resident_app):
    near = resident_app.get("/api/v1/volunteers/grids").json()
    home = next(g for g in near if g["is_home"])
    assert home["id"] == resident.home_grid_id
    assert {g["community"]["id"] for g in near} == {resident.home_grid.community_id}
    assert all("mobile" not in str(g) for g in near)

    applied = resident_app.post(
        "/api/v1/volunteers/memberships",
        {"grid_id": home["id"], "role": "patrol", "skills": "急救，摄影"},
    )
    assert applied.status_code == 201, applied.content
    assert applied.json()["status"] == "applied"
    twice = resident_app.post("/api/v1/volunteers/memberships", {"grid_id": home["id"]})
    assert assert_problem(twice, 400)["detail"] == "您已申请加入这个网格，请等待网格长审核。"
    bad_role = resident_app.post(
        "/api/v1/volunteers/memberships", {"grid_id": grids[1].pk, "role": "leader"}
    )
    assert "role" in assert_problem(bad_role, 400)["errors"]
    assert_problem(resident_app.post("/api/v1/volunteers/memberships", {"grid_id": 99999999}), 400)

    mine = resident_app.get("/api/v1/volunteers/memberships").json()
    assert [m["grid"]["id"] for m in mine] == [home["id"]]
    near = resident_app.get("/api/v1/volunteers/grids").json()
    assert next(g for g in near if g["is_home"])["my_membership"]["status"] == "applied"

    left = resident_app.post(f"/api/v1/volunteers/memberships/{mine[0]['id']}/leave")
    assert left.status_code == 200, left.content
    assert left.json()["status"] == "left"
    assert RosterMembership.objects.get(pk=mine[0]["id"]).status == "left"


def test_check_in_with_the_code(grid, member_app):
    shift = make_shift(grid=grid, hours_from_now=0.25)
    SignUp.objects.create(shift=shift, user=member_app.user, status="confirmed")
    wrong = member_app.post(f"/api/v1/volunteers/shifts/{shift.pk}/check-in", {"code": "XXXXXX"})
    document = assert_problem(wrong, 400)
    assert document["errors"]["code"] == ["签到码不正确，请核对网格长出示的签到码。"]
    right = member_app.post(
        f"/api/v1/volunteers/shifts/{shift.pk}/check-in", {"code": shift.checkin_code.lower()}
    )
    assert right.status_code == 200, right.content
    assert right.json()["checked_in_at"].endswith("+08:00")


def test_hours_certificates_and_calendar(grid, member_app):
    assert member_app.get("/api/v1/volunteers/me/hours").json()["total_hours"] == 0
    refused = member_app.post("/api/v1/volunteers/me/certificates")
    assert assert_problem(refused, 400)["detail"] == "您还没有已确认的服务时长，暂时不能开具证明。"
    ServiceRecord.objects.create(
        user=member_app.user,
        grid=grid,
        item="巡查",
        served_on=timezone.localdate() - datetime.timedelta(days=3),
        hours=Decimal("2.50"),
        issuer="测试社区",
    )
    hours = member_app.get("/api/v1/volunteers/me/hours").json()
    assert hours["total_hours"] == 2.5
    assert hours["records"][0]["item"] == "巡查" and hours["record_count"] == 1
    issued = member_app.post("/api/v1/volunteers/me/certificates")
    assert issued.status_code == 201, issued.content
    assert issued.json()["total_hours"] == 2.5
    assert "/volunteers/verify/" in issued.json()["verify_url"]
    listed = member_app.get("/api/v1/volunteers/me/certificates").json()
    assert [c["number"] for c in listed] == [issued.json()["number"]]

    assert member_app.get("/api/v1/volunteers/me/calendar").json() == {"feed_url": None}
    feed = member_app.post("/api/v1/volunteers/me/calendar/reset").json()["feed_url"]
    assert feed.endswith(".ics")
    assert member_app.get("/api/v1/volunteers/me/calendar").json()["feed_url"] == feed
    newer = member_app.post("/api/v1/volunteers/me/calendar/reset").json()["feed_url"]
    assert newer != feed


@pytest.mark.parametrize("size", [1, 12])
def test_query_counts_do_not_grow_with_data(grid, size, django_assert_max_num_queries):
    """Each volunteers endpoint has a fixed budget, whatever the number of shifts, sign-ups,
    members and records (a token costs 2 queries: its session and the account)."""
    user = make_member(grid=grid)
    shifts = [
        make_shift(grid=grid, hours_from_now=2 + i * 3, members_only=False) for i in range(size)
    ]
    for shift in shifts:
        SignUp.objects.create(shift=shift, user=user, status="confirmed")
        for _ in range(2):
            SignUp.objects.create(shift=shift, user=factories.make_user(), status="confirmed")
        ServiceRecord.objects.create(
            user=user,
            grid=grid,
            item="巡查",
            served_on=timezone.localdate(),
            hours=1,
            issuer="测试社区",
        )
    for _ in range(size):
        make_member(grid=grid)
    app = AppClient()
    app.login(user.email)
    target = shifts[-1]
    budgets = [
        ("get", "/api/v1/volunteers/shifts", 2),
        ("get", f"/api/v1/volunteers/shifts/{target.pk}", 5),
        ("get", "/api/v1/volunteers/signups", 4),
        ("get", "/api/v1/volunteers/grids", 5),
        ("get", "/api/v1/volunteers/memberships", 3),
        ("get", "/api/v1/volunteers/me/hours", 4),
        ("get", "/api/v1/volunteers/me/certificates", 3),
    ]
    for method, url, budget in budgets:
        with django_assert_max_num_queries(budget):
            response = getattr(app, method)(url)
        assert response.status_code == 200, (url, response.content)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_identical_sign_ups_at_once_create_one_row(require_postgres, grids):
    import threading

    from django.db import connection

    shift = make_shift(grid=grids[0], members_only=False)
    user = factories.make_user()
    token = AppClient().login(user.email)
    barrier = threading.Barrier(10)
    results = []

    def call():
        try:
            barrier.wait()
            response = AppClient(token=token).post(
                f"/api/v1/volunteers/shifts/{shift.pk}/signups", **{"Idempotency-Key": "tap"}
            )
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
    assert SignUp.objects.filter(shift=shift).count() == 1


@pytest.mark.parametrize("earlier", [0, 6])
def test_a_sign_up_answers_with_the_shifts_counts_after_it_in_fixed_queries(
    grid, member_app, earlier, django_assert_max_num_queries
):
    """The answer to a sign-up is what the shift's page would show right after it (places
    left, waitlist, my position), in the same number of queries with 0 or 6 earlier
    sign-ups: the service's locked row is the answer, nothing is read again."""
    shift = make_shift(grid=grid, capacity=earlier + 1)
    for _ in range(earlier):
        SignUp.objects.create(shift=shift, user=make_member(grid=grid), status="confirmed")
    url = f"/api/v1/volunteers/shifts/{shift.pk}/signups"
    member_app.get(f"/api/v1/volunteers/shifts/{shift.pk}")  # warm the per-process caches
    with django_assert_max_num_queries(10, info="sign up with a key"):
        taken = member_app.post(url, **{"Idempotency-Key": f"last-place-{earlier}"})
    assert taken.status_code == 201, taken.content
    body = taken.json()
    detail = member_app.get(f"/api/v1/volunteers/shifts/{shift.pk}").json()
    assert body["status"] == "confirmed" and body["position"] is None
    for field in ("confirmed_count", "waitlist_count", "places_left", "signup_open"):
        assert body["shift"][field] == detail[field], field
    assert body["shift"]["places_left"] == 0
    assert body["shift"]["grid"]["id"] == grid.pk

    late = make_member(grid=grid)
    app = AppClient()
    app.login(late.email)
    waiting = app.post(url, **{"Idempotency-Key": "after-the-last-place"}).json()
    assert waiting["status"] == "waitlisted" and waiting["position"] == 1
    assert waiting["shift"]["waitlist_count"] == 1
    assert waiting["shift"]["confirmed_count"] == earlier + 1


def test_an_expired_key_is_not_replayed_and_expired_keys_are_pruned(grid, member_app, monkeypatch):
    """A key older than the retention period no longer replays (the create runs again and is
    refused as a second sign-up); every PRUNE_EVERY-th stored key deletes the expired ones."""
    from api import http
    from api.models import IdempotencyKey

    shift = make_shift(grid=grid)
    url = f"/api/v1/volunteers/shifts/{shift.pk}/signups"
    assert member_app.post(url, **{"Idempotency-Key": "old"}).status_code == 201
    long_ago = timezone.now() - http.IDEMPOTENCY_RETENTION - datetime.timedelta(minutes=1)
    IdempotencyKey.objects.filter(key="old").update(created_at=long_ago)
    assert_problem(member_app.post(url, **{"Idempotency-Key": "old"}), 400)
    assert IdempotencyKey.objects.filter(key="old").count() == 0  # the expired row went

    for n in range(3):
        IdempotencyKey.objects.create(
            user=member_app.user, endpoint="x", key=f"stale-{n}", request_hash="h", status=201
        )
    IdempotencyKey.objects.filter(key__startswith="stale-").update(created_at=long_ago)
    monkeypatch.setattr(http, "PRUNE_EVERY", 1)
    other = make_shift(grid=grid, hours_from_now=200)
    created = member_app.post(
        f"/api/v1/volunteers/shifts/{other.pk}/signups", **{"Idempotency-Key": "fresh"}
    )
    assert created.status_code == 201
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


def test_public_certificate_check_shows_what_the_sites_check_page_shows(grid, anon_app):
    from volunteers.services import certificate_issue

    holder = make_member(grid=grid)
    holder.display_name = "王秀兰"
    holder.save()
    ServiceRecord.objects.create(
        user=holder,
        grid=grid,
        item="巡查",
        served_on=timezone.localdate() - datetime.timedelta(days=3),
        hours=Decimal("2.50"),
        issuer="测试社区",
    )
    certificate = certificate_issue(user=holder)
    url = f"/api/v1/volunteers/certificates/verify/{certificate.token}"
    checked = anon_app.get(url)
    assert checked.status_code == 200, checked.content
    document = checked.json()
    assert document["number"] == certificate.number
    assert document["account_name"] == "王*兰"
    assert document["total_hours"] == 2.5 and document["issuer"] == certificate.issuer
    assert "王*兰" in document["statement"] and "本平台没有核验其身份" in document["statement"]
    text = checked.content.decode()
    assert "王秀兰" not in text and holder.email not in text and certificate.token not in text
    # The site's page says the same for the same token.
    page = anon_app.client.get(certificate.get_verification_url()).content.decode()
    assert certificate.number in page and "王*兰" in page
    # The number alone finds nothing (numbers can be guessed); an unknown code: the site's
    # sentence; a malformed one: 400.
    missing = assert_problem(
        anon_app.get(f"/api/v1/volunteers/certificates/verify/{certificate.number}"), 404
    )
    assert missing["detail"] == "没有找到这份证明，请核对核验地址。"
    assert_problem(anon_app.get("/api/v1/volunteers/certificates/verify/a%20b"), 400)
    # In English when the app asks.
    english = AppClient(language="en").get(url).json()
    assert english["account_name"] == "王*兰"
