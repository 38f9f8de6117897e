"""Surveys through the API as the app uses them: list, detail with questions, answer (with an
Idempotency-Key), my response, edit while open, results."""

import datetime
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
    type(survey).objects.filter(pk=survey.pk).update(
        closes_at=timezone.now() - datetime.timedelta(minutes=1),
        opens_at=timezone.now() - datetime.timedelta(days=2),
    )
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
