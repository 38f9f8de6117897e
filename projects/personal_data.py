"""What the projects app holds about a person, for the data download and account deletion.

Download: organization memberships, the organizations the person applied for, invitations
sent to their email. Deletion is blocked while the person is the last owner (负责人) of an
organization that is not rejected — someone must be able to run it — and otherwise ends
their memberships (their group access is removed with the account's groups).
"""

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from projects.models import Organization, OrganizationInvitation, OrganizationMember


def export_memberships(user) -> list[dict]:
    return [
        {
            "organization": m.organization.name,
            "role": m.get_role_display(),
            "joined_at": m.created_at,
        }
        for m in OrganizationMember.objects.filter(user=user).select_related("organization")
    ]


def export_applications(user) -> list[dict]:
    return [
        {
            "organization": o.name,
            "status": o.get_status_display(),
            "applied_at": o.created_at,
            "reviewed_at": o.reviewed_at,
            "review_reason": o.review_reason,
        }
        for o in Organization.objects.filter(applicant=user)
    ]


def export_invitations(user) -> list[dict]:
    return [
        {
            "organization": i.organization.name,
            "email": i.email,
            "invited_at": i.created_at,
            "accepted_at": i.accepted_at,
        }
        for i in OrganizationInvitation.objects.filter(email__iexact=user.email).select_related(
            "organization"
        )
    ]


def last_owner_blockers(user) -> list[str]:
    owned = (
        Organization.objects.filter(
            memberships__user=user, memberships__role=OrganizationMember.Role.OWNER
        )
        .exclude(status=Organization.Status.REJECTED)
        .annotate(
            owners=Count("memberships", filter=Q(memberships__role=OrganizationMember.Role.OWNER))
        )
        .filter(owners=1)
    )
    return [
        _("您是“%(name)s”唯一的负责人。请先在组织成员页面指定另一位负责人，再注销账号。")
        % {"name": organization.name}
        for organization in owned
    ]


def erase_memberships(user) -> None:
    OrganizationMember.objects.filter(user=user).delete()
    OrganizationInvitation.objects.filter(
        email__iexact=user.email, accepted_at__isnull=True
    ).delete()


def personal_data_export(user) -> dict[str, list[dict]]:
    return {
        "organization_memberships": export_memberships(user),
        "organization_applications": export_applications(user),
        "organization_invitations": export_invitations(user),
    }


def deletion_blockers(user) -> list[str]:
    return last_owner_blockers(user)


def personal_data_erase(user) -> None:
    erase_memberships(user)
