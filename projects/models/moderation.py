from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail.models import AbstractGroupApprovalTask, Page, TaskState

from projects.permissions import (
    can_moderate_project,
    is_district_admin,
    pages_community_ids,
    staff_community_ids,
)


def _specific(page):
    from projects.models import OrganizationPage, ServiceProjectPage

    if isinstance(page, (ServiceProjectPage, OrganizationPage)) or not isinstance(page, Page):
        return page
    return page.specific_deferred


class CommunityApprovalTask(AbstractGroupApprovalTask):
    """社区审核 — the step of the "项目审核" workflow: members of the chosen groups approve,
    but community staff only the projects (and organization pages) that serve one of their
    communities. District administrators review everything. Chosen by district
    administrators under 设置 → 工作流程任务."""

    def _can_moderate(self, obj, user) -> bool:
        if not (user.is_superuser or self._user_in_groups(user)):
            return False
        return can_moderate_project(user, _specific(obj))

    def user_can_access_editor(self, obj, user):
        return self._can_moderate(obj, user)

    def locked_for_user(self, obj, user):
        return not self._can_moderate(obj, user)

    def user_can_lock(self, obj, user):
        return self._can_moderate(obj, user)

    def user_can_unlock(self, obj, user):
        return False

    def get_actions(self, obj, user):
        if not self._can_moderate(obj, user):
            return []
        return [
            ("reject", _("退回修改"), True),
            ("approve", _("批准"), False),
            ("approve", _("批准并附意见"), True),
        ]

    def on_action(self, task_state, user, action_name, **kwargs):
        # Wagtail's action URL names a page and a task state separately: check the page that
        # the task state belongs to, not only the one in the URL.
        page = task_state.workflow_state.content_object
        if page is None or not self._can_moderate(page, user):
            raise PermissionDenied
        return super().on_action(task_state, user, action_name, **kwargs)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        if not (user.is_superuser or self._user_in_groups(user)):
            return TaskState.objects.none()
        states = self.task_states.filter(status=TaskState.STATUS_IN_PROGRESS)
        if user.is_superuser or is_district_admin(user):
            return states
        staff_ids = staff_community_ids(user)
        if not staff_ids:
            return TaskState.objects.none()
        object_ids = dict(states.values_list("pk", "workflow_state__object_id"))
        page_ids = {int(pk) for pk in object_ids.values() if str(pk).isdigit()}
        communities = pages_community_ids(page_ids)
        allowed = [
            state_id
            for state_id, object_id in object_ids.items()
            if str(object_id).isdigit() and communities.get(int(object_id), set()) & staff_ids
        ]
        return states.filter(pk__in=allowed)

    @classmethod
    def get_description(cls):
        return _("所选用户组的成员审核；社区工作人员只审核服务其所负责社区的项目。")

    class Meta:
        verbose_name = _("社区审核任务")
        verbose_name_plural = _("社区审核任务")
