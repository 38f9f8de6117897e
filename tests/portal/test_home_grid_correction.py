"""Staff correct a resident's home grid in the admin (review finding 9): through the service,
within their communities, recorded in the resident's grid history."""

import pytest
from django.urls import reverse

from portal.models import HomeGridChange
from tests import factories

URL = "/admin/home-grid/correct/"


@pytest.fixture
def staff_client(client, community_staff):
    client.force_login(community_staff)
    return client


def test_the_url_is_the_named_admin_view():
    assert reverse("portal_home_grid_correct") == URL


def test_staff_correct_a_resident_of_their_community(staff_client, resident, grids):
    response = staff_client.post(URL, {"email": resident.email, "grid": grids[1].code})

    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.home_grid == grids[1]
    change = HomeGridChange.objects.get(user=resident)
    assert change.by_staff and change.old_grid == grids[0] and change.new_grid == grids[1]


def test_a_correction_ignores_the_thirty_day_limit(staff_client, resident, grids):
    staff_client.post(URL, {"email": resident.email, "grid": grids[1].code})
    response = staff_client.post(URL, {"email": resident.email, "grid": grids[0].code})

    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.home_grid == grids[0]


def test_staff_cannot_move_a_resident_of_another_community(staff_client, grids):
    other = factories.make_user(home_grid=grids[2])  # community B of the same street

    response = staff_client.post(URL, {"email": other.email, "grid": grids[3].code})

    assert response.status_code == 200
    assert "只有区级管理员或该网格所在社区的工作人员可以更正所在网格" in response.content.decode()
    other.refresh_from_db()
    assert other.home_grid == grids[2]
    assert not HomeGridChange.objects.filter(user=other).exists()


def test_unknown_account_and_grid_are_clear_errors(staff_client):
    response = staff_client.post(URL, {"email": "nobody@example.cn", "grid": "NOPE"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "没有使用这个电子邮箱注册的账户" in body
    assert "没有编码为“NOPE”的网格" in body


@pytest.mark.parametrize("who", ["resident", "anonymous"])
def test_residents_and_visitors_are_kept_out(client, resident, who):
    if who == "resident":
        client.force_login(resident)
    response = client.get(URL)

    assert response.status_code in (302, 403)
    assert HomeGridChange.objects.count() == 0
