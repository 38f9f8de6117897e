"""我的 through the API as the app uses it: profile with the masked mobile, the home grid
(street → community → grid), notifications and their settings, data download, deletion."""

import io
import json
import zipfile

import pytest

from portal.models import Notification, NotificationPreference
from portal.notifications import notify
from tests import factories
from tests.api.conftest import AppClient, assert_problem

pytestmark = pytest.mark.django_db


def test_profile_masks_the_mobile_and_updates_through_the_sites_rules(grids):
    user = factories.make_user(mobile="13900001111")
    user.mobile_consent_at = user.date_joined
    user.save()
    app = AppClient()
    app.login(user.email)
    profile = app.get("/api/v1/me").json()
    assert profile["mobile_masked"] == "139****1111"
    assert "13900001111" not in json.dumps(profile)
    assert profile["home_grid"] is None and profile["privacy_consent_required"] is False

    # A mobile number without its consent: the profile form's sentence.
    refused = app.patch("/api/v1/me", {"mobile": "13800002222", "mobile_consent": False})
    document = assert_problem(refused, 400)
    assert document["errors"]["mobile_consent"] == ["填写手机号码需要单独同意其使用方式。"]
    # Leaving fields out keeps them.
    renamed = app.patch("/api/v1/me", {"display_name": "王阿姨"}).json()
    assert renamed["display_name"] == "王阿姨" and renamed["mobile_masked"] == "139****1111"


def test_home_grid_from_street_community_grid_lists(resident, grids):
    resident.home_grid = None
    resident.save()
    app = AppClient()
    app.login(resident.email)
    streets = app.get("/api/v1/geo/streets").json()
    target = grids[5]
    assert target.community.street_id in [s["id"] for s in streets]
    communities = app.get(f"/api/v1/geo/streets/{target.community.street_id}/communities").json()
    assert target.community_id in [c["id"] for c in communities]
    grid_list = app.get(f"/api/v1/geo/communities/{target.community_id}/grids").json()
    assert target.pk in [g["id"] for g in grid_list]

    chosen = app.patch("/api/v1/me", {"home_grid_id": target.pk})
    assert chosen.status_code == 200, chosen.content
    home = chosen.json()["home_grid"]
    assert home["id"] == target.pk and home["community"]["id"] == target.community_id
    assert chosen.json()["home_grid_next_change_at"].endswith("+08:00")
    # Once in 30 days: the service's sentence.
    again = app.patch("/api/v1/me", {"home_grid_id": grids[0].pk})
    document = assert_problem(again, 400)
    assert document["errors"]["grid"][0].startswith("所在网格每 30 天只能修改一次。")
    assert_problem(app.patch("/api/v1/me", {"home_grid_id": 999999999}), 400)


def test_notifications_list_mark_read_and_preferences(resident, resident_app):
    first = notify(recipient=resident, kind="roster_decided", subject="审核通过", email=False)
    notify(recipient=resident, kind="roster_decided", subject="第二条", email=False)
    stranger = factories.make_user()
    theirs = notify(recipient=stranger, kind="roster_decided", subject="别人的", email=False)
    page = resident_app.get("/api/v1/me/notifications").json()
    assert page["count"] == 2 and page["unread"] == 2
    assert [n["subject"] for n in page["items"]] == ["第二条", "审核通过"]
    read = resident_app.post(f"/api/v1/me/notifications/{first.pk}/read")
    assert read.status_code == 200 and read.json()["read_at"].endswith("+08:00")
    assert_problem(resident_app.post(f"/api/v1/me/notifications/{theirs.pk}/read"), 404)
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert resident_app.post("/api/v1/me/notifications/read").json() == {"marked": 1}

    preferences = resident_app.get("/api/v1/me/notification-preferences").json()
    survey = next(p for p in preferences if p["kind"] == "survey_opened")
    assert survey["channel"] == survey["default"] == "off"
    saved = resident_app.put(
        "/api/v1/me/notification-preferences", {"channels": {"survey_opened": "site"}}
    )
    assert saved.status_code == 200
    assert NotificationPreference.objects.get(user=resident, kind="survey_opened").channel == "site"
    wrong = resident_app.put(
        "/api/v1/me/notification-preferences", {"channels": {"survey_opened": "sms"}}
    )
    assert "survey_opened" in assert_problem(wrong, 400)["errors"]
    unknown = resident_app.put(
        "/api/v1/me/notification-preferences", {"channels": {"no_such_kind": "site"}}
    )
    assert_problem(unknown, 400)


def test_data_download_is_the_sites_zip(resident, resident_app):
    response = resident_app.post("/api/v1/me/data-export")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert "README.txt" in archive.namelist()
    profile = json.loads(archive.read("profile.json"))
    assert profile[0]["email"] == resident.email


def test_account_deletion_needs_the_password_and_ends_every_token(resident):
    phone, tablet = AppClient(), AppClient()
    phone.login(resident.email)
    tablet.login(resident.email)
    wrong = phone.post("/api/v1/me/delete", {"password": "nope", "confirm": True})
    assert_problem(wrong, 400)
    unconfirmed = phone.post(
        "/api/v1/me/delete", {"password": factories.PASSWORD, "confirm": False}
    )
    assert "confirm" in assert_problem(unconfirmed, 400)["errors"]
    done = phone.post("/api/v1/me/delete", {"password": factories.PASSWORD, "confirm": True})
    assert done.status_code == 204, done.content
    resident.refresh_from_db()
    assert not resident.is_active and resident.email.endswith("@deleted.invalid")
    assert_problem(phone.get("/api/v1/me"), 401)
    assert_problem(tablet.get("/api/v1/me"), 401)
