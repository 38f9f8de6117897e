"""Sign-up, log-in by email, the profile form and the masked mobile number."""

import re

import pytest
from django.urls import reverse

from portal.models import User, mask_mobile
from portal.permissions import can_see_full_mobile
from tests import factories


def test_mask_mobile():
    assert mask_mobile("13812341234") == "138****1234"
    assert mask_mobile("") == ""


@pytest.mark.django_db
def test_signup_requires_privacy_consent_and_keeps_what_was_typed(client, home_page):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.cn",
            "password1": "a-long-pass-2026",
            "password2": "a-long-pass-2026",
            "display_name": "新居民",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "注册前请阅读并同意隐私政策。" in html
    assert 'value="new@example.cn"' in html
    assert 'value="新居民"' in html
    assert not User.objects.filter(email="new@example.cn").exists()


@pytest.mark.django_db
def test_signup_says_a_short_password_is_too_short_in_chinese(client, home_page):
    """Django 5.2's own length message is missing from its Chinese catalogue: the site's
    validator says it in the page's language."""
    response = client.post(
        reverse("account_signup"),
        {
            "email": "short@example.cn",
            "password1": "a1-b2",
            "password2": "a1-b2",
            "display_name": "新居民",
            "privacy_consent": "on",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "密码太短，至少需要 8 个字符。" in html
    assert "too short" not in html
    assert not User.objects.filter(email="short@example.cn").exists()


@pytest.mark.django_db
def test_signup_records_the_consented_privacy_version(client, home_page):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.cn",
            "password1": "a-long-pass-2026",
            "password2": "a-long-pass-2026",
            "display_name": "新居民",
            "privacy_consent": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.cn")
    assert user.display_name == "新居民"
    assert user.privacy_consent_version == "2026-11"
    assert user.privacy_consent_at is not None


@pytest.mark.django_db
def test_login_by_email(client, home_page):
    factories.make_user(email="wang@example.cn")
    response = client.post(
        reverse("account_login"), {"login": "wang@example.cn", "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("account_home")).status_code == 200


@pytest.mark.django_db
def test_account_home_requires_login(client):
    response = client.get(reverse("account_home"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_profile_sets_home_grid_and_mobile_with_consent(client, resident, grids):
    client.force_login(resident)
    grid = grids[5]
    response = client.post(
        reverse("profile_edit"),
        {
            "display_name": "王阿姨",
            "mobile": "13912345678",
            "mobile_consent": "on",
            "street": grid.community.street_id,
            "community": grid.community_id,
            "grid": grid.pk,
        },
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.home_grid == grid
    assert resident.mobile == "13912345678"
    assert resident.mobile_consent_at is not None
    page = client.get(reverse("account_home")).content.decode()
    assert "139****5678" in page
    # Each place name is its own unbreakable span; the text reads as the full name.
    assert grid.full_name in re.sub(r"<[^>]+>", "", page)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"mobile": "12345"}, "mobile", "请输入11位中国大陆手机号码"),
        ({"mobile": "13912345678"}, "mobile_consent", "填写手机号码需要单独同意其使用方式。"),
        ({"display_name": ""}, "display_name", "请填写显示名称。"),
    ],
)
def test_profile_rejects_bad_input_with_a_clear_message(client, resident, data, field, message):
    client.force_login(resident)
    payload = {"display_name": "王阿姨", **data}
    response = client.post(reverse("profile_edit"), payload)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert f'id="id_{field}_error"' in html
    assert 'aria-invalid="true"' in html
    resident.refresh_from_db()
    assert resident.mobile == ""


@pytest.mark.django_db
def test_profile_rejects_a_grid_outside_the_chosen_community(client, resident, grids):
    client.force_login(resident)
    other = grids[7]
    response = client.post(
        reverse("profile_edit"),
        {
            "display_name": "王阿姨",
            "street": grids[0].community.street_id,
            "community": grids[0].community_id,
            "grid": other.pk,
        },
    )
    assert response.status_code == 200
    resident.refresh_from_db()
    assert resident.home_grid == grids[0]


@pytest.mark.django_db
def test_geo_options_narrow_street_community_grid(client, grids):
    community = grids[0].community
    data = client.get("/geo/communities/", {"parent": community.street_id}).json()
    assert {o["label"] for o in data["options"]} == {
        c.name for c in community.street.communities.all()
    }
    data = client.get("/geo/grids/", {"parent": community.pk}).json()
    assert [o["value"] for o in data["options"]] == [grids[0].pk, grids[1].pk]
    for bad in ("x", "-1", "0", "9999999999999999999999999"):
        response = client.get("/geo/grids/", {"parent": bad})
        assert response.status_code == 400
        assert response.json()["options"] == []


@pytest.mark.django_db
def test_full_mobile_visibility_matrix(grids):
    person = factories.make_user(home_grid=grids[0], mobile="13912345678")
    own_staff = factories.make_community_staff(grids[0].community)
    other_staff = factories.make_community_staff(grids[7].community)
    admin = factories.make_district_admin()
    stranger = factories.make_user()
    assert can_see_full_mobile(person, person)
    assert can_see_full_mobile(own_staff, person)
    assert can_see_full_mobile(admin, person)
    assert not can_see_full_mobile(other_staff, person)
    assert not can_see_full_mobile(stranger, person)
