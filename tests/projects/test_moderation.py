"""Moderation is limited to the communities a project serves (issue 9, finding 6), and the
review screen puts the decision in front of the reviewer (issue 10, item 4)."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse
from wagtail.models import GroupApprovalTask, Page, TaskState, Workflow, WorkflowTask
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from portal.models import Notification
from projects.models import CommunityApprovalTask, ServiceProjectPage
from projects.permissions import pages_community_ids
from tests import factories
from tests.projects import factories as project_factories

# Wagtail's admin answers a refused action with a redirect to the dashboard and a message.
DENIED = (302, 403)


@pytest.fixture
def world(project_index, org_a, org_b, grids, district_admin):
    community_a, community_b = grids[0].community, grids[4].community
    editor_b = factories.make_user()
    project_factories.add_editor(org_b, editor_b)
    editor_a = factories.make_user()
    project_factories.add_editor(org_a, editor_a)
    return {
        "staff_a": factories.make_community_staff(community_a),
        "staff_b": factories.make_community_staff(community_b),
        "admin": district_admin,
        "editor_a": editor_a,
        "editor_b": editor_b,
        "community_a": community_a,
        "community_b": community_b,
        # Organization B's project, serving community B only.
        "live_b": project_factories.make_project(
            org_b, title="乙社区的助老项目", communities=[community_b]
        ),
        "draft_b": project_factories.make_project(
            org_b, title="乙社区的待审项目", publish=False, communities=[community_b]
        ),
        "draft_a": project_factories.make_project(
            org_a, title="甲社区的待审项目", publish=False, communities=[community_a]
        ),
    }


def _submit(page, user):
    page = Page.objects.get(pk=page.pk).specific
    return page.get_workflow().start(page, user)


def _edit_data(page, **extra):
    return nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "summary": page.summary,
            "category": page.category_id,
            "recruiting_status": page.recruiting_status,
            "service_communities": [c.pk for c in page.service_communities.all()],
            "tags": "",
            "body": streamfield([]),
            "comments": inline_formset([]),
            **extra,
        }
    )


def test_project_index_workflow_uses_the_community_task(world):
    task = world["draft_b"].get_workflow().tasks.get().specific
    assert isinstance(task, CommunityApprovalTask)


def test_staff_of_another_community_cannot_open_publish_or_unpublish(client, world):
    live, draft = world["live_b"], world["draft_b"]
    client.force_login(world["staff_a"])
    assert client.get(f"/admin/pages/{draft.pk}/edit/").status_code in DENIED
    assert client.get(f"/admin/pages/{live.pk}/edit/").status_code in DENIED
    # Publishing by a forged edit POST is refused and publishes nothing.
    response = client.post(
        f"/admin/pages/{draft.pk}/edit/", _edit_data(draft, **{"action-publish": "1"})
    )
    assert response.status_code in DENIED
    draft.refresh_from_db()
    assert not draft.live
    assert client.get(f"/admin/pages/{live.pk}/unpublish/").status_code in DENIED
    assert client.post(f"/admin/pages/{live.pk}/unpublish/").status_code in DENIED
    live.refresh_from_db()
    assert live.live
    assert client.get(f"/admin/pages/{live.pk}/delete/").status_code in DENIED
    assert client.get(f"/admin/pages/{live.pk}/move/").status_code in DENIED
    # Bulk actions ask the same tester.
    client.post(
        f"/admin/bulk/wagtailcore/page/unpublish/?id={live.pk}",
        {"include_descendants": ""},
    )
    live.refresh_from_db()
    assert live.live


def test_staff_of_the_served_community_and_district_admins_keep_their_rights(client, world):
    live = world["live_b"]
    for user in (world["staff_b"], world["admin"]):
        tester = Page.objects.get(pk=live.pk).permissions_for_user(user)
        assert tester.can_edit() and tester.can_publish() and tester.can_unpublish()
    client.force_login(world["staff_b"])
    assert client.get(f"/admin/pages/{live.pk}/edit/").status_code == 200
    assert client.post(f"/admin/pages/{live.pk}/unpublish/").status_code == 302
    live.refresh_from_db()
    assert not live.live


def test_ngo_members_rights_are_unchanged(world):
    tester = Page.objects.get(pk=world["draft_b"].pk).permissions_for_user(world["editor_b"])
    assert tester.can_edit() and not tester.can_publish()
    tester = Page.objects.get(pk=world["draft_b"].pk).permissions_for_user(world["editor_a"])
    assert not tester.can_edit()


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_staff_of_another_community_cannot_approve_or_reject(client, world, action):
    draft = world["draft_b"]
    state = _submit(draft, world["editor_b"])
    task_state = state.current_task_state
    client.force_login(world["staff_a"])
    url = reverse("wagtailadmin_pages:workflow_action", args=[draft.pk, action, task_state.pk])
    assert client.post(url, {"comment": "越权"}).status_code in DENIED
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    # Approving through the editor's workflow button is refused too.
    response = client.post(
        f"/admin/pages/{draft.pk}/edit/",
        _edit_data(draft, **{"action-workflow-action": "1", "workflow-action-name": action}),
    )
    assert response.status_code in DENIED
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    draft.refresh_from_db()
    assert not draft.live


def test_a_task_state_of_another_page_cannot_ride_on_an_own_page(client, world):
    """Wagtail's action URL names a page and a task state: staff of A name their own page
    with the task state of B's project."""
    state_a = _submit(world["draft_a"], world["editor_a"])
    state_b = _submit(world["draft_b"], world["editor_b"])
    client.force_login(world["staff_a"])
    url = reverse(
        "wagtailadmin_pages:workflow_action",
        args=[world["draft_a"].pk, "approve", state_b.current_task_state.pk],
    )
    assert client.post(url, {"comment": ""}).status_code in DENIED
    state_b.refresh_from_db()
    assert state_b.status == "in_progress"
    world["draft_b"].refresh_from_db()
    assert not world["draft_b"].live
    assert state_a.current_task_state.status == TaskState.STATUS_IN_PROGRESS


def test_staff_of_the_served_community_approve_through_the_workflow_url(client, world):
    draft = world["draft_b"]
    state = _submit(draft, world["editor_b"])
    client.force_login(world["staff_b"])
    url = reverse(
        "wagtailadmin_pages:workflow_action",
        args=[draft.pk, "approve", state.current_task_state.pk],
    )
    client.post(url, {"comment": ""})
    draft.refresh_from_db()
    assert draft.live


def test_reviews_listed_only_for_the_served_communities(client, world):
    _submit(world["draft_a"], world["editor_a"])
    _submit(world["draft_b"], world["editor_b"])
    for user, expected in (
        (world["staff_a"], {"甲社区的待审项目"}),
        (world["staff_b"], {"乙社区的待审项目"}),
        (world["admin"], {"甲社区的待审项目", "乙社区的待审项目"}),
    ):
        states = TaskState.objects.reviewable_by(user)
        titles = {s.revision.object_str for s in states}
        assert titles == expected
        client.force_login(user)
        html = client.get(reverse("projects_review_index")).content.decode()
        for title in ("甲社区的待审项目", "乙社区的待审项目"):
            assert (title in html) is (title in expected)
        dashboard = client.get("/admin/").content.decode()
        for title in ("甲社区的待审项目", "乙社区的待审项目"):
            if title not in expected:
                assert title not in dashboard


def test_communities_of_the_submitted_draft_count(world):
    """An NGO that adds community A to its draft asks A's staff to review it."""
    draft = Page.objects.get(pk=world["draft_b"].pk).specific
    draft.service_communities.set([world["community_b"], world["community_a"]])
    draft.save_revision()
    assert pages_community_ids([draft.pk])[draft.pk] == {
        world["community_a"].pk,
        world["community_b"].pk,
    }
    tester = Page.objects.get(pk=draft.pk).permissions_for_user(world["staff_a"])
    assert tester.can_edit()


def test_project_without_communities_follows_its_organization(world, org_b):
    bare = project_factories.make_project(org_b, title="未填社区的项目", publish=False)
    assert pages_community_ids([bare.pk])[bare.pk] == {world["community_b"].pk}
    assert not Page.objects.get(pk=bare.pk).permissions_for_user(world["staff_a"]).can_edit()
    organization_page = Page.objects.get(pk=org_b.page.pk)
    assert not organization_page.permissions_for_user(world["staff_a"]).can_edit()
    assert organization_page.permissions_for_user(world["staff_b"]).can_edit()


# --- The review screen ----------------------------------------------------------------


def test_review_screen_approves_publishes_and_says_who_is_told(client, world):
    draft = world["draft_b"]
    state = _submit(draft, world["editor_b"])
    task_state = state.current_task_state
    client.force_login(world["staff_b"])
    url = reverse("projects_review", args=[task_state.pk])
    page = client.get(url).content.decode()
    assert "批准并发布" in page and "退回修改" in page and "乙志愿服务队" in page
    response = client.post(url, {"decision": "approve", "comment": ""}, follow=True)
    draft.refresh_from_db()
    assert draft.live
    text = response.content.decode()
    assert "已批准并发布" in text and "已通知“乙志愿服务队”" in text
    assert Notification.objects.filter(
        recipient=world["editor_b"], kind="project_moderated", subject__contains="已通过审核"
    ).exists()
    owner_b = draft.organization.memberships.get(role="owner").user
    assert Notification.objects.filter(recipient=owner_b, kind="project_moderated").exists()


def test_review_screen_rejects_only_with_a_reason(client, world):
    draft = world["draft_b"]
    state = _submit(draft, world["editor_b"])
    task_state = state.current_task_state
    client.force_login(world["staff_b"])
    url = reverse("projects_review", args=[task_state.pk])
    response = client.post(url, {"decision": "reject", "comment": ""})
    assert response.status_code == 200
    assert "请写明需要修改的地方" in response.content.decode()
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    response = client.post(url, {"decision": "reject", "comment": "请补充活动地点"}, follow=True)
    assert "已退回修改" in response.content.decode()
    state.refresh_from_db()
    assert state.status == "needs_changes"
    note = Notification.objects.filter(
        recipient=world["editor_b"], kind="project_moderated"
    ).latest("pk")
    assert "请补充活动地点" in note.body


def test_review_screen_is_closed_to_staff_of_other_communities(client, world):
    state = _submit(world["draft_b"], world["editor_b"])
    url = reverse("projects_review", args=[state.current_task_state.pk])
    client.force_login(world["staff_a"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "approve"}).status_code == 404
    client.force_login(world["editor_b"])
    assert client.get(url).status_code == 404
    world["draft_b"].refresh_from_db()
    assert not world["draft_b"].live


def test_review_screen_huge_id_is_404(client, world):
    client.force_login(world["admin"])
    assert client.get("/admin/project-review/99999999999999999999999/").status_code == 404


def test_editor_puts_the_decision_and_the_submission_in_front(client, world):
    draft = world["draft_b"]
    client.force_login(world["editor_b"])
    html = client.get(f"/admin/pages/{draft.pk}/edit/").content.decode()
    # The NGO member's main button submits for review; saving a draft comes second.
    assert html.index('name="action-submit"') < html.index("保存草稿</em>")
    state = _submit(draft, world["editor_b"])
    client.force_login(world["staff_b"])
    html = client.get(f"/admin/pages/{draft.pk}/edit/").content.decode()
    review_url = reverse("projects_review", args=[state.current_task_state.pk])
    assert "审核：批准发布或退回修改" in html and review_url in html
    assert html.index(review_url) < html.index("保存草稿</em>")
    assert "批准 和发布" not in html


# --- The data migration ----------------------------------------------------------------


class _SchemaEditor:
    """What the migration uses of a schema editor (SQLite's refuses to open inside a test's
    transaction)."""

    def quote_name(self, name):
        return connection.ops.quote_name(name)

    def execute(self, sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_migration_converts_the_group_task_and_keeps_reviews_in_progress(world):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("projects.migrations.0004_project_review_task_scoped_to_communities")
    workflow = Workflow.objects.get(name="项目审核")
    new_task = workflow.tasks.get()
    # The state before the change: a plain group approval task in the workflow.
    WorkflowTask.objects.filter(workflow=workflow).delete()
    old = GroupApprovalTask.objects.create(name="社区工作人员审核")
    old.groups.set(Group.objects.filter(name__in=["社区工作人员", "区级管理员"]))
    WorkflowTask.objects.create(workflow=workflow, task=old, sort_order=0)
    new_task.delete()
    state = _submit(world["draft_b"], world["editor_b"])
    task_state_id = state.current_task_state.pk

    migration.forwards(apps, _SchemaEditor())

    task = workflow.tasks.get().specific
    assert task.pk == old.pk and isinstance(task, CommunityApprovalTask)
    assert not GroupApprovalTask.objects.filter(pk=old.pk).exists()
    assert set(task.groups.values_list("name", flat=True)) == {"社区工作人员", "区级管理员"}
    task_state = TaskState.objects.get(pk=task_state_id)
    assert task_state.status == TaskState.STATUS_IN_PROGRESS and task_state.task_id == task.pk
    page = ServiceProjectPage.objects.get(pk=world["draft_b"].pk)
    assert task.get_actions(page, world["staff_a"]) == []
    assert task.get_actions(page, world["staff_b"])
