"""Surveys through the API as the app uses them: list, detail with questions, answer (with an
Idempotency-Key), my response, edit while open, results."""

import datetime
import json
import threading

import pytest
from django.db import connection
from django.utils import timezone

from surveys.models import SurveyResponse
from tests import factories
from tests.api.conftest import AppClient, assert_problem
from tests.surveys.conftest import make_survey, survey_index  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated_results_cache(monkeypatch):
    from tests.surveys.conftest import isolate_results_cache

    isolate_results_cache(monkeypatch)


@pytest.fixture
def survey(survey_index):  # noqa: F811
    return make_survey(survey_index, results_visibility="while_open")


def _answers(detail, *, choice="楼道照明", rating=4, text="", multi=("助餐",)):
    keys = [q["key"] for q in detail["questions"]]
    return {keys[0]: choice, keys[1]: list(multi), keys[2]: rating, keys[3]: text}


def test_list_detail_answer_edit_and_results(survey, resident_app):
    listing = resident_app.get("/api/v1/surveys")
    assert listing.status_code == 200
    assert [s["id"] for s in listing.json()["items"]] == [survey.pk]
    assert listing.json()["items"][0]["status"] == "open"
    # The public list has an ETag: the same list again is a 304.
    again = resident_app.get("/api/v1/surveys", **{"If-None-Match": listing["ETag"]})
    assert again.status_code == 304

    detail = resident_app.get(f"/api/v1/surveys/{survey.pk}").json()
    types = [q["type"] for q in detail["questions"]]
    assert types == ["radio", "checkboxes", "rating", "multiline"]
    assert detail["questions"][0]["choices"] == ["楼道照明", "屋面防水", "停车秩序"]
    assert detail["questions"][0]["other_key"].endswith("__other")
    assert detail["questions"][2]["rating"] == {
        "min": 1,
        "max": 5,
        "low_label": "很不满意",
        "high_label": "非常满意",
    }
    assert detail["me"]["can_answer"] is True and detail["me"]["answered"] is False

    # A missing answer: the site's sentence on the field.
    incomplete = _answers(detail)
    incomplete.pop(detail["questions"][2]["key"])
    document = assert_problem(
        resident_app.post(f"/api/v1/surveys/{survey.pk}/response", {"answers": incomplete}), 400
    )
    assert document["errors"][detail["questions"][2]["key"]] == ["请回答这个问题。"]

    created = resident_app.post(
        f"/api/v1/surveys/{survey.pk}/response", {"answers": _answers(detail)}
    )
    assert created.status_code == 201, created.content
    assert created.json()["answers"][detail["questions"][2]["key"]] == 4
    assert created.json()["submitted_at"].endswith("+08:00")

    # Without a key, a second submission is the service's refusal.
    second = resident_app.post(
        f"/api/v1/surveys/{survey.pk}/response", {"answers": _answers(detail)}
    )
    assert assert_problem(second, 400, "already_answered")["detail"] == (
        "您已经提交过这份问卷，每人只能提交一份。"
    )

    mine = resident_app.get(f"/api/v1/surveys/{survey.pk}/response").json()
    assert mine["answers"][detail["questions"][0]["key"]] == "楼道照明"
    assert mine["answers"][detail["questions"][1]["key"]] == ["助餐"]

    edited = resident_app.put(
        f"/api/v1/surveys/{survey.pk}/response",
        {"answers": _answers(detail, choice="停车秩序", rating=2, multi=("助浴", "陪伴"))},
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["answers"][detail["questions"][1]["key"]] == ["助浴", "陪伴"]
    assert SurveyResponse.objects.filter(survey=survey).count() == 1

    mine = resident_app.get("/api/v1/surveys/mine").json()
    assert [(m["survey_id"], m["survey_status"]) for m in mine] == [(survey.pk, "open")]

    results = resident_app.get(f"/api/v1/surveys/{survey.pk}/results").json()
    assert results["total"] == 1
    rating = next(q for q in results["questions"] if q["type"] == "rating")
    assert rating["mean"] == 2.0
    radio = results["questions"][0]
    assert {r["label"]: r["count"] for r in radio["rows"]}["停车秩序"] == 1


def test_closed_survey_cannot_be_edited(survey, resident, resident_app):
    detail = resident_app.get(f"/api/v1/surveys/{survey.pk}").json()
    assert (
        resident_app.post(
            f"/api/v1/surveys/{survey.pk}/response", {"answers": _answers(detail)}
        ).status_code
        == 201
    )
    # Saved as the admin saves it (an SQL update would bypass the signals that tell the
    # API's kept copy of the survey, surveys.selectors.live_survey, for up to a minute).
    survey.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    survey.opens_at = timezone.now() - datetime.timedelta(days=2)
    survey.save(update_fields=["closes_at", "opens_at"])
    refused = resident_app.put(
        f"/api/v1/surveys/{survey.pk}/response", {"answers": _answers(detail)}
    )
    assert assert_problem(refused, 400, "closed")["detail"] == "问卷已经截止，答案不能再修改。"


def test_results_not_public_yet_is_403_and_answering_needs_login(survey_index, anon_app):  # noqa: F811
    hidden = make_survey(survey_index, results_visibility="after_close")
    document = assert_problem(anon_app.get(f"/api/v1/surveys/{hidden.pk}/results"), 403)
    assert document["detail"] == "这份问卷的结果暂不公开。"
    assert_problem(anon_app.post(f"/api/v1/surveys/{hidden.pk}/response", {"answers": {}}), 401)
    detail = anon_app.get(f"/api/v1/surveys/{hidden.pk}").json()
    assert detail["me"]["can_answer"] is False
    assert detail["me"]["reason_code"] == "login_required"
    assert_problem(anon_app.get("/api/v1/surveys/999999999"), 404)


def test_outside_audience_gets_the_sites_sentence(survey_index, grids):  # noqa: F811
    selected = make_survey(
        survey_index,
        audience="selected",
        audience_communities=[grids[0].community],
        opens_at=timezone.now() - datetime.timedelta(hours=1),
    )
    outsider = factories.make_user(home_grid=grids[-1])
    app = AppClient()
    app.login(outsider.email)
    detail = app.get(f"/api/v1/surveys/{selected.pk}").json()
    assert detail["me"]["reason_code"] in ("outside_audience", "home_grid_too_recent")
    refused = app.post(f"/api/v1/surveys/{selected.pk}/response", {"answers": _answers(detail)})
    document = assert_problem(refused, 400)
    assert document["code"] == detail["me"]["reason_code"]
    assert document["detail"] == detail["me"]["reason"]


def test_idempotency_key_returns_the_first_response(survey, resident_app):
    detail = resident_app.get(f"/api/v1/surveys/{survey.pk}").json()
    url = f"/api/v1/surveys/{survey.pk}/response"
    body = {"answers": _answers(detail)}
    first = resident_app.post(url, body, **{"Idempotency-Key": "submit-1"})
    retry = resident_app.post(url, body, **{"Idempotency-Key": "submit-1"})
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    # The same key with another body is refused; a new key meets the service's rule.
    other = {"answers": _answers(detail, choice="屋面防水")}
    reused = resident_app.post(url, other, **{"Idempotency-Key": "submit-1"})
    assert_problem(reused, 422, "idempotency_key_reused")
    assert_problem(resident_app.post(url, body, **{"Idempotency-Key": "submit-2"}), 400)
    assert_problem(resident_app.post(url, body, **{"Idempotency-Key": "bad key é"}), 400)


def test_failed_create_keeps_the_key_free(survey, resident_app):
    detail = resident_app.get(f"/api/v1/surveys/{survey.pk}").json()
    url = f"/api/v1/surveys/{survey.pk}/response"
    broken = _answers(detail, choice="不存在的选项")
    assert_problem(resident_app.post(url, {"answers": broken}, **{"Idempotency-Key": "k"}), 400)
    fixed = resident_app.post(url, {"answers": _answers(detail)}, **{"Idempotency-Key": "k2"})
    assert fixed.status_code == 201


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_identical_requests_at_once_create_one_row(require_postgres, survey_index):  # noqa: F811
    survey = make_survey(survey_index)
    resident = factories.make_user()
    token = AppClient().login(resident.email)
    detail = AppClient(token=token).get(f"/api/v1/surveys/{survey.pk}").json()
    body = {"answers": _answers(detail)}
    barrier = threading.Barrier(10)
    results = []

    def call():
        try:
            barrier.wait()
            response = AppClient(token=token).post(
                f"/api/v1/surveys/{survey.pk}/response", body, **{"Idempotency-Key": "tap-tap"}
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
    assert len({content for _status, content in results}) == 1
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    from api.models import IdempotencyKey

    assert IdempotencyKey.objects.filter(user=resident).count() == 1


# --- Visitors (a survey that does not require login) -----------------------------------------

VISITOR = "X-Visitor-Token"


@pytest.fixture
def open_survey(survey_index):  # noqa: F811
    return make_survey(survey_index, login_required=False, results_visibility="while_open")


def _visitor_app(address: str) -> AppClient:
    """An app without an account, from its own address (the visitors' limit is per address)."""
    from django.test import Client

    app = AppClient()
    app.client = Client(raise_request_exception=True, REMOTE_ADDR=address)
    return app


def test_visitor_answers_sees_and_edits_with_the_token(open_survey):
    app = _visitor_app("10.20.0.1")
    url = f"/api/v1/surveys/{open_survey.pk}/response"
    detail = app.get(f"/api/v1/surveys/{open_survey.pk}").json()
    assert detail["login_required"] is False
    assert detail["me"]["can_answer"] is True and detail["me"]["reason_code"] is None

    created = app.post(url, {"answers": _answers(detail)})
    assert created.status_code == 201, created.content
    token = created.json()["visitor_token"]
    assert len(token) >= 32
    response = SurveyResponse.objects.get(survey=open_survey)
    assert response.user_id is None

    # One response per visitor: the site's sentence.
    again = app.post(url, {"answers": _answers(detail)}, **{VISITOR: token})
    assert assert_problem(again, 400, "already_answered")["detail"] == (
        "您已经提交过这份问卷，每人只能提交一份。"
    )
    # My response: with the token only; someone else's token finds nothing.
    assert_problem(app.get(url), 401, "not_authenticated")
    mine = app.get(url, **{VISITOR: token})
    assert mine.status_code == 200, mine.content
    assert mine.json()["answers"][detail["questions"][0]["key"]] == "楼道照明"
    assert mine.json()["visitor_token"] == token
    assert_problem(app.get(url, **{VISITOR: "x" * 40}), 404)
    status = app.get(f"/api/v1/surveys/{open_survey.pk}", **{VISITOR: token}).json()["me"]
    assert status["answered"] is True and status["can_edit"] is True
    assert status["can_answer"] is False
    for_me = app.get("/api/v1/surveys/for-me", **{VISITOR: token}).json()
    assert [(s["id"], s["answered"]) for s in for_me] == [(open_survey.pk, True)]
    assert app.get("/api/v1/surveys/for-me").json()[0]["answered"] is False

    # Edit while open, with the token; without it there is nobody to edit for.
    changed = {"answers": _answers(detail, choice="停车秩序")}
    assert_problem(app.put(url, changed), 401)
    edited = app.put(url, changed, **{VISITOR: token})
    assert edited.status_code == 200, edited.content
    assert edited.json()["answers"][detail["questions"][0]["key"]] == "停车秩序"
    assert SurveyResponse.objects.filter(survey=open_survey).count() == 1
    # A malformed token is a 400, never someone's response.
    assert_problem(app.get(url, **{VISITOR: "short"}), 400, "invalid_parameters")
    # Another site's form (not JSON) cannot answer for its visitors.
    forged = app.client.post(
        url, json.dumps({"answers": _answers(detail)}), content_type="text/plain"
    )
    assert_problem(forged, 401)
    assert SurveyResponse.objects.filter(survey=open_survey).count() == 1


def test_visitor_idempotency_key_needs_the_token_and_replays(open_survey):
    from api.models import IdempotencyKey

    app = _visitor_app("10.20.0.2")
    url = f"/api/v1/surveys/{open_survey.pk}/response"
    body = {"answers": _answers(app.get(f"/api/v1/surveys/{open_survey.pk}").json())}
    refused = app.post(url, body, **{"Idempotency-Key": "v-1"})
    assert assert_problem(refused, 400, "visitor_token_required")["detail"] == (
        "不登录提交答卷时，Idempotency-Key 需要与 X-Visitor-Token 请求头一起使用。"
    )
    token = "app-chosen-visitor-token-0123456789abcdef"
    headers = {"Idempotency-Key": "v-1", VISITOR: token}
    first = app.post(url, body, **headers)
    retry = app.post(url, body, **headers)
    assert first.status_code == retry.status_code == 201, first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json() and first.json()["visitor_token"] == token
    assert SurveyResponse.objects.filter(survey=open_survey).count() == 1
    row = IdempotencyKey.objects.get(key="v-1")
    assert row.user_id is None and row.visitor and token not in row.visitor
    # Another visitor's same key is their own: a new response, not the first one's replay.
    other = app.post(url, body, **{"Idempotency-Key": "v-1", VISITOR: "b" * 32})
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert SurveyResponse.objects.filter(survey=open_survey).count() == 2


def test_visitors_are_limited_per_address_like_on_the_site(settings, open_survey):
    settings.SURVEY_VISITOR_RATE_LIMIT = (1, 3600)
    app = _visitor_app("10.20.0.3")
    url = f"/api/v1/surveys/{open_survey.pk}/response"
    body = {"answers": _answers(app.get(f"/api/v1/surveys/{open_survey.pk}").json())}
    assert app.post(url, body).status_code == 201
    refused = assert_problem(app.post(url, body), 429, "rate_limited")
    assert "这个网络地址提交的答卷太多了" in refused["detail"]


def test_login_required_survey_refuses_visitors_and_ignores_their_token(survey, resident_app):
    app = _visitor_app("10.20.0.4")
    url = f"/api/v1/surveys/{survey.pk}/response"
    detail = app.get(f"/api/v1/surveys/{survey.pk}").json()
    assert detail["me"]["reason_code"] == "login_required"
    assert detail["me"]["reason"] == "请先登录再回答这份问卷。"
    for headers in ({}, {VISITOR: "c" * 32}):
        assert_problem(app.post(url, {"answers": _answers(detail)}, **headers), 401)
        assert_problem(app.get(url, **headers), 401)
    assert not SurveyResponse.objects.filter(survey=survey).exists()
    # A resident's answer is the account's, whatever visitor token the app also sends.
    created = resident_app.post(url, {"answers": _answers(detail)}, **{VISITOR: "c" * 32})
    assert created.status_code == 201 and created.json()["visitor_token"] is None
    # A wrong session token is a 401, not a visitor.
    wrong = AppClient(token="a" * 32).post(url, {"answers": _answers(detail)})
    assert_problem(wrong, 401)


def test_for_me_answered_holds_for_anonymous_surveys(survey_index, resident_app):  # noqa: F811
    """An anonymous survey's response keeps no user: `answered` comes from the respondent
    key, as on the survey page."""
    anonymous = make_survey(survey_index, anonymous=True)
    other = make_survey(survey_index)
    detail = resident_app.get(f"/api/v1/surveys/{anonymous.pk}").json()
    url = f"/api/v1/surveys/{anonymous.pk}/response"
    assert resident_app.post(url, {"answers": _answers(detail)}).status_code == 201
    assert SurveyResponse.objects.get(survey=anonymous).user_id is None
    flags = {s["id"]: s["answered"] for s in resident_app.get("/api/v1/surveys/for-me").json()}
    assert flags == {anonymous.pk: True, other.pk: False}
    assert resident_app.get(f"/api/v1/surveys/{anonymous.pk}").json()["me"]["answered"] is True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_identical_visitor_answers_at_once_create_one_row(require_postgres, survey_index):  # noqa: F811
    """The visitor's key (a hash of X-Visitor-Token) has its own unique constraint: ten
    identical retries at once, one response and one key row."""
    from api.models import IdempotencyKey

    survey = make_survey(survey_index, login_required=False)
    detail = AppClient().get(f"/api/v1/surveys/{survey.pk}").json()
    body = {"answers": _answers(detail)}
    headers = {"X-Visitor-Token": "v" * 40, "Idempotency-Key": "tap-tap"}
    barrier = threading.Barrier(10)
    results = []

    def call():
        try:
            barrier.wait()
            response = _visitor_app("10.30.0.1").post(
                f"/api/v1/surveys/{survey.pk}/response", body, **headers
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
    assert len({content for _status, content in results}) == 1
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    assert IdempotencyKey.objects.filter(user=None, key="tap-tap").count() == 1


def test_schema_says_answers_take_visitors():
    """The answer operations declare the X-Visitor-Token header and optional security (`{}`
    beside the token and the cookie), so a generated call without a token is a valid one."""
    from django.test import Client

    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for method, operation in paths["/api/v1/surveys/{survey_id}/response"].items():
        assert {} in operation["security"], method
        assert "X-Visitor-Token" in [p["name"] for p in operation["parameters"]], method
        assert "401" in operation["responses"]
    assert {} not in paths["/api/v1/me"]["get"]["security"]


def test_the_survey_kept_between_requests_follows_every_change(survey, resident_app):
    """The API keeps a live survey, its questions and its answer form in each process
    (surveys.selectors.live_survey). A question saved on its own (as a script would), the
    survey's closing time saved, and the survey unpublished all show on the next request."""
    from surveys.models import SurveyQuestion

    url = f"/api/v1/surveys/{survey.pk}"
    before = resident_app.get(url).json()
    SurveyQuestion.objects.create(
        page=survey, sort_order=9, label="您家住几楼？", field_type="singleline", required=True
    )
    detail = resident_app.get(url).json()
    assert [q["label"] for q in detail["questions"]][-1] == "您家住几楼？"
    # The answer form asks for the new question too.
    refused = resident_app.post(f"{url}/response", {"answers": _answers(before)})
    errors = assert_problem(refused, 400)["errors"]
    assert errors == {detail["questions"][-1]["key"]: ["请回答这个问题。"]}

    from wagtail.models import PageViewRestriction

    restriction = PageViewRestriction.objects.create(
        page=survey.get_parent(), restriction_type=PageViewRestriction.LOGIN
    )
    assert resident_app.get(url).status_code == 404  # below a restricted page: not public
    restriction.delete()
    assert resident_app.get(url).status_code == 200

    survey.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    survey.save(update_fields=["closes_at"])
    assert resident_app.get(url).json()["status"] == "closed"
    closed = resident_app.post(f"{url}/response", {"answers": _answers(detail)})
    assert assert_problem(closed, 400, "closed")

    survey.unpublish()
    assert resident_app.get(url).status_code == 404
    assert resident_app.post(f"{url}/response", {"answers": _answers(detail)}).status_code == 404
