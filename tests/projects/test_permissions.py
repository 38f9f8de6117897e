"""Who may do what in the Wagtail admin: a matrix over the admin URLs that show or change
an organization's drafts and media, for every role."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from portal.models import Grid, PortalImage
from projects.models import Organization
from tests import factories
from tests.module_data import rolled_back_module_data
from tests.portal.export_helpers import export_through_job
from tests.projects import factories as project_factories

ROLES = [
    "anonymous",
    "resident",
    "editor_a",
    "editor_b",
    "owner_a",
    "community_staff",
    "district_admin",
]
# Who may see and change organization A's draft.
MAY_EDIT_A = {"editor_a", "owner_a", "community_staff", "district_admin"}
MAY_PUBLISH = {"community_staff", "district_admin"}
User = get_user_model()


def _make_world() -> dict:
    home = factories.make_home_page()
    project_factories.make_project_index(home)
    grids = factories.make_geography()
    district_admin = factories.make_district_admin()
    org_a, org_b = project_factories.make_organizations_a_and_b(grids, verify_by=district_admin)
    staff = factories.make_community_staff(grids[0].community)
    editor_a = factories.make_user()
    editor_b = factories.make_user()
    project_factories.add_editor(org_a, editor_a)
    project_factories.add_editor(org_b, editor_b)
    draft_a = project_factories.make_project(org_a, title="甲组织的草稿项目", publish=False)
    live_a = project_factories.make_project(org_a, title="甲组织的已发布项目")
    draft_b = project_factories.make_project(org_b, title="乙组织的草稿项目", publish=False)
    image_a = PortalImage.objects.create(
        title="甲组织的图片", file=get_test_image_file(), collection=org_a.collection
    )
    image_b = PortalImage.objects.create(
        title="乙组织的图片", file=get_test_image_file(), collection=org_b.collection
    )
    doc_a = get_document_model().objects.create(
        title="甲组织的文件", file=ContentFile(b"a", name="a.txt"), collection=org_a.collection
    )
    users = {
        "anonymous": None,
        "resident": factories.make_user(home_grid=grids[0]),
        "editor_a": editor_a,
        "editor_b": editor_b,
        "owner_a": org_a.memberships.get(role="owner").user,
        "community_staff": staff,
        "district_admin": district_admin,
    }
    # Primary keys only: each test reads its own instances (what one test changes in memory,
    # a workflow state or a revision, must not reach the next).
    return {
        "users": {role: user and user.pk for role, user in users.items()},
        "pages": {"draft_a": draft_a.pk, "live_a": live_a.pk, "draft_b": draft_b.pk},
        "image_a": image_a.pk,
        "image_b": image_b.pk,
        "doc_a": doc_a.pk,
        "org_a": org_a.pk,
        "org_b": org_b.pk,
        "grids": [grid.pk for grid in grids],
    }


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    """The organizations, projects, media and people every test here works on, made once for
    the module (it was 1.3-2.1 s of setup for each of 115 tests) and rolled back after its
    last test (tests/module_data.py)."""
    with rolled_back_module_data(django_db_blocker):
        yield _make_world()


@pytest.fixture
def grids(_module_world, db):
    by_pk = Grid.objects.select_related("community__street").in_bulk(_module_world["grids"])
    return [by_pk[pk] for pk in _module_world["grids"]]


@pytest.fixture
def world(_module_world, db):
    keys = _module_world
    users = User.objects.in_bulk([pk for pk in keys["users"].values() if pk])
    world = {name: Page.objects.get(pk=pk).specific for name, pk in keys["pages"].items()}
    world.update(
        users={role: users.get(pk) for role, pk in keys["users"].items()},
        image_a=PortalImage.objects.get(pk=keys["image_a"]),
        image_b=PortalImage.objects.get(pk=keys["image_b"]),
        doc_a=get_document_model().objects.get(pk=keys["doc_a"]),
        org_a=Organization.objects.get(pk=keys["org_a"]),
        org_b=Organization.objects.get(pk=keys["org_b"]),
    )
    return world


def _client(client, world, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    return client


def _page_urls(world):
    page = world["draft_a"]
    revision = page.latest_revision
    return {
        "edit": f"/admin/pages/{page.pk}/edit/",
        "history": f"/admin/pages/{page.pk}/history/",
        "revision_view": f"/admin/pages/{page.pk}/revisions/{revision.pk}/view/",
        "revision_compare": f"/admin/pages/{page.pk}/revisions/compare/earliest...{revision.pk}/",
        "preview": f"/admin/pages/{page.pk}/edit/preview/",
        "copy": f"/admin/pages/{page.pk}/copy/",
        "delete": f"/admin/pages/{page.pk}/delete/",
        "explore_org": f"/admin/pages/{world['org_a'].page.pk}/",
        "api_detail": f"/admin/api/main/pages/{page.pk}/",
        "image_edit": f"/admin/images/{world['image_a'].pk}/",
        "document_edit": f"/admin/documents/edit/{world['doc_a'].pk}/",
    }


PAGE_URLS = [
    "edit",
    "history",
    "revision_view",
    "revision_compare",
    "preview",
    "copy",
    "delete",
    "explore_org",
    "api_detail",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", PAGE_URLS)
def test_only_org_a_and_staff_reach_org_a_draft(client, world, role, url_name):
    c = _client(client, world, role)
    response = c.get(_page_urls(world)[url_name])
    if role in MAY_EDIT_A:
        assert response.status_code == 200
    else:
        assert response.status_code in (302, 403, 404)
        assert "甲组织的草稿项目" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", ["image_edit", "document_edit"])
def test_org_media_is_for_its_members_only(client, world, role, url_name):
    response = _client(client, world, role).get(_page_urls(world)[url_name])
    if role in {"editor_a", "owner_a"}:
        assert response.status_code == 200
    else:
        assert response.status_code in (302, 403, 404)


@pytest.mark.parametrize("role", ["editor_a", "editor_b", "owner_a"])
def test_choosers_show_only_own_collection(client, world, role):
    c = _client(client, world, role)
    images = c.get("/admin/images/chooser/").json()["html"]
    documents = c.get("/admin/documents/chooser/").json()["html"]
    if role == "editor_b":
        assert "乙组织的图片" in images
        assert "甲组织的图片" not in images and "甲组织的文件" not in documents
    else:
        assert "甲组织的图片" in images and "甲组织的文件" in documents
        assert "乙组织的图片" not in images


@pytest.mark.parametrize("role", ["editor_a", "editor_b", "owner_a", "community_staff"])
def test_admin_search_and_listing_api_hide_other_orgs(client, world, role):
    c = _client(client, world, role)
    search = c.get("/admin/pages/search/", {"q": "草稿项目"}).content.decode()
    listing = c.get("/admin/api/main/pages/", {"child_of": world["org_a"].page.pk})
    api_search = c.get("/admin/api/main/pages/", {"search": "草稿项目"})
    sees_a = role != "editor_b"
    assert ("甲组织的草稿项目" in search) is sees_a
    if role in ("editor_a", "owner_a"):
        assert "乙组织的草稿项目" not in search
        assert "乙组织的草稿项目" not in api_search.content.decode()
    if role == "editor_b":
        assert listing.status_code != 200 or "甲组织" not in listing.content.decode()
        assert "甲组织的草稿项目" not in api_search.content.decode()
    if role == "community_staff":
        assert "乙组织的草稿项目" in search or "甲组织的草稿项目" in search


@pytest.mark.parametrize("role", ROLES)
def test_nobody_in_an_ngo_group_can_publish(world, role):
    user = world["users"][role]
    if user is None:
        return
    for page in (world["draft_a"], world["live_a"], world["org_a"].page):
        tester = Page.objects.get(pk=page.pk).permissions_for_user(user)
        assert tester.can_publish() is (role in MAY_PUBLISH)
        assert tester.can_unpublish() is (role in MAY_PUBLISH and page.live)


@pytest.mark.parametrize("role", ROLES)
def test_unpublish_and_move_urls(client, world, role):
    c = _client(client, world, role)
    live = world["live_a"]
    unpublish = c.get(f"/admin/pages/{live.pk}/unpublish/")
    assert (unpublish.status_code == 200) is (role in MAY_PUBLISH)
    move = c.get(f"/admin/pages/{live.pk}/move/")
    if role not in MAY_EDIT_A:
        assert move.status_code != 200


def test_publish_button_of_an_ngo_editor_publishes_nothing(client, world):
    """An NGO editor posting "publish" by hand gets no live page."""
    draft = world["draft_a"]
    revision_before = draft.latest_revision_id
    c = _client(client, world, "editor_a")
    data = nested_form_data(
        {
            "title": draft.title,
            "slug": draft.slug,
            "summary": "改过的摘要",
            "category": draft.category_id,
            "recruiting_status": "recruiting",
            "body": streamfield([]),
            "comments": inline_formset([]),
            "action-publish": "1",
        }
    )
    response = c.post(f"/admin/pages/{draft.pk}/edit/", data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.latest_revision_id != revision_before  # the form was valid and saved
    assert not draft.live


def _submit(page, user):
    from wagtail.models import Page as WagtailPage

    page = WagtailPage.objects.get(pk=page.pk).specific
    workflow = page.get_workflow()
    assert workflow is not None and workflow.name == "项目审核"
    return workflow.start(page, user)


@pytest.mark.parametrize("role", ROLES)
def test_workflow_approval_is_for_staff_only(client, world, role):
    draft = world["draft_a"]
    state = _submit(draft, world["users"]["editor_a"])
    task_state = state.current_task_state
    c = _client(client, world, role)
    url = reverse("wagtailadmin_pages:workflow_action", args=[draft.pk, "approve", task_state.pk])
    response = c.post(url, {"comment": ""})
    draft.refresh_from_db()
    if role in MAY_PUBLISH:
        assert draft.live, response.status_code
    else:
        assert not draft.live
        assert response.status_code in (302, 403, 404)


def test_reject_sends_the_project_back_and_notifies(client, world):
    from portal.models import Notification

    draft = world["draft_a"]
    editor = world["users"]["editor_a"]
    state = _submit(draft, editor)
    c = _client(client, world, "community_staff")
    url = reverse(
        "wagtailadmin_pages:workflow_action",
        args=[draft.pk, "reject", state.current_task_state.pk],
    )
    c.post(url, {"comment": "请补充活动地点"})
    state.refresh_from_db()
    assert state.status == "needs_changes"
    note = Notification.objects.filter(recipient=editor, kind="project_moderated").latest("pk")
    assert "需要修改" in note.subject


def test_approval_notifies_the_submitter(client, world):
    from portal.models import Notification

    draft = world["draft_a"]
    editor = world["users"]["editor_a"]
    state = _submit(draft, editor)
    c = _client(client, world, "community_staff")
    c.post(
        reverse(
            "wagtailadmin_pages:workflow_action",
            args=[draft.pk, "approve", state.current_task_state.pk],
        ),
        {"comment": ""},
    )
    assert Notification.objects.filter(
        recipient=editor, kind="project_moderated", subject__contains="已通过审核"
    ).exists()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", set()),
        ("resident", set()),
        ("editor_a", set()),
        ("community_staff", {"甲社工服务中心", "待审甲"}),
        ("district_admin", {"甲社工服务中心", "乙志愿服务队", "待审甲", "待审乙"}),
    ],
)
def test_organization_review_list(client, world, grids, role, expected):
    project_factories.make_organization(
        owner=factories.make_user(), communities=[grids[0].community], name="待审甲"
    )
    project_factories.make_organization(
        owner=factories.make_user(), communities=[grids[4].community], name="待审乙"
    )
    c = _client(client, world, role)
    response = c.get("/admin/organizations/")
    if not expected:
        assert response.status_code in (302, 403)
        return
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("甲社工服务中心", "乙志愿服务队", "待审甲", "待审乙"):
        assert (name in html) is (name in expected), name


def test_staff_approve_and_reject_in_the_admin(client, world, grids):
    from projects.models import Organization

    mine = project_factories.make_organization(
        owner=factories.make_user(), communities=[grids[0].community], name="待审甲"
    )
    other = project_factories.make_organization(
        owner=factories.make_user(), communities=[grids[4].community], name="待审乙"
    )
    c = _client(client, world, "community_staff")
    assert c.get(f"/admin/organizations/approve/{other.pk}/").status_code == 404
    response = c.post(f"/admin/organizations/reject/{mine.pk}/", {"reason": ""})
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.status == Organization.Status.PENDING
    c.post(f"/admin/organizations/reject/{mine.pk}/", {"reason": "证书已过期"})
    mine.refresh_from_db()
    assert mine.status == Organization.Status.REJECTED and mine.review_reason == "证书已过期"
    third = project_factories.make_organization(
        owner=factories.make_user(), communities=[grids[0].community], name="待审丙"
    )
    assert c.post(f"/admin/organizations/approve/{third.pk}/").status_code == 302
    third.refresh_from_db()
    assert third.status == Organization.Status.VERIFIED and third.page.live


def test_organization_export_neutralises_formulas(
    client, world, grids, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EXPORTS_ROOT = tmp_path
    project_factories.make_organization(
        owner=factories.make_user(), communities=[grids[0].community], name="=HYPERLINK(1)"
    )
    c = _client(client, world, "district_admin")
    # Made by an export job off the request (portal.export_jobs), downloaded from its page.
    response = export_through_job(
        c, "/admin/organizations/", "csv", django_capture_on_commit_callbacks
    )
    body = b"".join(response.streaming_content).decode("utf-8")
    assert "'=HYPERLINK(1)" in body
