"""项目审核 in the admin: the submitted projects a reviewer may decide on, and one screen per
project with the decision in front of them (approve and publish, or send back with a reason).
The rules are in projects.services.project_review_decide and the CommunityApprovalTask."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.action_menu import ActionMenuItem, WorkflowMenuItem
from wagtail.models import TaskState

from portal.forms import add_service_errors
from portal.text import TextAreaField
from projects import services
from projects.models import CommunityApprovalTask, ServiceProjectPage
from projects.permissions import can_moderate_project, is_district_admin, is_staff_member


class ReviewForm(forms.Form):
    comment = TextAreaField(
        label=gettext_lazy("审核意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("退回修改时必填：写明需要修改的地方，组织成员会在通知中看到。"),
    )


def reviewable_task_states(user):
    """The in-progress community reviews this person may decide on, newest first."""
    states = TaskState.objects.none()
    for task in CommunityApprovalTask.objects.filter(active=True):
        states = states | task.get_task_states_user_can_moderate(user)
    return states.select_related("workflow_state__requested_by", "revision").order_by("-started_at")


def user_is_reviewer(user) -> bool:
    return user.is_superuser or is_district_admin(user) or is_staff_member(user)


def _review_rows(states) -> list[dict]:
    states = list(states)
    page_ids = [int(s.workflow_state.object_id) for s in states]
    pages = {
        page.pk: page
        for page in ServiceProjectPage.objects.filter(pk__in=page_ids).select_related(
            "organization"
        )
    }
    rows = []
    for state in states:
        page = pages.get(int(state.workflow_state.object_id))
        rows.append(
            {
                "state": state,
                "title": state.revision.object_str if state.revision else "",
                "organization": page.organization if page else None,
                "requested_by": state.workflow_state.requested_by,
                "url": reverse("projects_review", args=[state.pk]),
            }
        )
    return rows


def review_index(request: HttpRequest) -> HttpResponse:
    if not user_is_reviewer(request.user):
        raise Http404
    return TemplateResponse(
        request,
        "projects/admin/project_review_index.html",
        {"rows": _review_rows(reviewable_task_states(request.user))},
    )


def _decision_message(*, state, page, draft, approve: bool) -> str:
    """The confirmation for the reviewer: what happened and how many members were told."""
    recipients = services.project_review_recipients(
        page=page, requested_by=state.workflow_state.requested_by
    )
    who = page.organization.name if page.organization_id else _("提交人")
    values = {"title": draft.title, "organization": who, "count": len(recipients)}
    if approve:
        message = _(
            "项目“%(title)s”已批准并发布，居民现在可以看到它；"
            "已通知“%(organization)s”的 %(count)s 位成员。"
        )
    else:
        message = _(
            "项目“%(title)s”已退回修改，审核意见已通知“%(organization)s”的 %(count)s 位成员。"
        )
    return message % values


def _review_context(*, state, page, draft, form) -> dict:
    """The draft in front of the reviewer, with links to preview, edit and compare it."""
    compare_url = ""
    if page.live and page.latest_revision_id:
        compare_url = reverse(
            "wagtailadmin_pages:revisions_compare", args=[page.pk, "live", page.latest_revision_id]
        )
    return {
        "state": state,
        "page": page,
        "draft": draft,
        "communities": list(draft.service_communities.all().select_related("street")),
        "tags": [tag.name for tag in draft.tags.all()],
        "form": form,
        "preview_url": reverse(
            "wagtailadmin_pages:workflow_preview", args=[page.pk, state.task_id]
        ),
        "edit_url": reverse("wagtailadmin_pages:edit", args=[page.pk]),
        "compare_url": compare_url,
        "index_url": reverse("projects_review_index"),
    }


def review(request: HttpRequest, task_state_id: int) -> HttpResponse:
    state = reviewable_task_states(request.user).filter(pk=task_state_id).first()
    if state is None:
        # Not in progress, not a community review, or not a project of their communities.
        raise Http404
    page = state.workflow_state.content_object.specific
    draft = page.get_latest_revision_as_object()
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = request.POST.get("decision") == "approve"
        try:
            services.project_review_decide(
                task_state=state,
                by=request.user,
                approve=approve,
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = _decision_message(state=state, page=page, draft=draft, approve=approve)
            messages.success(request, message)
            return redirect("projects_review_index")
    context = _review_context(state=state, page=page, draft=draft, form=form)
    return TemplateResponse(request, "projects/admin/project_review.html", context)


class ReviewMenuItem(ActionMenuItem):
    """The editor's main button for a reviewer: opens the review screen with the decision."""

    name = "action-project-review"
    label = gettext_lazy("审核：批准发布或退回修改")
    icon_name = "tasks"
    classname = "button--primary"

    def __init__(self, task_state_id: int):
        super().__init__(order=-1)
        self.task_state_id = task_state_id

    def get_url(self, parent_context):
        return reverse("projects_review", args=[self.task_state_id])


def arrange_page_action_menu(menu_items, request, context) -> None:
    """Put the decision in front: a reviewer's main button opens the review screen, and an
    NGO member's main button submits the project for review (saving a draft comes second)."""
    page = context.get("page")
    if page is not None and context.get("view") == "edit":
        task = page.current_workflow_task
        if isinstance(task, CommunityApprovalTask) and can_moderate_project(request.user, page):
            menu_items[:] = [i for i in menu_items if not isinstance(i, WorkflowMenuItem)]
            menu_items.insert(0, ReviewMenuItem(page.current_workflow_task_state.pk))
            return
    for position, item in enumerate(menu_items):
        if item.name == "action-submit" and position > 0:
            tester = context.get("user_page_permissions_tester")
            parent = context.get("parent_page")
            can_publish = (
                tester.can_publish()
                if tester is not None
                else parent is not None
                and parent.permissions_for_user(request.user).can_publish_subpage()
            )
            if not can_publish:
                menu_items.insert(0, menu_items.pop(position))
            return
