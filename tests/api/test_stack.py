"""The API's conventions: schema and docs, headless login and tokens, problem documents,
pagination limits, language, rate limits, 我的设备."""

import json

import pytest
from django.test import Client, override_settings

from tests import factories
from tests.api.conftest import AppClient, assert_problem

pytestmark = pytest.mark.django_db


def test_openapi_schema_declares_problem_documents_on_every_operation():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "Problem" in schema["components"]["schemas"]
    assert schema["components"]["securitySchemes"]["SessionTokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Session-Token",
    }
    operations = [
        (path, method, op) for path, item in schema["paths"].items() for method, op in item.items()
    ]
    assert len(operations) >= 10
    for path, method, op in operations:
        for status in ("400", "403", "404", "422", "429"):
            content = op["responses"][status]["content"]
            assert list(content) == ["application/problem+json"], (path, method, status)
        if op.get("security"):
            assert "401" in op["responses"], (path, method)


def test_docs_page_uses_installed_static_files_only():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_headless_login_gives_a_token_that_the_api_accepts(resident):
    app = AppClient()
    anonymous = app.get("/api/v1/me")
    assert_problem(anonymous, 401, "not_authenticated")
    token = app.login(resident.email)
    assert len(token) == 32
    response = app.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["email"] == resident.email
    # A wrong or malformed token is no login (never a lookup with odd characters).
    for bad in ("x" * 32, "bad\u00e9token", "0" * 500):
        assert_problem(AppClient(token=bad).get("/api/v1/me"), 401)


def test_browser_session_works_and_writes_need_csrf(resident):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(resident)
    assert browser.get("/api/v1/me").status_code == 200
    refused = browser.post("/api/v1/me/notifications/read", content_type="application/json")
    assert_problem(refused, 403, "csrf_failed")
    browser.get("/me/profile/")  # a page with a form sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        "/api/v1/me/notifications/read",
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json() == {"marked": 0}


def test_a_write_without_any_login_is_401_not_a_csrf_403(resident):
    """Found by the live contract fuzzing (issue #14): an anonymous POST got the CSRF 403
    meant for logged-in browsers; the schema declares 401 for a call without a login."""
    browser = Client(enforce_csrf_checks=True)
    for response in (
        browser.post("/api/v1/me/notifications/read", content_type="application/json"),
        browser.delete("/api/v1/me/devices/1"),
        AppClient().post("/api/v1/me/notifications/read"),
        AppClient(token="x" * 32).post("/api/v1/me/delete", {"password": "x", "confirm": True}),
    ):
        assert_problem(response, 401, "not_authenticated")


def test_json_that_is_not_an_object_is_a_400_invalid_json(resident, resident_app):
    """Found by the live contract fuzzing: `[]`, `1`, `"x"` or `null` as a body was read as
    an empty object (and saved nothing, with a 200); broken JSON had an English detail."""
    before = resident_app.get("/api/v1/me").json()
    for body in ("[]", "1", '"x"', "null", "[{}]", "{not json", b"\xff\xfe"):
        response = resident_app.client.patch(
            "/api/v1/me",
            body,
            content_type="application/json",
            headers={"X-Session-Token": resident_app.token},
        )
        document = assert_problem(response, 400, "invalid_json")
        assert document["detail"] == "请求内容必须是一个 JSON 对象。"
    assert resident_app.get("/api/v1/me").json() == before
    # A valid object still works.
    renamed = resident_app.patch("/api/v1/me", {"display_name": "新名字"})
    assert renamed.status_code == 200 and renamed.json()["display_name"] == "新名字"


def test_a_method_the_path_does_not_have_is_a_405_with_allow(resident_app):
    """Found by the live contract fuzzing: the 405 problem document lost the Allow header
    (RFC 9110 requires it)."""
    response = resident_app.put("/api/v1/me", {})
    document = assert_problem(response, 405)
    assert document["title"] == "不支持这个请求方法"
    assert {m.strip() for m in response["Allow"].split(",")} == {"GET", "PATCH"}
    public = AppClient().delete("/api/v1/surveys")
    assert_problem(public, 405)
    assert "GET" in public["Allow"]


def test_errors_are_problem_documents_in_chinese_and_english_on_request(resident_app):
    missing = resident_app.post("/api/v1/me/notifications/999999/read")
    assert_problem(missing, 404, "not_found")
    # A service's refusal: the site's own sentence, as a field error and the detail.
    wrong = {"password": "not-my-password", "confirm": True}
    document = assert_problem(resident_app.post("/api/v1/me/delete", wrong), 400)
    assert document["errors"] == {"password": ["密码不正确。"]}
    assert document["detail"] == "密码不正确。"
    resident_app.language = "en"
    english = assert_problem(resident_app.post("/api/v1/me/delete", wrong), 400)
    assert english["errors"] == {"password": ["The password is incorrect."]}
    # A Chinese phone that also lists English still gets Chinese.
    resident_app.language = "zh-CN,zh;q=0.9,en;q=0.8"
    chinese = assert_problem(resident_app.post("/api/v1/me/delete", wrong), 400)
    assert chinese["errors"] == document["errors"]
    assert chinese.get("code") is None or chinese["code"] != "not_found"


def test_malformed_ids_and_unknown_paths_are_problems(resident_app):
    for path in (
        "/api/v1/me/notifications/abc/read",
        "/api/v1/me/notifications/0/read",
        "/api/v1/me/notifications/99999999999999999999999/read",
    ):
        assert_problem(resident_app.post(path), 400, "invalid_parameters")
    assert_problem(resident_app.get("/api/v1/no/such/thing"), 404, "not_found")
    assert_problem(resident_app.get("/api/v1/me/notifications/a%2Fb/read"), 404)


def test_malformed_body_is_422_with_field_errors(resident_app):
    response = resident_app.patch("/api/v1/me", {"home_grid_id": "north"})
    document = assert_problem(response, 422, "invalid_body")
    assert "payload.home_grid_id" in document["errors"]
    broken = resident_app.client.patch(
        "/api/v1/me",
        "{not json",
        content_type="application/json",
        headers={"X-Session-Token": resident_app.token},
    )
    assert broken.status_code in (400, 422)


def test_page_size_above_100_is_a_400(resident_app):
    assert resident_app.get("/api/v1/me/notifications", {"limit": 100}).status_code == 200
    document = assert_problem(
        resident_app.get("/api/v1/me/notifications", {"limit": 101}), 400, "invalid_parameters"
    )
    assert document["errors"]["limit"] == ["不能大于 100。"]
    assert_problem(resident_app.get("/api/v1/me/notifications", {"offset": -1}), 400)


def test_times_carry_the_district_offset(resident, resident_app):
    from portal.notifications import notify

    notify(recipient=resident, kind="test", subject="测试", email=False)
    item = resident_app.get("/api/v1/me/notifications").json()["items"][0]
    assert item["created_at"].endswith("+08:00")


@override_settings(API_RATE_LIMIT=(3, 60))
def test_rate_limit_per_token(resident, resident_app):
    for _ in range(3):
        assert resident_app.get("/api/v1/me").status_code == 200
    limited = resident_app.get("/api/v1/me")
    assert_problem(limited, 429, "rate_limited")
    assert int(limited["Retry-After"]) > 0
    # Another token of the same person (another phone) has its own budget.
    other = AppClient()
    other.login(resident.email)
    assert other.get("/api/v1/me").status_code == 200


def test_my_devices_list_and_revoke(resident):
    phone, tablet = AppClient(), AppClient()
    phone.login(resident.email)
    tablet.login(resident.email)
    devices = phone.get("/api/v1/me/devices").json()
    assert len(devices) == 2
    assert [d["current"] for d in devices].count(True) == 1
    assert all(d["user_agent"].startswith("ZaiShibei/") for d in devices)
    other = next(d for d in devices if not d["current"])
    assert phone.delete(f"/api/v1/me/devices/{other['id']}").status_code == 204
    assert_problem(tablet.get("/api/v1/me"), 401)
    assert phone.get("/api/v1/me").status_code == 200
    assert len(phone.get("/api/v1/me/devices").json()) == 1
    # Someone else's device is not found.
    stranger = AppClient()
    stranger.login(factories.make_user().email)
    mine = phone.get("/api/v1/me/devices").json()[0]["id"]
    assert_problem(stranger.delete(f"/api/v1/me/devices/{mine}"), 404)
    assert phone.get("/api/v1/me").status_code == 200


def test_openapi_schema_has_no_duplicate_keys():
    """Swagger UI (/api/v1/docs) parses the schema strictly: a key written twice in one object
    (an operation's "200" from both `response=` and `openapi_extra`) stops it rendering."""
    duplicated = []

    def no_duplicates(pairs):
        keys = [key for key, _value in pairs]
        duplicated.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(pairs)

    response = Client().get("/api/v1/openapi.json")
    schema = json.loads(response.content, object_pairs_hook=no_duplicates)
    assert not duplicated
    calendar = schema["paths"]["/api/v1/volunteers/signups/{signup_id}/calendar.ics"]["get"]
    assert "text/calendar" in calendar["responses"]["200"]["content"]
    data_export = schema["paths"]["/api/v1/me/data-export"]["post"]
    assert "application/zip" in data_export["responses"]["200"]["content"]
