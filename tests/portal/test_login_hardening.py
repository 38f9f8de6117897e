"""Finding 4: Wagtail's own login and password reset bypassed allauth's rate limits. There is
one login for the whole site now; the limits apply whichever door a person knocks on."""

import pytest
from allauth.account.adapter import get_adapter
from django.urls import reverse
from django.utils import translation

from tests import factories

LIMITS = {"login_failed": "10/m/ip,5/5m/key", "signup": "20/m/ip"}  # as in settings/base.py


@pytest.fixture
def rate_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = LIMITS


@pytest.fixture
def staff(db):
    return factories.make_district_admin(email="admin@example.cn")


def test_admin_login_leads_to_allauth_keeping_next(client, db):
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=/admin/pages/"


def test_admin_redirects_anonymous_visitors_to_allauth_login(client, db):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert response.status_code == 200


def test_admin_login_form_checks_no_password(client, staff):
    """Even the right password posted to Wagtail's login does nothing: it is not a login."""
    response = client.post(
        "/admin/login/", {"username": staff.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_twelve_wrong_passwords_are_limited_on_both_paths(client, staff, rate_limits):
    """The reproduction: twelve wrong passwords in a row. Through /admin/login/ none of them
    is checked; through allauth the later ones are refused with 429."""
    wrong = {"username": staff.email, "login": staff.email, "password": "wrong-password"}
    for _ in range(12):
        assert client.post("/admin/login/", wrong).status_code == 302
    with translation.override("zh-hans"):
        too_many = str(get_adapter().error_messages["too_many_login_attempts"])
    answers = [client.post(reverse("account_login"), wrong) for _ in range(12)]
    assert too_many not in answers[0].content.decode()
    assert all(too_many in a.content.decode() for a in answers[5:])  # 5 per address
    # Limited for the right password too, until the window passes.
    right = {"login": staff.email, "password": factories.PASSWORD}
    assert too_many in client.post(reverse("account_login"), right).content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_password_reset_leads_to_allauth(client, staff, mailoutbox):
    for path in ("/admin/password_reset/", "/admin/password_reset/done/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == reverse("account_reset_password")
    response = client.post("/admin/password_reset/", {"email": staff.email})
    assert response.status_code == 302
    assert mailoutbox == []


def test_password_reset_mails_are_limited(client, staff, mailoutbox, rate_limits):
    """Seven reset requests for one address send at most five mails (allauth's default
    "reset_password" limit, 5 a minute per address)."""
    answers = [
        client.post(reverse("account_reset_password"), {"email": staff.email}).status_code
        for _ in range(7)
    ]
    assert len(mailoutbox) <= 5
    assert answers[-1] == 429


def test_a_logged_in_person_without_admin_access_gets_a_403_not_a_loop(client, db):
    """Wagtail sends a logged-in person without admin access to its login page; allauth would
    send them straight back to /admin/. They get the site's 403 page instead."""
    client.force_login(factories.make_user())

    first = client.get("/admin/")
    assert first.status_code == 302
    response = client.get(first["Location"])

    assert response.status_code == 403
    assert "没有权限访问这个页面" in response.content.decode()
