"""The API's public reads in the page cache (portal.page_cache): a caller who shows no identity
gets a repeat answer without a query, fresh right after each change it shows, in the
language it asked for, and a 304 for an ETag it has; a caller with a token, a visitor token,
an Authorization header or a session cookie is never served from it."""

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from cases import services as case_services
from portal.models import StandardPage
from tests.api import test_cases
from tests.api.conftest import AppClient
from tests.volunteers.factories import make_member, make_shift
from volunteers.services import shifts as shift_services

pytestmark = pytest.mark.django_db

world = test_cases.world  # the cases world: a reporter, staff, a category, grids

CASES = "/api/v1/cases?limit=20"


def _get(app, url, **headers):
    response = app.get(url, **headers)
    assert response.status_code == 200, (url, response.content[:300])
    return response


def test_a_repeat_public_read_comes_from_the_cache(world, anon_app, django_assert_num_queries):
    first = _get(anon_app, CASES)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = _get(anon_app, CASES)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    # The operation's own headers are kept: revalidate with the ETag, per language.
    assert second["ETag"] == first["ETag"] and second["Cache-Control"] == "no-cache"
    assert "Accept-Language" in second["Vary"] and second["Content-Language"] == "zh-hans"
    assert not second.cookies


def test_a_change_is_shown_at_once(world, anon_app):
    before = _get(anon_app, CASES).json()["count"]
    assert _get(anon_app, CASES)["X-Page-Cache"] == "hit"
    case_services.case_accept(case=world.report(), by=world.staff)
    fresh = _get(anon_app, CASES)
    assert fresh["X-Page-Cache"] == "miss"
    assert fresh.json()["count"] == before + 1


def test_places_left_after_a_sign_up(world, anon_app):
    shift = make_shift(grid=world.grid, members_only=False, capacity=3)
    url = f"/api/v1/volunteers/shifts?grid={world.grid.pk}"
    assert _get(anon_app, url).json()["items"][0]["places_left"] == 3
    assert _get(anon_app, url)["X-Page-Cache"] == "hit"
    shift_services.shift_sign_up(shift=shift, user=make_member(grid=world.grid))
    item = _get(anon_app, url).json()["items"][0]
    assert item["places_left"] == 2 and item["confirmed_count"] == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Visitor-Token": "a" * 43},
        {"Authorization": "Bearer something"},
    ],
)
def test_callers_with_an_identity_header_are_never_served_from_it(world, anon_app, headers):
    _get(anon_app, CASES)
    assert _get(anon_app, CASES)["X-Page-Cache"] == "hit"
    response = anon_app.get(CASES, **headers)
    assert "X-Page-Cache" not in response


def test_an_app_with_a_token_or_a_browser_with_a_session_is_never_served_from_it(world, anon_app):
    _get(anon_app, CASES)
    app = AppClient()
    app.login(world.reporter.email)
    assert "X-Page-Cache" not in _get(app, CASES)
    browser = Client()
    browser.force_login(world.reporter)
    assert "X-Page-Cache" not in browser.get(CASES)
    # Nor is what they were answered kept for others.
    assert _get(anon_app, CASES)["X-Page-Cache"] == "hit"


def test_each_language_is_cached_apart(world):
    chinese, english = AppClient(), AppClient(language="en")
    url = "/api/v1/cases/categories"
    assert _get(chinese, url)["Content-Language"] == "zh-hans"
    first = _get(english, url)
    assert first["X-Page-Cache"] == "miss" and first["Content-Language"] == "en"
    assert _get(english, url)["Content-Language"] == "en"
    assert _get(chinese, url)["Content-Language"] == "zh-hans"
    # Ranked as the API ranks it: English first, whatever the order in the header.
    ranked = _get(AppClient(language="zh;q=0.5, en"), url)
    assert ranked["X-Page-Cache"] == "hit" and ranked["Content-Language"] == "en"


def test_an_etag_the_caller_has_is_a_304_from_the_cache(world, anon_app, django_assert_num_queries):
    etag = _get(anon_app, CASES)["ETag"]
    with django_assert_num_queries(0):
        again = anon_app.get(CASES, **{"If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag
    assert again["X-Page-Cache"] == "hit" and not again.content
    assert _get(anon_app, CASES, **{"If-None-Match": 'W/"other"'})["X-Page-Cache"] == "hit"


def test_open311_and_the_pages_api(world, home_page, anon_app):
    assert _get(anon_app, "/open311/v2/requests.json")["X-Page-Cache"] == "miss"
    assert _get(anon_app, "/open311/v2/requests.json")["X-Page-Cache"] == "hit"
    page = home_page.add_child(instance=StandardPage(title="参与指南", slug="guide"))
    url = "/api/v2/pages/?type=portal.StandardPage&fields=intro"
    assert [p["title"] for p in _get(anon_app, url).json()["items"]] == ["参与指南"]
    assert _get(anon_app, url)["X-Page-Cache"] == "hit"
    page.title = "怎样参与"
    page.save_revision().publish()
    assert [p["title"] for p in _get(anon_app, url).json()["items"]] == ["怎样参与"]


@override_settings(PAGE_CACHE_ENABLED=False)
def test_switched_off_it_keeps_nothing(world, anon_app):
    _get(anon_app, CASES)
    assert "X-Page-Cache" not in _get(anon_app, CASES)


# The public lists' shared bodies (api.http.shared_list): for callers the page cache does not
# serve, the list's queries run once per change, not once per caller.

SHARED_LISTS = [
    CASES,
    "/api/v1/cases?offset=0&limit=5",
    "/api/v1/volunteers/shifts?limit=20",
    "/api/v1/surveys?status=open",
    "/api/v1/projects?limit=12",
]


@pytest.mark.parametrize("url", SHARED_LISTS)
def test_a_signed_in_app_reads_a_public_list_from_its_shared_body(world, url):
    app = AppClient()
    app.login(world.reporter.email)
    first = _get(app, url)
    other = AppClient()
    other.login(world.staff.email)
    # The caller's token is still checked; the list (its count, its page) is not built again.
    with CaptureQueriesContext(connection) as queries:
        second = _get(other, url)
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert "X-Page-Cache" not in second
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert other.get(url, **{"If-None-Match": first["ETag"]}).status_code == 304


def test_a_shared_list_shows_a_change_at_once(world):
    app = AppClient()
    app.login(world.reporter.email)
    before = _get(app, CASES).json()["count"]
    case_services.case_accept(case=world.report(), by=world.staff)
    assert _get(app, CASES).json()["count"] == before + 1
    shift = make_shift(grid=world.grid, members_only=False, capacity=3)
    url = f"/api/v1/volunteers/shifts?grid={world.grid.pk}"
    assert _get(app, url).json()["items"][0]["places_left"] == 3
    shift_services.shift_sign_up(shift=shift, user=make_member(grid=world.grid))
    assert _get(app, url).json()["items"][0]["places_left"] == 2


def test_a_shared_list_keeps_each_query_and_language_apart(world):
    app = AppClient()
    app.login(world.reporter.email)
    everything = _get(app, CASES).json()
    assert _get(app, "/api/v1/cases?limit=1").json()["items"] == everything["items"][:1]
    english = AppClient(token=app.token, language="en")
    assert _get(english, "/api/v1/volunteers/shifts")["Content-Language"] == "en"
    assert _get(app, "/api/v1/volunteers/shifts")["Content-Language"] == "zh-hans"
    # A filter the list refuses is a 400 problem every time, never a kept answer.
    for _ in range(2):
        assert app.get("/api/v1/cases?street=abc").status_code == 400


def test_the_statistics_are_kept_like_a_public_list(world, monkeypatch):
    """The statistics are the same for every caller (the figures up to today): a second
    signed-in app gets the kept body, and a new case is counted at once."""
    from cases import statistics

    real, calls = statistics.case_statistics_cached, []

    def counted(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(statistics, "case_statistics_cached", counted)
    url = "/api/v1/cases/statistics?days=30"
    app = AppClient()
    app.login(world.reporter.email)
    first = _get(app, url)
    other = AppClient()
    other.login(world.staff.email)
    second = _get(other, url)
    assert len(calls) == 1
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert other.get(url, **{"If-None-Match": first["ETag"]}).status_code == 304
    world.report()
    third = _get(other, url)
    assert len(calls) == 2
    assert third.json()["total"]["reported"] == first.json()["total"]["reported"] + 1
