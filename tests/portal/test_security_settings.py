"""Finding 11: the Content-Security-Policy header, and SECURE_PROXY_SSL_HEADER only behind a
proxy that the deployment declares."""

import runpy
from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR) / "portal" / "settings" / "base.py"


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (item.split() for item in policy.split(";") if item.strip())
    return {part[0]: part[1:] for part in parts}


@pytest.mark.django_db
def test_pages_send_a_strict_policy(client, home_page):
    response = client.get("/")
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no other origin
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    for sources in policy.values():
        assert all(s.startswith("'") or s in ("data:", "blob:") for s in sources), sources


@pytest.mark.django_db
def test_admin_policy_allows_only_what_wagtail_needs(client, district_admin):
    """Wagtail 8's admin writes inline script (date-time pickers, inline panels) and style
    attributes; it still gets no other origin and no eval."""
    client.force_login(district_admin)
    response = client.get("/admin/")
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["object-src"] == ["'none'"]
    for sources in policy.values():
        assert all(s.startswith("'") or s in ("data:", "blob:") for s in sources), sources
        assert "'unsafe-eval'" not in sources


def test_no_template_has_inline_script_or_event_handlers():
    """Inline script and handlers (onclick=…) would be blocked by the policy; style
    attributes too, outside the admin."""
    import re

    offenders = []
    pattern = re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)|\son[a-z]+=|\sstyle="
    )
    for path in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        if pattern.search(path.read_text()):
            offenders.append(str(path))
    assert offenders == []


def test_proxy_headers_are_trusted_only_when_the_deployment_says_so(monkeypatch):
    monkeypatch.delenv("DJANGO_BEHIND_PROXY", raising=False)
    plain = runpy.run_path(str(BASE))
    assert "SECURE_PROXY_SSL_HEADER" not in plain
    assert "ALLAUTH_TRUSTED_PROXY_COUNT" not in plain

    monkeypatch.setenv("DJANGO_BEHIND_PROXY", "1")
    proxied = runpy.run_path(str(BASE))
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert proxied["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1
