"""Projects and organizations through the API: the site's filters and Chinese keyword search,
project and organization details, no personal data."""

import pytest

from tests import factories
from tests.api.conftest import assert_problem
from tests.projects import factories as builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(home_page, grids):
    builders.make_project_index(home_page)
    staff = factories.make_district_admin()
    owner = factories.make_user(home_grid=grids[0])
    organization = builders.make_organization(
        owner=owner, communities=[grids[0].community], verify_by=staff, name="乙志愿服务中心"
    )
    elderly = builders.make_project(
        organization,
        title="独居老人上门探访",
        communities=[grids[0].community],
        category_slug="elderly",
    )
    stairs = builders.make_project(
        organization,
        title="楼道微更新",
        communities=[grids[4].community],
        category_slug="elderly",
        recruiting_status="finished",
    )
    draft = builders.make_project(organization, title="未发布的项目", publish=False)
    return {
        "organization": organization,
        "elderly": elderly,
        "stairs": stairs,
        "draft": draft,
        "grids": grids,
    }


def _titles(response):
    assert response.status_code == 200, response.content
    return sorted(p["title"] for p in response.json()["items"])


def test_list_filters_and_keyword_search(world, anon_app):
    everything = anon_app.get("/api/v1/projects")
    assert _titles(everything) == ["楼道微更新", "独居老人上门探访"]
    assert everything.json()["count"] == 2
    community = world["grids"][0].community
    assert _titles(anon_app.get("/api/v1/projects", {"community": community.pk})) == [
        "独居老人上门探访"
    ]
    assert _titles(anon_app.get("/api/v1/projects", {"status": "finished"})) == ["楼道微更新"]
    assert _titles(anon_app.get("/api/v1/projects", {"q": "楼道"})) == ["楼道微更新"]
    # An invalid filter is ignored and named, as on the site.
    ignored = anon_app.get("/api/v1/projects", {"community": "999999", "status": "finished"})
    assert _titles(ignored) == ["楼道微更新"]
    assert ignored.json()["ignored_filters"] == ["社区"]
    etag = everything["ETag"]
    assert anon_app.get("/api/v1/projects", **{"If-None-Match": etag}).status_code == 304
    assert_problem(anon_app.get("/api/v1/projects", {"limit": 1000}), 400)


def test_project_and_organization_details(world, anon_app):
    project = anon_app.get(f"/api/v1/projects/{world['elderly'].pk}").json()
    assert project["title"] == "独居老人上门探访"
    assert project["organization"]["name"] == "乙志愿服务中心"
    assert project["communities"][0]["id"] == world["grids"][0].community_id
    assert project["url"].startswith("/") and project["url"].endswith(f"/{world['elderly'].slug}/")
    assert_problem(anon_app.get(f"/api/v1/projects/{world['draft'].pk}"), 404)
    organization = anon_app.get(f"/api/v1/organizations/{world['organization'].pk}").json()
    assert sorted(p["title"] for p in organization["projects"]) == [
        "楼道微更新",
        "独居老人上门探访",
    ]
    text = str(organization)
    assert "0532-88886666" not in text and "李明" not in text and "@example.cn" not in text
    filters = anon_app.get("/api/v1/projects/filters").json()
    assert {c["slug"] for c in filters["categories"]} >= {"elderly"}


def test_unverified_organization_is_not_found(world, anon_app, grids):
    pending = builders.make_organization(
        owner=factories.make_user(), communities=[grids[0].community]
    )
    assert_problem(anon_app.get(f"/api/v1/organizations/{pending.pk}"), 404)


def _publish_body(page, body):
    page.body = body
    page.save_revision().publish()


def test_project_body_as_typed_blocks_with_public_links_only(world, anon_app):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    image = get_image_model().objects.create(title="探访现场", file=get_test_image_file())
    _publish_body(
        world["elderly"],
        [
            ("heading", {"text": "活动安排", "level": "h2"}),
            ("paragraph", "<p>每周三上午<b>上门</b>探访。</p>"),
            ("image", {"image": image, "alt_text": "志愿者与老人交谈", "decorative": False}),
            ("quote", {"text": "有人来看看，心里踏实。", "attribution": "王阿姨"}),
            (
                "call_to_action",
                {"title": "楼道微更新", "page": world["stairs"], "button_text": "去看看"},
            ),
            ("call_to_action", {"title": "未发布", "page": world["draft"], "button_text": "看"}),
            (
                "call_to_action",
                {"title": "外部", "url": "https://example.cn/x", "button_text": "看"},
            ),
        ],
    )
    body = anon_app.get(f"/api/v1/projects/{world['elderly'].pk}").json()["body"]
    assert [b["type"] for b in body] == [
        "heading",
        "paragraph",
        "image",
        "quote",
        "call_to_action",
        "call_to_action",
        "call_to_action",
    ]
    assert body[0]["text"] == "活动安排" and body[0]["level"] == "h2"
    assert "<b>上门</b>" in body[1]["html"]
    assert body[2]["alt"] == "志愿者与老人交谈" and ".width-800." in body[2]["url"]
    assert body[2]["width"] > 0 and body[2]["height"] > 0
    assert body[3] == {**body[3], "text": "有人来看看，心里踏实。", "attribution": "王阿姨"}
    assert body[4]["url"].endswith(f"/{world['stairs'].slug}/")
    assert body[5]["url"] is None  # a draft page is not linked
    assert body[6]["url"] == "https://example.cn/x"
    assert all(b["id"] for b in body)


def test_organization_by_id_or_slug_with_its_page(world, anon_app, grids):
    organization = world["organization"]
    page = organization.page
    page.intro = "扎根社区十年。"
    _publish_body(page, [("heading", {"text": "我们做什么", "level": "h3"})])
    by_id = anon_app.get(f"/api/v1/organizations/{organization.pk}")
    assert by_id.status_code == 200, by_id.content
    by_slug = anon_app.get(f"/api/v1/organizations/{page.slug}")
    assert by_slug.status_code == 200, by_slug.content
    assert by_slug.json() == by_id.json()
    document = by_id.json()
    assert document["slug"] == page.slug and document["intro"] == "扎根社区十年。"
    assert document["body"][0]["text"] == "我们做什么"
    text = str(document)
    assert "0532-88886666" not in text and "李明" not in text and "@example.cn" not in text
    assert "credit_code" not in document and organization.credit_code not in text
    assert_problem(anon_app.get("/api/v1/organizations/no-such-organization"), 404)
    assert_problem(anon_app.get("/api/v1/organizations/99999999999"), 404)
    assert_problem(anon_app.get("/api/v1/organizations/bad%20slug"), 400)
    # A suspended organization is not found, by id nor by slug.
    from django.utils import timezone

    type(organization).objects.filter(pk=organization.pk).update(
        status="suspended", suspended_at=timezone.now()
    )
    assert_problem(anon_app.get(f"/api/v1/organizations/{page.slug}"), 404)
    assert_problem(anon_app.get(f"/api/v1/organizations/{organization.pk}"), 404)
