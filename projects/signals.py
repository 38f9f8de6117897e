"""Tell an organization when staff approve or send back its project (Wagtail workflow)."""

from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.signals import workflow_approved, workflow_rejected

from portal.notifications import notify


def _project(workflow_state):
    from projects.models import ServiceProjectPage

    page = workflow_state.content_object
    page = getattr(page, "specific", page)
    return page if isinstance(page, ServiceProjectPage) else None


def _recipients(workflow_state, page):
    from projects.services import project_review_recipients

    return project_review_recipients(page=page, requested_by=workflow_state.requested_by)


@receiver(workflow_approved)
def project_approved(sender, instance, user=None, **kwargs):
    page = _project(instance)
    if page is None:
        return
    for recipient in _recipients(instance, page):
        notify(
            recipient=recipient,
            kind="project_moderated",
            subject=_("项目“%(title)s”已通过审核") % {"title": page.title},
            body=_("项目已经发布，居民可以在创益工场看到它。"),
            url=page.url or "",
        )


@receiver(workflow_rejected)
def project_sent_back(sender, instance, user=None, **kwargs):
    page = _project(instance)
    if page is None:
        return
    comment = ""
    task_state = instance.current_task_state
    if task_state is not None and task_state.comment:
        comment = task_state.comment
    for recipient in _recipients(instance, page):
        notify(
            recipient=recipient,
            kind="project_moderated",
            subject=_("项目“%(title)s”需要修改") % {"title": page.title},
            body=(_("审核意见：%(comment)s") % {"comment": comment})
            if comment
            else _("社区工作人员退回了这个项目，请修改后重新提交。"),
            url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
        )
