"""The person's own data: the download archive, account deletion, and the privacy notice."""

import json

import pytest
from allauth.account.models import EmailAddress
from wagtail.models import ModelLogEntry

from portal.models import Notification, SiteSettings, User
from portal.notifications import notify
from tests import factories
from tests.portal.data_download import download_archive


@pytest.mark.django_db
def test_download_contains_the_persons_records_and_nobody_elses(
    client, resident, home_page, django_capture_on_commit_callbacks
):
    notify(recipient=resident, kind="roster_decided", subject="我的消息")
    other = factories.make_user(email="other@example.cn")
    notify(recipient=other, kind="roster_decided", subject="别人的消息")
    client.force_login(resident)
    archive = download_archive(client, django_capture_on_commit_callbacks)
    names = set(archive.namelist())
    assert {"profile.json", "consents.json", "notifications.json", "README.txt"} <= names
    profile = json.loads(archive.read("profile.json"))
    assert profile[0]["email"] == resident.email
    everything = b"".join(archive.read(name) for name in names).decode("utf-8")
    assert "我的消息" in everything
    assert "别人的消息" not in everything and "other@example.cn" not in everything
    assert ModelLogEntry.objects.filter(action="portal.personal_data_download").count() == 1


@pytest.mark.django_db
def test_delete_requires_the_password(client, resident, home_page):
    client.force_login(resident)
    response = client.post("/me/delete/", {"password": "wrong", "confirm": "on"})
    assert response.status_code == 200
    assert "密码不正确。" in response.content.decode()
    resident.refresh_from_db()
    assert resident.is_active


@pytest.mark.django_db
def test_delete_blanks_personal_data_and_frees_the_email(client, grids, home_page):
    user = factories.make_user(
        email="leaving@example.cn", home_grid=grids[0], mobile="13912345678", display_name="王五"
    )
    grids[1].leader = user
    grids[1].save()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    notify(recipient=user, kind="roster_decided", subject="x")
    client.force_login(user)
    response = client.post("/me/delete/", {"password": factories.PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()
    assert "leaving" not in user.email and user.display_name == "" and user.mobile == ""
    assert user.home_grid is None
    grids[1].refresh_from_db()
    assert grids[1].leader is None
    assert not Notification.objects.filter(recipient=user).exists()
    assert not EmailAddress.objects.filter(email="leaving@example.cn").exists()
    # The session is over and the email may register again.
    assert client.get("/me/").status_code == 302
    assert not client.login(email="leaving@example.cn", password=factories.PASSWORD)
    again = client.post(
        "/accounts/signup/",
        {
            "email": "leaving@example.cn",
            "display_name": "王五",
            "password1": "a-long-pass-2026",
            "password2": "a-long-pass-2026",
            "privacy_consent": "on",
        },
    )
    assert again.status_code == 302
    assert User.objects.filter(email="leaving@example.cn", is_active=True).count() == 1


@pytest.mark.django_db
def test_a_new_privacy_version_is_accepted_before_going_on(client, resident, home_page):
    settings_obj = SiteSettings.objects.get_or_create(site=home_page.get_site())[0]
    settings_obj.privacy_notice_version = "2027-01"
    settings_obj.save()
    client.force_login(resident)
    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/me/consent/?next=%2Fme%2F")
    refused = client.post("/me/consent/", {"next": "/me/"})
    assert "继续使用前请阅读并同意更新后的隐私政策。" in refused.content.decode()
    accepted = client.post("/me/consent/", {"accept": "on", "next": "/me/"})
    assert accepted["Location"] == "/me/"
    resident.refresh_from_db()
    assert resident.privacy_consent_version == "2027-01"
    assert client.get("/me/").status_code == 200
    # An outside address in `next` is never followed.
    assert (
        client.post("/me/consent/", {"accept": "on", "next": "https://evil.example/"})["Location"]
        == "/"
    )


@pytest.mark.django_db
def test_delete_password_check_is_throttled_per_account(client, resident, home_page):
    """Finding 11: the password check of account deletion was an unlimited password oracle."""
    from tests.factories import PASSWORD

    client.force_login(resident)
    for _ in range(5):
        page = client.post("/me/delete/", {"password": "wrong", "confirm": "on"})
        assert "密码不正确。" in page.content.decode()
    page = client.post("/me/delete/", {"password": PASSWORD, "confirm": "on"}).content.decode()
    assert "密码输错的次数太多" in page
    resident.refresh_from_db()
    assert resident.is_active  # refused even with the right password, until the window ends
