import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import GroupCollectionPermission, GroupPagePermission, WorkflowPage

from portal.models import Notification, PortalImage
from projects import services
from projects.forms import OrganizationApplicationForm
from projects.models import Organization, OrganizationMember, OrganizationPage
from projects.permissions import can_manage_project, user_organization_ids
from tests import factories
from tests.projects import factories as project_factories


@pytest.fixture
def applicant(grids):
    return factories.make_user(home_grid=grids[0])


@pytest.fixture
def pending(project_index, applicant, grids):
    return project_factories.make_organization(owner=applicant, communities=[grids[0].community])


def test_apply_makes_the_applicant_owner_of_a_pending_organization(pending, applicant):
    assert pending.status == Organization.Status.PENDING
    member = OrganizationMember.objects.get(organization=pending)
    assert member.user == applicant and member.role == OrganizationMember.Role.OWNER
    assert user_organization_ids(applicant) == set()


def test_apply_rejects_a_duplicate_credit_code(pending, applicant, grids):
    with pytest.raises(ValidationError):
        services.organization_apply(
            applicant=applicant,
            data={
                "name": "另一个组织",
                "credit_code": pending.credit_code.lower(),
                "org_type": "other",
                "contact_person": "王",
                "phone": "0532-1234567",
                "email": "a@example.cn",
                "description": "简介",
                "street": grids[0].community.street,
                "service_communities": [grids[0].community],
            },
        )
    assert Organization.objects.count() == 1


def _application(grids, **extra) -> dict:
    community = grids[0].community
    return {
        "name": "新的社会组织",
        "credit_code": project_factories.credit_code(),
        "org_type": "other",
        "contact_person": "王",
        "phone": "0532-1234567",
        "email": "a@example.cn",
        "description": "简介",
        "street": community.street,
        "service_communities": [community],
        **extra,
    }


def test_apply_takes_a_form_with_an_added_model_field_as_a_whole(applicant, grids):
    """The newcomer task: a model field added to the form needs no change to the service."""

    class WithLogo(OrganizationApplicationForm):
        class Meta(OrganizationApplicationForm.Meta):
            fields = [*OrganizationApplicationForm.Meta.fields, "logo"]

    logo = PortalImage.objects.create(title="标志", file=get_test_image_file())
    data = _application(grids, street=grids[0].community.street_id, logo=logo.pk)
    data["service_communities"] = [str(grids[0].community.pk)]
    form = WithLogo(data)
    assert form.is_valid(), form.errors
    organization = services.organization_apply(applicant=applicant, data=form.cleaned_data)
    organization.refresh_from_db()
    assert organization.logo == logo and organization.name == "新的社会组织"
    assert list(organization.service_communities.all()) == [grids[0].community]


@pytest.mark.parametrize("guarded", ["status", "applicant", "reviewed_by", "group"])
def test_apply_refuses_the_fields_the_review_sets(applicant, community_staff, grids, guarded):
    value = {"status": "verified", "applicant": community_staff, "reviewed_by": community_staff}
    data = _application(grids, **{guarded: value.get(guarded)})
    with pytest.raises(TypeError):
        services.organization_apply(applicant=applicant, data=data)
    assert not Organization.objects.exists()


def test_verify_creates_page_group_collection_and_notifies(
    pending, applicant, community_staff, project_index
):
    mail.outbox.clear()
    organization = services.organization_verify(organization=pending, by=community_staff)
    assert organization.status == Organization.Status.VERIFIED
    assert organization.reviewed_by == community_staff and organization.reviewed_at
    page = OrganizationPage.objects.get(organization=organization)
    assert page.get_parent().pk == project_index.pk and page.live
    group = organization.group
    assert applicant in group.user_set.all()
    perms = set(
        GroupPagePermission.objects.filter(group=group).values_list(
            "page_id", "permission__codename"
        )
    )
    assert perms == {(page.pk, "add_page"), (page.pk, "change_page")}
    assert group.permissions.filter(codename="access_admin").exists()
    assert GroupCollectionPermission.objects.filter(
        group=group, collection=organization.collection, permission__codename="choose_image"
    ).exists()
    assert user_organization_ids(factories.User.objects.get(pk=applicant.pk)) == {organization.pk}
    assert Notification.objects.filter(recipient=applicant, kind="organization_decided").exists()


def test_staff_of_another_community_cannot_verify(pending, grids):
    other_staff = factories.make_community_staff(grids[4].community)
    with pytest.raises(PermissionDenied):
        services.organization_verify(organization=pending, by=other_staff)
    pending.refresh_from_db()
    assert pending.status == Organization.Status.PENDING


def test_resident_cannot_verify(pending, resident):
    with pytest.raises(PermissionDenied):
        services.organization_verify(organization=pending, by=resident)


def test_reject_needs_a_reason_and_keeps_it(pending, community_staff, applicant):
    with pytest.raises(ValidationError):
        services.organization_reject(organization=pending, by=community_staff, reason="  ")
    services.organization_reject(organization=pending, by=community_staff, reason="材料不全")
    pending.refresh_from_db()
    assert pending.status == Organization.Status.REJECTED
    assert pending.review_reason == "材料不全" and pending.reviewed_by == community_staff
    note = Notification.objects.get(recipient=applicant, kind="organization_decided")
    assert "材料不全" in note.body
    with pytest.raises(ValidationError):
        services.organization_verify(organization=pending, by=community_staff)


def test_suspension_removes_access_and_unpublishes_nothing(org_a, district_admin):
    owner = org_a.memberships.get().user
    project = project_factories.make_project(org_a)
    services.organization_suspend(organization=org_a, by=district_admin, reason="投诉核查中")
    org_a.refresh_from_db()
    assert org_a.status == Organization.Status.SUSPENDED and org_a.suspended_at
    assert not org_a.group.user_set.exists()
    project.refresh_from_db()
    assert project.live
    fresh_owner = factories.User.objects.get(pk=owner.pk)
    assert user_organization_ids(fresh_owner) == set()
    assert not fresh_owner.has_perm("wagtailadmin.access_admin")
    # Lifting the suspension gives access back.
    services.organization_verify(organization=org_a, by=district_admin)
    assert factories.User.objects.get(pk=owner.pk).has_perm("wagtailadmin.access_admin")


def test_invite_accept_and_remove_editor(org_a, grids):
    owner = org_a.memberships.get().user
    editor = factories.make_user(email="editor@example.cn")
    EmailAddress.objects.create(user=editor, email="editor@example.cn", verified=True)
    invitation = services.organization_invite_editor(
        organization=org_a, by=owner, email="Editor@Example.cn"
    )
    assert Notification.objects.filter(recipient=editor, kind="organization_invitation").exists()
    with pytest.raises(ValidationError):
        services.organization_invite_editor(organization=org_a, by=owner, email="editor@example.cn")
    stranger = factories.make_user()
    with pytest.raises(ValidationError):
        services.organization_accept_invitation(invitation=invitation, user=stranger)
    member = services.organization_accept_invitation(invitation=invitation, user=editor)
    assert member.role == OrganizationMember.Role.EDITOR
    assert editor in org_a.group.user_set.all()
    with pytest.raises(PermissionDenied):
        services.organization_remove_member(organization=org_a, by=editor, member=member)
    owner_member = org_a.memberships.get(user=owner)
    with pytest.raises(ValidationError):
        services.organization_remove_member(organization=org_a, by=owner, member=owner_member)
    services.organization_remove_member(organization=org_a, by=owner, member=member)
    assert not org_a.group.user_set.filter(pk=editor.pk).exists()


def test_only_owner_may_invite(org_a, resident):
    with pytest.raises(PermissionDenied):
        services.organization_invite_editor(organization=org_a, by=resident, email="x@example.cn")


def test_invitation_to_unknown_address_is_emailed(org_a, django_capture_on_commit_callbacks):
    owner = org_a.memberships.get().user
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.organization_invite_editor(organization=org_a, by=owner, email="new@example.cn")
    assert [m.to for m in mail.outbox] == [["new@example.cn"]]


def test_index_setup_is_idempotent_and_attaches_workflow(project_index):
    services.project_index_setup(index=project_index)
    workflow_page = WorkflowPage.objects.get(page=project_index)
    assert workflow_page.workflow.name == "项目审核"
    task = workflow_page.workflow.tasks.get().specific
    assert set(task.groups.values_list("name", flat=True)) == {"社区工作人员", "区级管理员"}
    staff_group = Group.objects.get(name="社区工作人员")
    assert GroupPagePermission.objects.filter(
        group=staff_group, page=project_index, permission__codename="publish_page"
    ).exists()


def test_project_takes_its_organization_from_the_parent_page(org_a, grids):
    project = project_factories.make_project(org_a, communities=[grids[0].community])
    assert project.organization_id == org_a.pk


def test_can_manage_project(org_a, org_b, grids, district_admin):
    project = project_factories.make_project(org_a, communities=[grids[0].community])
    owner_a = org_a.memberships.get().user
    owner_b = org_b.memberships.get().user
    staff_here = factories.make_community_staff(grids[0].community)
    staff_elsewhere = factories.make_community_staff(grids[4].community)
    assert can_manage_project(owner_a, project)
    assert not can_manage_project(owner_b, project)
    assert can_manage_project(staff_here, project)
    assert not can_manage_project(staff_elsewhere, project)
    assert can_manage_project(district_admin, project)


def test_approval_works_when_a_group_of_the_same_name_exists(pending, district_admin):
    """Issue 9, finding 10: groups and collections are named with the organization's id,
    and a group found by name is never reused (its members would get the rights)."""
    stranger = factories.make_user()
    for name in (
        f"社会组织：{pending.name}",
        services.organization_resource_name(pending, prefix=services.ORGANIZATION_GROUP_PREFIX),
    ):
        Group.objects.create(name=name).user_set.add(stranger)
    organization = services.organization_verify(organization=pending, by=district_admin)
    assert str(organization.pk) in organization.group.name
    assert str(organization.pk) in organization.collection.name
    assert not organization.group.user_set.filter(pk=stranger.pk).exists()
    assert not stranger.has_perm("wagtailadmin.access_admin")


def test_admin_approval_with_a_clashing_group_name_answers_a_redirect(
    client, pending, district_admin
):
    Group.objects.create(name=f"社会组织：{pending.name}")
    Group.objects.create(
        name=services.organization_resource_name(pending, prefix=services.ORGANIZATION_GROUP_PREFIX)
    )
    client.force_login(district_admin)
    response = client.post(f"/admin/organizations/approve/{pending.pk}/")
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Organization.Status.VERIFIED
