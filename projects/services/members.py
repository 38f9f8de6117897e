"""An organization's editors: invitations by email, accepting them, removing members."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from portal.notifications import notify
from projects.models import Organization, OrganizationInvitation, OrganizationMember
from projects.permissions import is_organization_owner
from projects.services.organizations import organization_sync_group


@transaction.atomic
def organization_invite_editor(
    *, organization: Organization, by: User, email: str
) -> OrganizationInvitation:
    """An owner invites someone by email to edit the organization's projects."""
    if not is_organization_owner(by, organization):
        raise PermissionDenied(_("只有组织负责人可以邀请编辑。"))
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
        raise PermissionDenied(_("只有组织负责人可以移除成员。"))
    if member.organization_id != organization.pk:
        raise ValidationError(_("此人不是本组织成员。"))
    if member.role == OrganizationMember.Role.OWNER:
        raise ValidationError(_("不能移除组织负责人。"))
    member.delete()
    if organization.group_id:
        organization.group.user_set.remove(member.user_id)
