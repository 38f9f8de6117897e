"""Helpers for calling the API as the phone app does: log in through allauth's headless API,
then send the session token in X-Session-Token."""

import json

import pytest
from django.test import Client

from tests import factories

LOGIN_URL = "/_allauth/app/v1/auth/login"


class AppClient:
    """A JSON client with the app's session token (none until `login`)."""

    def __init__(self, token: str = "", language: str = ""):
        self.client = Client(raise_request_exception=True)
        self.token = token
        self.language = language

    def _headers(self, extra):
        headers = dict(extra)
        if self.token:
            headers.setdefault("X-Session-Token", self.token)
        if self.language:
            headers.setdefault("Accept-Language", self.language)
        return headers

    def login(self, email: str, password: str = factories.PASSWORD) -> str:
        response = self.client.post(
            LOGIN_URL,
            json.dumps({"email": email, "password": password}),
            content_type="application/json",
            headers={"User-Agent": "ZaiShibei/3.1 (Android 14)"},
        )
        assert response.status_code == 200, response.content
        self.token = response.json()["meta"]["session_token"]
        return self.token

    def get(self, path, params=None, **headers):
        return self.client.get(path, params or {}, headers=self._headers(headers))

    def _send(self, method, path, payload=None, **headers):
        body = json.dumps(payload) if payload is not None else ""
        return getattr(self.client, method)(
            path, body, content_type="application/json", headers=self._headers(headers)
        )

    def post(self, path, payload=None, **headers):
        return self._send("post", path, payload, **headers)

    def patch(self, path, payload=None, **headers):
        return self._send("patch", path, payload, **headers)

    def put(self, path, payload=None, **headers):
        return self._send("put", path, payload, **headers)

    def delete(self, path, **headers):
        return self.client.delete(path, headers=self._headers(headers))


@pytest.fixture
def anon_app():
    return AppClient()


@pytest.fixture
def resident_app(resident):
    app = AppClient()
    app.login(resident.email)
    return app


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    document = response.json()
    assert document["status"] == status
    assert document["title"] and "type" in document and "detail" in document
    if code is not None:
        assert document["code"] == code, document
    return document
