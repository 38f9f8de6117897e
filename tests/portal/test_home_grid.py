"""Finding 9: a resident's home grid is recorded with its time, changes at most once in 30
days, and staff may correct it without the limit."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from portal import services
from portal.models import HomeGridChange
from tests import factories


def _profile(grid):
    return {
        "display_name": "王阿姨",
        "street": grid.community.street_id,
        "community": grid.community_id,
        "grid": grid.pk,
    }


@pytest.mark.django_db
def test_second_change_within_30_days_is_refused_with_the_date(client, resident, grids):
    client.force_login(resident)
    assert client.post(reverse("profile_edit"), _profile(grids[5])).status_code == 302
    resident.refresh_from_db()
    assert resident.home_grid == grids[5]
    assert resident.home_grid_set_at is not None
    change = HomeGridChange.objects.get(user=resident)
    assert (change.old_grid, change.new_grid, change.by_staff) == (grids[0], grids[5], False)

    response = client.post(reverse("profile_edit"), _profile(grids[6]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "每 30 天只能修改一次" in page
    next_day = timezone.localtime(change.changed_at + datetime.timedelta(days=30))
    assert f"{next_day.year}年{next_day.month}月{next_day.day}日" in page
    assert 'value="王阿姨"' in page  # what was typed is kept
    resident.refresh_from_db()
    assert resident.home_grid == grids[5]
    assert HomeGridChange.objects.filter(user=resident).count() == 1


@pytest.mark.django_db
def test_saving_the_profile_without_changing_the_grid_is_not_a_change(client, resident, grids):
    client.force_login(resident)
    for name in ("王阿姨", "王秀兰"):
        data = {**_profile(grids[0]), "display_name": name}
        assert client.post(reverse("profile_edit"), data).status_code == 302
    assert not HomeGridChange.objects.exists()


@pytest.mark.django_db
def test_a_change_is_possible_again_after_30_days(resident, grids):
    services.user_update_profile(
        user=resident, display_name="甲", mobile="", mobile_consent=False, home_grid=grids[3]
    )
    HomeGridChange.objects.update(changed_at=timezone.now() - datetime.timedelta(days=31))
    services.user_update_profile(
        user=resident, display_name="甲", mobile="", mobile_consent=False, home_grid=grids[4]
    )
    resident.refresh_from_db()
    assert resident.home_grid == grids[4]


@pytest.mark.django_db
def test_staff_of_either_community_correct_without_the_limit(resident, grids):
    services.user_update_profile(
        user=resident, display_name="甲", mobile="", mobile_consent=False, home_grid=grids[3]
    )
    with pytest.raises(ValidationError):
        services.user_update_profile(
            user=resident, display_name="甲", mobile="", mobile_consent=False, home_grid=grids[2]
        )
    staff_new = factories.make_community_staff(grids[0].community)  # the corrected grid's
    services.user_correct_home_grid(user=resident, grid=grids[0], by=staff_new)
    resident.refresh_from_db()
    assert resident.home_grid == grids[0]
    assert resident.home_grid_set_at is None  # confirmed by staff
    staff_old = factories.make_community_staff(grids[0].community)
    services.user_correct_home_grid(user=resident, grid=grids[1], by=staff_old)
    last = HomeGridChange.objects.filter(user=resident).first()
    assert (last.by_staff, last.changed_by, last.new_grid) == (True, staff_old, grids[1])


@pytest.mark.django_db
def test_other_staff_may_not_correct(resident, grids):
    outsider = factories.make_community_staff(grids[7].community)
    with pytest.raises(PermissionDenied):
        services.user_correct_home_grid(user=resident, grid=grids[1], by=outsider)
    with pytest.raises(PermissionDenied):
        services.user_correct_home_grid(user=resident, grid=grids[1], by=factories.make_user())
    services.user_correct_home_grid(
        user=resident, grid=grids[6], by=factories.make_district_admin()
    )
    resident.refresh_from_db()
    assert resident.home_grid == grids[6]


@pytest.mark.django_db
def test_refusal_in_english_gives_the_date_in_english(client, resident, grids):
    client.force_login(resident)
    client.post("/en" + reverse("profile_edit"), _profile(grids[5]))
    change = HomeGridChange.objects.get(user=resident)
    page = client.post("/en" + reverse("profile_edit"), _profile(grids[6])).content.decode()
    next_day = timezone.localtime(change.changed_at + datetime.timedelta(days=30))
    assert f"{next_day.day} {next_day:%b} {next_day.year}, {next_day:%H:%M}" in page
    assert f"{next_day.month}月{next_day.day}日" not in page
