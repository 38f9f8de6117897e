"""Who sees roster contacts and exports: a matrix over the roster, shift and export URLs."""

import pytest
from django.urls import reverse

from tests import factories
from tests.volunteers.factories import make_member, make_shift
from volunteers.models import SignUp

pytestmark = pytest.mark.django_db

VOLUNTEER_MOBILE = "13912345678"
ROLES = [
    "anonymous",
    "resident",
    "volunteer",
    "other_leader",
    "leader",
    "other_staff",
    "staff",
    "ngo",
    "admin",
]
MANAGERS = {"leader", "staff", "admin"}


@pytest.fixture
def world(grids):
    grid = grids[0]
    other_grid = grids[2]  # another community
    leader = factories.make_user(display_name="网格长老李", mobile="13800001111")
    grid.leader = leader
    grid.save()
    other_leader = factories.make_user()
    other_grid.leader = other_leader
    other_grid.save()
    volunteer = make_member(
        grid=grid, display_name="志愿者小王", mobile=VOLUNTEER_MOBILE, email="xiaowang@example.cn"
    )
    shift = make_shift(grid=grid, members_only=False)
    SignUp.objects.create(shift=shift, user=volunteer, status=SignUp.Status.CONFIRMED)
    people = {
        "anonymous": None,
        "resident": factories.make_user(home_grid=grid),
        "volunteer": volunteer,
        "other_leader": other_leader,
        "leader": leader,
        "other_staff": factories.make_community_staff(other_grid.community),
        "staff": factories.make_community_staff(grid.community),
        "ngo": factories.make_user(display_name="社会组织成员"),
        "admin": factories.make_district_admin(),
    }
    return {"grid": grid, "shift": shift, "people": people}


def _client(client, world, role):
    person = world["people"][role]
    if person is not None:
        client.force_login(person)
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["roster", "roster_csv", "roster_xlsx", "shift_csv", "shift_xlsx"])
def test_roster_and_exports_only_for_managers(client, world, role, name):
    grid, shift = world["grid"], world["shift"]
    urls = {
        "roster": reverse("volunteers:roster", args=[grid.code]),
        "roster_csv": reverse("volunteers:roster_export", args=[grid.code, "csv"]),
        "roster_xlsx": reverse("volunteers:roster_export", args=[grid.code, "xlsx"]),
        "shift_csv": reverse("volunteers:shift_export", args=[shift.pk, "csv"]),
        "shift_xlsx": reverse("volunteers:shift_export", args=[shift.pk, "xlsx"]),
    }
    response = _client(client, world, role).get(urls[name])
    if role == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif role in MANAGERS:
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if name in ("roster", "roster_csv", "shift_csv"):
            assert VOLUNTEER_MOBILE.encode() in body
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_shift_page_shows_contacts_only_to_managers(client, world, role):
    response = _client(client, world, role).get(world["shift"].get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert (VOLUNTEER_MOBILE in content) == (role in MANAGERS)
    assert ("xiaowang@example.cn" in content) is False


@pytest.mark.parametrize("role", ROLES)
def test_grid_page_never_shows_contacts(client, world, role):
    grid = world["grid"]
    response = _client(client, world, role).get(reverse("volunteers:grid_detail", args=[grid.code]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "网格长老李" in content
    assert "13800001111" not in content
    assert VOLUNTEER_MOBILE not in content
    assert grid.leader.email not in content


@pytest.mark.parametrize("role", ROLES)
def test_only_managers_publish_patrols(client, world, role):
    url = reverse("volunteers:patrol_create", args=[world["grid"].code])
    response = _client(client, world, role).get(url)
    expected = 302 if role == "anonymous" else (200 if role in MANAGERS else 403)
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_appointing_leaders_is_for_staff_and_admins(client, world, role):
    grid = world["grid"]
    from volunteers.models import RosterMembership

    membership = RosterMembership.objects.get(user=world["people"]["volunteer"], grid=grid)
    url = reverse("volunteers:appoint_leader", args=[grid.code])
    response = _client(client, world, role).post(url, {"membership": membership.pk})
    grid.refresh_from_db()
    if role in ("staff", "admin"):
        assert response.status_code == 302
        assert grid.leader == world["people"]["volunteer"]
    else:
        assert response.status_code in (302, 403)
        assert grid.leader == world["people"]["leader"]


def test_export_neutralises_formulas(client, world):
    volunteer = world["people"]["volunteer"]
    volunteer.display_name = '=HYPERLINK("http://evil")'
    volunteer.save()
    client.force_login(world["people"]["leader"])
    response = client.get(reverse("volunteers:roster_export", args=[world["grid"].code, "csv"]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in body
    assert "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body
