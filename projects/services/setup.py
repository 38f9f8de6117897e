"""The moderation set-up of the project index: staff rights and the "项目审核" workflow;
the page and collection rights an organization's group gets."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import GroupPagePermission, Workflow, WorkflowPage, WorkflowTask

from portal.permissions import COMMUNITY_STAFF, DISTRICT_ADMINS
from projects.models import CommunityApprovalTask, ProjectIndexPage

WORKFLOW_NAME = "项目审核"
TASK_NAME = "社区工作人员审核"

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


def page_permission(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)


def permission_for(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def grant_page_permissions(group: Group, page, codenames) -> None:
    for codename in codenames:
        GroupPagePermission.objects.get_or_create(
            group=group, page=page, permission=page_permission(codename)
        )


@transaction.atomic
def project_index_setup(*, index: ProjectIndexPage) -> Workflow:
    """Give community staff and district administrators their rights on the project index
    and attach the "项目审核" workflow (approval by community staff) to it. Idempotent."""
    staff, _created = Group.objects.get_or_create(name=COMMUNITY_STAFF)
    admins, _created = Group.objects.get_or_create(name=DISTRICT_ADMINS)
    access_admin = permission_for("wagtailadmin", "access_admin")
    staff.permissions.add(access_admin)
    admins.permissions.add(access_admin)
    grant_page_permissions(staff, index, STAFF_PAGE_PERMISSIONS)
    grant_page_permissions(admins, index, ADMIN_PAGE_PERMISSIONS)
    for codename in STAFF_MODEL_PERMISSIONS:
        staff.permissions.add(permission_for("projects", codename))
    for codename in ADMIN_MODEL_PERMISSIONS:
        admins.permissions.add(permission_for("projects", codename))

    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    task = CommunityApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = CommunityApprovalTask.objects.create(name=TASK_NAME)
    task.groups.add(staff, admins)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})
    return workflow
