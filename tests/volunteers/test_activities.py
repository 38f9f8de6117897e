"""Project activities: shifts of a service project (创益工场), published by the organization's
members and listed on the project page through the registry slot."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.projects import factories as project_factories
from volunteers import services
from volunteers.models import Shift, SignUp

pytestmark = pytest.mark.django_db


@pytest.fixture
def project_index(home_page):
    return project_factories.make_project_index(home_page)


@pytest.fixture
def organizations(project_index, grids, district_admin):
    return project_factories.make_organizations_a_and_b(grids, verify_by=district_admin)


@pytest.fixture
def project(organizations, grids):
    return project_factories.make_project(
        organizations[0], title="独居老人探访", communities=[grids[0].community]
    )


def _owner(organization):
    return organization.memberships.get(role="owner").user


def _form(start):
    return {
        "title": "独居老人探访（周六场）",
        "place": "华阳路社区党群服务中心",
        "starts_at": start.strftime("%Y-%m-%dT09:00"),
        "ends_at": start.strftime("%Y-%m-%dT12:00"),
        "capacity": "2",
        "repeat_weeks": "2",
    }


def test_organization_member_publishes_activities_shown_on_project_page(
    client, project, organizations
):
    client.force_login(_owner(organizations[0]))
    start = timezone.localtime() + timedelta(days=3)
    url = reverse("volunteers:activity_create", args=[project.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _form(start))
    assert response.status_code == 302
    shifts = list(Shift.objects.filter(project=project))
    assert len(shifts) == 2
    assert all(not s.members_only for s in shifts)
    client.logout()
    page = client.get(project.url).content.decode()
    assert "项目活动" in page and "独居老人探访（周六场）" in page


@pytest.mark.parametrize("who", ["other_org", "resident"])
def test_others_cannot_publish_activities(client, project, organizations, grids, who):
    person = _owner(organizations[1]) if who == "other_org" else factories.make_user()
    client.force_login(person)
    url = reverse("volunteers:activity_create", args=[project.pk])
    assert client.get(url).status_code == 403
    start = timezone.localtime() + timedelta(days=3)
    assert client.post(url, _form(start)).status_code == 403
    assert not Shift.objects.exists()


def test_anyone_signs_up_and_organization_confirms_hours(project, organizations):
    owner = _owner(organizations[0])
    start = timezone.now() + timedelta(days=1)
    [shift] = services.shift_create(
        by=owner,
        project=project,
        title="探访",
        place="社区",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=1,
    )
    first, second = factories.make_user(), factories.make_user()
    assert services.shift_sign_up(shift=shift, user=first).status == SignUp.Status.CONFIRMED
    assert services.shift_sign_up(shift=shift, user=second).status == SignUp.Status.WAITLISTED
    Shift.objects.filter(pk=shift.pk).update(
        starts_at=timezone.now() - timedelta(hours=4),
        ends_at=timezone.now() - timedelta(hours=1),
        signup_deadline=timezone.now() - timedelta(hours=4),
    )
    signup = SignUp.objects.get(shift=shift, user=first)
    [record] = services.shift_confirm_attendance(shift=shift, by=owner, attended={signup.pk})
    assert record.issuer == "甲社工服务中心"
    assert str(record.hours) == "3.00"


def test_other_organization_cannot_see_activity_signups(client, project, organizations):
    owner = _owner(organizations[0])
    start = timezone.now() + timedelta(days=1)
    [shift] = services.shift_create(
        by=owner,
        project=project,
        title="探访",
        place="社区",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=3,
    )
    services.shift_sign_up(shift=shift, user=factories.make_user(mobile="13700001234"))
    client.force_login(_owner(organizations[1]))
    assert "13700001234" not in client.get(shift.get_absolute_url()).content.decode()
    assert client.get(reverse("volunteers:shift_export", args=[shift.pk, "csv"])).status_code == 403
    client.force_login(owner)
    assert "13700001234" in client.get(shift.get_absolute_url()).content.decode()


@override_settings(PAGE_CACHE_ENABLED=False)
def test_project_page_parts_are_shared_and_fresh_after_each_change(
    client, project, organizations, django_assert_max_num_queries
):
    """The project's own content and its activities are fragments shared by everyone and
    rendered again after a new activity, a sign-up or a change of the organization."""
    assert "暂时没有安排活动。" in client.get(project.url).content.decode()
    start = timezone.localtime() + timedelta(days=3)
    owner = _owner(organizations[0])
    client.force_login(owner)
    assert (
        client.post(
            reverse("volunteers:activity_create", args=[project.pk]), _form(start)
        ).status_code
        == 302
    )
    client.logout()
    assert "独居老人探访（周六场）" in client.get(project.url).content.decode()
    with django_assert_max_num_queries(1):  # the page; its parts come from the cache
        client.get(project.url)
    organization = organizations[0]
    organization.name = "甲社工服务中心（更名）"
    organization.save()
    assert "甲社工服务中心（更名）" in client.get(project.url).content.decode()
