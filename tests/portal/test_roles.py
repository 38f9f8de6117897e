"""The staff roles exist after `migrate` alone (data migrations), and `manage.py grant_role`
puts people in them."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from portal.permissions import (
    COMMUNITY_STAFF,
    DISTRICT_ADMINS,
    GRID_LEADERS,
    is_district_admin,
    staff_community_ids,
)
from tests import factories

pytestmark = pytest.mark.django_db


def _codenames(name):
    group = Group.objects.get(name=name)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_migrations_create_the_roles_with_their_permissions():
    """The test database is built by the migrations only: no demo data, no factories."""
    admins, staff = _codenames(DISTRICT_ADMINS), _codenames(COMMUNITY_STAFF)
    assert {
        "wagtailadmin.access_admin",
        "portal.change_street",
        "portal.change_community",
        "portal.change_grid",
        "volunteers.view_rostermembership",
        "volunteers.change_shift",
        "projects.review_organization",
        "projects.change_category",
    } <= admins
    assert {
        "wagtailadmin.access_admin",
        "portal.view_grid",
        "portal.change_grid",
        "volunteers.view_signup",
        "volunteers.change_servicerecord",
        "projects.review_organization",
    } <= staff
    assert not {"portal.change_street", "portal.change_community", "portal.add_grid"} & staff
    assert _codenames(GRID_LEADERS) == set()


def test_granted_community_staff_work_in_the_admin_without_demo_data(client, grids):
    person = factories.make_user()
    call_command(
        "grant_role", person.email, "community_staff", "--community", grids[0].community.code
    )
    person.refresh_from_db()
    assert staff_community_ids(person) == {grids[0].community_id}
    client.force_login(person)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/volunteers/shifts/").status_code == 200
    assert client.get("/admin/snippets/portal/grid/").status_code == 200


def test_grant_district_admin(client):
    person = factories.make_user()
    call_command("grant_role", person.email.upper(), "district_admin")
    person.refresh_from_db()
    assert is_district_admin(person)
    client.force_login(person)
    assert client.get("/admin/snippets/portal/street/add/").status_code == 200


def test_grant_several_communities_adds_to_existing(grids):
    person = factories.make_community_staff(grids[0].community)
    call_command(
        "grant_role",
        person.email,
        "community_staff",
        "--community",
        grids[2].community.code,
        "--community",
        grids[4].community.code,
    )
    assert set(person.staff_communities.values_list("pk", flat=True)) == {
        grids[0].community_id,
        grids[2].community_id,
        grids[4].community_id,
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody@example.cn", "district_admin"], "No account has the email address"),
        (["{email}", "community_staff"], "at least one community"),
        (["{email}", "community_staff", "--community", "NOPE"], "NOPE"),
        (["{email}", "district_admin", "--community", "{code}"], "leave out --community"),
    ],
)
def test_grant_role_errors_are_clear_and_change_nothing(grids, args, message):
    person = factories.make_user()
    args = [a.format(email=person.email, code=grids[0].community.code) for a in args]
    with pytest.raises(CommandError, match=message):
        call_command("grant_role", *args)
    assert not person.groups.exists()
    assert not person.staff_communities.exists()


def test_grant_role_refuses_unknown_roles():
    person = factories.make_user()
    with pytest.raises(CommandError):
        call_command("grant_role", person.email, "superuser")


def test_grant_role_refuses_deactivated_accounts(grids):
    person = factories.make_user(is_active=False)
    with pytest.raises(CommandError, match="deactivated"):
        call_command("grant_role", person.email, "district_admin")
