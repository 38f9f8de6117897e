"""Community staff review of submitted service projects (the workflow's decision)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.models import User
from projects.models import CommunityApprovalTask


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
