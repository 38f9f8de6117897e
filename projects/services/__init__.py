"""Every write with rules in the projects app, one module per sub-domain: the moderation
set-up, organizations, their members, and project review. Keyword-only and atomic.
PermissionDenied means "this person may not"; a ValidationError carries a sentence about the
input that the person can act on. Callers import from here (`from projects import services`)."""

from projects.services.members import (
    invitation_email_verified,
    organization_accept_invitation,
    organization_invite_editor,
    organization_remove_member,
)
from projects.services.organizations import (
    ORGANIZATION_GROUP_PREFIX,
    organization_apply,
    organization_reject,
    organization_resource_name,
    organization_suspend,
    organization_sync_group,
    organization_verify,
)
from projects.services.review import project_review_decide, project_review_recipients
from projects.services.setup import project_index_setup

__all__ = [
    "ORGANIZATION_GROUP_PREFIX",
    "invitation_email_verified",
    "organization_accept_invitation",
    "organization_apply",
    "organization_invite_editor",
    "organization_reject",
    "organization_remove_member",
    "organization_resource_name",
    "organization_suspend",
    "organization_sync_group",
    "organization_verify",
    "project_index_setup",
    "project_review_decide",
    "project_review_recipients",
]
