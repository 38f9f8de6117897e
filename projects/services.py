"""Every write with rules: applications, verification, membership and the moderation set-up.
Keyword-only, atomic; a ValidationError carries a sentence the person can act on."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from portal.models import Community, Street, User
from portal.notifications import notify
from portal.permissions import COMMUNITY_STAFF, DISTRICT_ADMINS
from projects.models import (
    CommunityApprovalTask,
    Organization,
    OrganizationInvitation,
    OrganizationMember,
    OrganizationPage,
    ProjectIndexPage,
)
from projects.permissions import can_review_organization, is_organization_owner
from projects.validators import normalize_credit_code

WORKFLOW_NAME = "项目审核"
TASK_NAME = "社区工作人员审核"
ORGANIZATION_GROUP_PREFIX = "社会组织："

STAFF_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
ADMIN_PAGE_PERMISSIONS = STAFF_PAGE_PERMISSIONS + ("bulk_delete_page",)
# NGO groups: add and edit below their own page; never publish (changes go to moderation).
ORGANIZATION_PAGE_PERMISSIONS = ("add_page", "change_page")
ORGANIZATION_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
)
STAFF_MODEL_PERMISSIONS = ("view_organization", "review_organization", "view_category")
ADMIN_MODEL_PERMISSIONS = STAFF_MODEL_PERMISSIONS + (
    "change_organization",
    "add_category",
    "change_category",
    "delete_category",
)


def _page_permission(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _grant_page_permissions(group: Group, page, codenames) -> None:
    for codename in codenames:
        GroupPagePermission.objects.get_or_create(
            group=group, page=page, permission=_page_permission(codename)
        )


@transaction.atomic
def project_index_setup(*, index: ProjectIndexPage) -> Workflow:
    """Give community staff and district administrators their rights on the project index
    and attach the "项目审核" workflow (approval by community staff) to it. Idempotent."""
    staff, _created = Group.objects.get_or_create(name=COMMUNITY_STAFF)
    admins, _created = Group.objects.get_or_create(name=DISTRICT_ADMINS)
    access_admin = _permission("wagtailadmin", "access_admin")
    staff.permissions.add(access_admin)
    admins.permissions.add(access_admin)
    _grant_page_permissions(staff, index, STAFF_PAGE_PERMISSIONS)
    _grant_page_permissions(admins, index, ADMIN_PAGE_PERMISSIONS)
    for codename in STAFF_MODEL_PERMISSIONS:
        staff.permissions.add(_permission("projects", codename))
    for codename in ADMIN_MODEL_PERMISSIONS:
        admins.permissions.add(_permission("projects", codename))

    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    task = CommunityApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = CommunityApprovalTask.objects.create(name=TASK_NAME)
    task.groups.add(staff, admins)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})
    return workflow


@transaction.atomic
def organization_apply(
    *,
    applicant: User,
    name: str,
    credit_code: str,
    org_type: str,
    contact_person: str,
    phone: str,
    email: str,
    description: str,
    street: Street,
    service_communities: list[Community],
) -> Organization:
    """A resident applies to register an organization; they become its owner."""
    if not applicant.is_authenticated:
        raise ValidationError(_("请先登录再申请。"))
    organization = Organization(
        name=name.strip(),
        credit_code=normalize_credit_code(credit_code),
        org_type=org_type,
        contact_person=contact_person.strip(),
        phone=phone.strip(),
        email=email.strip(),
        description=description.strip(),
        street=street,
        applicant=applicant,
    )
    organization.full_clean()
    if not service_communities:
        raise ValidationError({"service_communities": _("请至少选择一个服务社区。")})
    try:
        with transaction.atomic():
            organization.save()
    except IntegrityError as error:
        raise ValidationError(_("该组织名称或统一社会信用代码已经登记过。")) from error
    organization.service_communities.set(service_communities)
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
    group.permissions.add(_permission("wagtailadmin", "access_admin"))
    _grant_page_permissions(group, page, ORGANIZATION_PAGE_PERMISSIONS)
    collection = organization.collection
    if collection is None:
        root = Collection.get_first_root_node() or Collection.add_root(name="Root")
        collection = root.add_child(name=organization_resource_name(organization))
    for app_label, codename in ORGANIZATION_COLLECTION_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=_permission(app_label, codename)
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
        raise ValidationError(_("您没有审核这个组织的权限。"))


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


@transaction.atomic
def organization_invite_editor(
    *, organization: Organization, by: User, email: str
) -> OrganizationInvitation:
    """An owner invites someone by email to edit the organization's projects."""
    if not is_organization_owner(by, organization):
        raise ValidationError(_("只有组织负责人可以邀请编辑。"))
    if organization.status in (Organization.Status.REJECTED, Organization.Status.SUSPENDED):
        raise ValidationError(_("该组织目前不能邀请新成员。"))
    email = (email or "").strip().lower()
    if not email:
        raise ValidationError({"email": _("请输入对方的邮箱。")})
    if OrganizationMember.objects.filter(
        organization=organization, user__email__iexact=email
    ).exists():
        raise ValidationError({"email": _("这个邮箱的用户已经是本组织成员。")})
    invitation = OrganizationInvitation(organization=organization, email=email, invited_by=by)
    invitation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as error:
        raise ValidationError({"email": _("已经向这个邮箱发出过邀请，对方尚未接受。")}) from error
    url = reverse("projects:invitation_accept", kwargs={"token": invitation.token})
    subject = _("%(name)s 邀请您成为“%(org)s”的编辑") % {
        "name": by.get_display_name(),
        "org": organization.name,
    }
    body = _("请登录后打开链接接受邀请。")
    invitee = User.objects.filter(email__iexact=email, is_active=True).first()
    if invitee is not None:
        notify(
            recipient=invitee, kind="organization_invitation", subject=subject, body=body, url=url
        )
    else:
        link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url
        transaction.on_commit(
            lambda: send_mail(subject, f"{body}\n\n{link}", None, [email], fail_silently=True)
        )
    return invitation


def invitation_email_verified(*, invitation: OrganizationInvitation, user: User) -> bool:
    """Whether the account has confirmed (allauth) the address the invitation was sent to."""
    return EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists()


@transaction.atomic
def organization_accept_invitation(
    *, invitation: OrganizationInvitation, user: User
) -> OrganizationMember:
    invitation = OrganizationInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("这个邀请已经被接受过了。"))
    if user.email.strip().lower() != invitation.email.lower():
        raise ValidationError(
            _("这个邀请是发给 %(email)s 的，请用该邮箱的账号登录后再接受。")
            % {"email": invitation.email},
            code="wrong_account",
        )
    if not invitation_email_verified(invitation=invitation, user=user):
        # Anyone can sign up with an address; only a confirmed one proves it is theirs.
        raise ValidationError(
            _(
                "接受邀请前，请先验证您的邮箱 %(email)s：打开我们发到该邮箱的确认邮件中的链接"
                "（也可以在“邮箱设置”中重新发送），然后回到本页接受邀请。"
            )
            % {"email": invitation.email},
            code="unverified_email",
        )
    organization = invitation.organization
    member, _created = OrganizationMember.objects.get_or_create(
        organization=organization, user=user, defaults={"role": OrganizationMember.Role.EDITOR}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    organization_sync_group(organization=organization)
    return member


@transaction.atomic
def organization_remove_member(
    *, organization: Organization, by: User, member: OrganizationMember
) -> None:
    """An owner removes an editor; the editor loses admin access at once."""
    if not is_organization_owner(by, organization):
        raise ValidationError(_("只有组织负责人可以移除成员。"))
    if member.organization_id != organization.pk:
        raise ValidationError(_("此人不是本组织成员。"))
    if member.role == OrganizationMember.Role.OWNER:
        raise ValidationError(_("不能移除组织负责人。"))
    member.delete()
    if organization.group_id:
        organization.group.user_set.remove(member.user_id)


def project_review_recipients(*, page, requested_by: User | None) -> list[User]:
    """Who hears about a review decision: the person who submitted the project and every
    member of its organization."""
    recipients: dict[int, User] = {}
    if requested_by is not None and requested_by.is_active:
        recipients[requested_by.pk] = requested_by
    organization_id = getattr(page, "organization_id", None)
    if organization_id:
        members = User.objects.filter(
            organization_memberships__organization_id=organization_id, is_active=True
        )
        for user in members:
            recipients.setdefault(user.pk, user)
    return list(recipients.values())


@transaction.atomic
def project_review_decide(*, task_state, by: User, approve: bool, comment: str = ""):
    """Community staff approve (and so publish) a submitted project, or send it back with a
    reason. Only a reviewer whose communities the project serves (or a district
    administrator) may decide; the organization is told through the workflow signals.
    Returns the page."""
    from wagtail.models import TaskState

    task_state = TaskState.objects.select_for_update().get(pk=task_state.pk)
    if task_state.status != TaskState.STATUS_IN_PROGRESS:
        raise ValidationError(_("这个项目已经审核过了，无需再次处理。"))
    task = task_state.task.specific
    if not isinstance(task, CommunityApprovalTask):
        raise ValidationError(_("这一步不是社区审核，请在页面编辑器中处理。"))
    page = task_state.workflow_state.content_object.specific
    if not task.get_actions(page, by):
        raise PermissionDenied(_("您不负责这个项目服务的社区，不能审核它。"))
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("请写明需要修改的地方，提交人会在通知中看到。")})
    task.on_action(task_state, by, "approve" if approve else "reject", comment=comment)
    return page
