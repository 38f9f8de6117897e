"""A small HTTP client for the cluster's checks: the requests library with the cookies kept by
hand (production's cookies are Secure, which a cookie jar never sends over plain HTTP, and
the cluster runs on plain HTTP on 127.0.0.1), a CSRF token for the admin's forms, and the
address header the balancer adds when a check talks to a node directly."""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser

import requests

TIMEOUT = 30
_addresses = itertools.count(1)


class Client:
    def __init__(self, base_url: str, *, direct: bool = True):
        self.base_url = base_url
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {"User-Agent": "cluster-check"}
        if direct:
            # What HAProxy adds (option forwardfor), which the nodes trust
            # (DJANGO_BEHIND_PROXY): each client an address of its own, as phones have, so
            # that allauth's per-address login limit counts each of them apart.
            number = next(_addresses)
            self.headers["X-Forwarded-For"] = f"10.1.{number // 250}.{number % 250 + 1}"
        self.session = requests.Session()

    def at(self, base_url: str) -> Client:
        """The same cookies and token, talking to another node."""
        other = Client(base_url)
        other.cookies = self.cookies
        other.headers = dict(self.headers)
        return other

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        url = path if path.startswith("http") else self.base_url + path
        response = self.session.request(
            method,
            url,
            headers=headers,
            cookies=dict(self.cookies),
            allow_redirects=False,
            timeout=kwargs.pop("timeout", TIMEOUT),
            **kwargs,
        )
        self.session.cookies.clear()
        for name, value in response.cookies.items():
            self.cookies[name] = value
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    # --- Logging in -----------------------------------------------------------------------

    def app_login(self, email: str, password: str) -> str:
        """allauth headless login as the phone app does it: the session token, which the
        client then sends with every request."""
        response = self.post(
            "/_allauth/app/v1/auth/login", json={"email": email, "password": password}
        )
        assert response.status_code == 200, (response.status_code, response.text[:500])
        token = response.json()["meta"]["session_token"]
        self.headers["X-Session-Token"] = token
        return token

    def site_login(self, email: str, password: str) -> None:
        """The site's login form: the session cookie."""
        form = self.get("/accounts/login/")
        assert form.status_code == 200, form.status_code
        response = self.post(
            "/accounts/login/",
            data={"login": email, "password": password, **self.csrf(form.text)},
        )
        assert response.status_code == 302, (response.status_code, response.text[:1000])
        assert "sessionid" in self.cookies, self.cookies

    def csrf(self, html: str) -> dict[str, str]:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert found, html[:2000]
        return {"csrfmiddlewaretoken": found.group(1)}


class FormFields(HTMLParser):
    """The values a browser would send for the form with id `form_id` (no script run):
    inputs (checked boxes only), text areas and the selected options."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.depth = 0  # > 0 inside the form
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._option_value: str | None = None
        self._option_selected = False
        self._option_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            if self.depth:
                self.depth += 1
            elif attributes.get("id") == self.form_id:
                self.depth = 1
            return
        if not self.depth:
            return
        name = attributes.get("name")
        if tag == "input" and name and "disabled" not in attributes:
            kind = attributes.get("type", "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self.fields.append((name, attributes.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._option_value = attributes.get("value")
            self._option_selected = "selected" in attributes
            self._option_text = []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)
        if self._option_value is not None or self._select is not None:
            self._option_text.append(data)

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == "form":
            self.depth -= 1
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "option" and self._select is not None:
            value = self._option_value
            if value is None:
                value = "".join(self._option_text).strip()
            self._options.append((value, self._option_selected))
            self._option_value = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            if not chosen and self._options:
                chosen = [self._options[0][0]]
            self.fields.extend((self._select, value) for value in chosen)
            self._select = None


def form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    parser = FormFields(form_id)
    parser.feed(html)
    assert parser.fields, f"no form #{form_id}"
    return parser.fields
