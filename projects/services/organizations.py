"""Organizations (社会组织): applying, verification, rejection and suspension, and the
page, group and collection a verified organization gets."""

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import Collection, GroupCollectionPermission

from portal.models import User
from portal.notifications import notify
from projects.models import Organization, OrganizationMember, OrganizationPage, ProjectIndexPage
from projects.permissions import can_review_organization
from projects.services.setup import (
    ORGANIZATION_COLLECTION_PERMISSIONS,
    ORGANIZATION_PAGE_PERMISSIONS,
    grant_page_permissions,
    permission_for,
)
from projects.validators import normalize_credit_code

ORGANIZATION_GROUP_PREFIX = "社会组织："


# Set by the service and the review, never by the applicant.
REVIEW_FIELDS = frozenset(
    {
        "status",
        "applicant",
        "created_at",
        "reviewed_by",
        "reviewed_at",
        "review_reason",
        "suspended_by",
        "suspended_at",
        "suspension_reason",
        "group",
        "collection",
    }
)


@transaction.atomic
def organization_apply(*, applicant: User, data: Mapping[str, Any]) -> Organization:
    """A resident applies to register an organization; they become its owner. `data` holds
    the application's Organization fields (an OrganizationApplicationForm's cleaned_data),
    so a field added to the model and the form needs no change here."""
    if not applicant.is_authenticated:
        raise PermissionDenied(_("请先登录再申请。"))
    guarded = REVIEW_FIELDS.intersection(data)
    if guarded:
        raise TypeError(f"organization_apply cannot set {sorted(guarded)}")
    values = {name: v.strip() if isinstance(v, str) else v for name, v in data.items()}
    if "credit_code" in values:
        values["credit_code"] = normalize_credit_code(values["credit_code"])
    many = {field.name for field in Organization._meta.many_to_many}
    related = {name: values.pop(name) for name in list(values) if name in many}
    organization = Organization(applicant=applicant, **values)
    organization.full_clean()
    if not related.get("service_communities"):
        raise ValidationError({"service_communities": _("请至少选择一个服务社区。")})
    try:
        with transaction.atomic():
            organization.save()
    except IntegrityError as error:
        raise ValidationError(_("该组织名称或统一社会信用代码已经登记过。")) from error
    for name, value in related.items():
        getattr(organization, name).set(value)
    OrganizationMember.objects.create(
        organization=organization, user=applicant, role=OrganizationMember.Role.OWNER
    )
    return organization


def _organization_page(organization: Organization) -> OrganizationPage:
    page = OrganizationPage.objects.filter(organization=organization).first()
    if page is not None:
        return page
    index = ProjectIndexPage.objects.first()
    if index is None:
        raise ValidationError(_("网站还没有“创益工场”项目列表页，请先创建。"))
    slug = slugify(organization.name, allow_unicode=True)[:60] or f"org-{organization.pk}"
    if index.get_children().filter(slug=slug).exists():
        slug = f"{slug}-{organization.pk}"
    page = OrganizationPage(
        title=organization.name,
        slug=slug,
        organization=organization,
        intro=organization.description[:500],
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def organization_resource_name(organization: Organization, *, prefix: str = "") -> str:
    """A group or collection name that is unique by construction: it carries the
    organization's id, which no other organization has (names may repeat after a rename,
    or a group of that name may exist already)."""
    suffix = f"（#{organization.pk}）"
    return f"{prefix}{organization.name}"[: 150 - len(suffix)] + suffix


def _unique_group_name(organization: Organization) -> str:
    name = organization_resource_name(organization, prefix=ORGANIZATION_GROUP_PREFIX)
    if not Group.objects.filter(name=name).exists():
        return name
    # Someone made a group of this very name by hand: leave it alone and number ours.
    for n in range(2, 100):
        candidate = f"{name[: 150 - len(str(n)) - 1]}-{n}"
        if not Group.objects.filter(name=candidate).exists():
            return candidate
    raise ValidationError(_("无法为该组织创建后台用户组，请联系区级管理员。"))


def _organization_group(organization: Organization, page: OrganizationPage) -> Group:
    group = organization.group
    if group is None:
        # Never reuse a group found by name: its members would get the organization's rights.
        group = Group.objects.create(name=_unique_group_name(organization))
    group.permissions.add(permission_for("wagtailadmin", "access_admin"))
    grant_page_permissions(group, page, ORGANIZATION_PAGE_PERMISSIONS)
    collection = organization.collection
    if collection is None:
        root = Collection.get_first_root_node() or Collection.add_root(name="Root")
        collection = root.add_child(name=organization_resource_name(organization))
    for app_label, codename in ORGANIZATION_COLLECTION_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=permission_for(app_label, codename)
        )
    organization.group = group
    organization.collection = collection
    return group


def organization_sync_group(*, organization: Organization) -> None:
    """The organization's Wagtail group holds its members while it is verified, nobody
    otherwise: that is what gives and takes away admin access."""
    group = organization.group
    if group is None:
        return
    if organization.status == Organization.Status.VERIFIED:
        group.user_set.set(User.objects.filter(organization_memberships__organization=organization))
    else:
        group.user_set.clear()


def _notify_owners(organization: Organization, *, kind: str, subject: str, body: str, url=""):
    owners = User.objects.filter(
        organization_memberships__organization=organization,
        organization_memberships__role=OrganizationMember.Role.OWNER,
    )
    recipients = {user.pk: user for user in owners}
    if organization.applicant_id and organization.applicant_id not in recipients:
        recipients[organization.applicant_id] = organization.applicant
    for user in recipients.values():
        notify(recipient=user, kind=kind, subject=subject, body=body, url=url)


def _check_reviewer(organization: Organization, by: User) -> None:
    if not can_review_organization(by, organization):
        raise PermissionDenied(_("您没有审核这个组织的权限。"))


@transaction.atomic
def organization_verify(*, organization: Organization, by: User) -> Organization:
    """Approve a pending application (or lift a suspension): the organization gets its
    page, group, collection and admin access, and the applicant is told."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _check_reviewer(organization, by)
    if organization.status not in (Organization.Status.PENDING, Organization.Status.SUSPENDED):
        raise ValidationError(_("只有待审核或已暂停的组织可以认证。"))
    was_suspended = organization.status == Organization.Status.SUSPENDED
    page = _organization_page(organization)
    _organization_group(organization, page)
    organization.status = Organization.Status.VERIFIED
    if not was_suspended:
        organization.reviewed_by = by
        organization.reviewed_at = timezone.now()
        organization.review_reason = ""
    organization.save()
    organization_sync_group(organization=organization)
    _notify_owners(
        organization,
        kind="organization_decided",
        subject=_("“%(name)s”已通过认证") % {"name": organization.name},
        body=_("您可以登录管理后台，在组织页面下发布服务项目；项目经社区工作人员审核后上线。"),
        url=reverse("wagtailadmin_home"),
    )
    return organization


@transaction.atomic
def organization_reject(*, organization: Organization, by: User, reason: str) -> Organization:
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _check_reviewer(organization, by)
    if organization.status != Organization.Status.PENDING:
        raise ValidationError(_("只有待审核的申请可以驳回。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明驳回原因，申请人会看到它。")})
    organization.status = Organization.Status.REJECTED
    organization.reviewed_by = by
    organization.reviewed_at = timezone.now()
    organization.review_reason = reason
    organization.save()
    _notify_owners(
        organization,
        kind="organization_decided",
        subject=_("“%(name)s”的认证申请未通过") % {"name": organization.name},
        body=_("原因：%(reason)s") % {"reason": reason},
        url=reverse("projects:my_organizations"),
    )
    return organization


@transaction.atomic
def organization_suspend(*, organization: Organization, by: User, reason: str) -> Organization:
    """Take away the members' admin access. Nothing is unpublished: staff decide that page
    by page."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _check_reviewer(organization, by)
    if organization.status != Organization.Status.VERIFIED:
        raise ValidationError(_("只有已认证的组织可以暂停。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明暂停原因。")})
    organization.status = Organization.Status.SUSPENDED
    organization.suspended_by = by
    organization.suspended_at = timezone.now()
    organization.suspension_reason = reason
    organization.save()
    organization_sync_group(organization=organization)
    _notify_owners(
        organization,
        kind="organization_decided",
        subject=_("“%(name)s”已被暂停") % {"name": organization.name},
        body=_("原因：%(reason)s") % {"reason": reason},
        url=reverse("projects:my_organizations"),
    )
    return organization
