from .moderation import CommunityApprovalTask
from .organizations import (
    Category,
    Organization,
    OrganizationInvitation,
    OrganizationMember,
)
from .pages import (
    OrganizationPage,
    ProjectIndexPage,
    ServiceProjectPage,
    ServiceProjectPageTag,
)

__all__ = [
    "Category",
    "CommunityApprovalTask",
    "Organization",
    "OrganizationInvitation",
    "OrganizationMember",
    "OrganizationPage",
    "ProjectIndexPage",
    "ServiceProjectPage",
    "ServiceProjectPageTag",
]
