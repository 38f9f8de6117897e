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
