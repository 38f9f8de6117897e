"""Issue 10, item 1: a project is found by what it is about (category, tags, organization,
served communities), in the site search, the project list's keyword box and the admin."""

import pytest

from projects.selectors import FILTER_OPTIONS_CACHE_KEY
from tests.projects import factories as project_factories


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.delete(FILTER_OPTIONS_CACHE_KEY)


@pytest.fixture
def projects(org_a, org_b, grids):
    # Neither title nor summary says 养老: only the category does.
    by_category = project_factories.make_project(
        org_a,
        title="银发午餐送到家",
        summary="每周三为独居老人送午餐。",
        communities=[grids[0].community],
        category_slug="elderly",
    )
    by_tag = project_factories.make_project(
        org_b,
        title="楼道微更新",
        summary="居民一起整理楼道。",
        communities=[grids[4].community],
        category_slug="governance",
    )
    by_tag.tags.add("适老化改造")
    by_tag.save_revision().publish()
    unrelated = project_factories.make_project(
        org_b,
        title="垃圾分类宣传",
        summary="入户讲解垃圾分类。",
        communities=[grids[4].community],
        category_slug="environment",
    )
    return {"by_category": by_category, "by_tag": by_tag, "unrelated": unrelated}


def _site_search(client, q):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    return response


def test_site_search_finds_a_project_by_its_category(client, projects):
    response = _site_search(client, "养老")
    titles = [r.title for r in response.context["page_obj"].object_list]
    assert "银发午餐送到家" in titles
    assert "垃圾分类宣传" not in titles


def test_site_search_finds_a_project_by_tag_organization_and_community(client, projects, grids):
    assert "楼道微更新" in _site_search(client, "适老").content.decode()
    organization_hits = [
        r.title for r in _site_search(client, "乙志愿").context["page_obj"].object_list
    ]
    assert {"楼道微更新", "垃圾分类宣传"} <= set(organization_hits)
    community_hits = [
        r.title
        for r in _site_search(client, grids[0].community.name).context["page_obj"].object_list
    ]
    assert "银发午餐送到家" in community_hits and "垃圾分类宣传" not in community_hits


def test_site_search_shows_a_friendly_type_label(client, projects):
    html = _site_search(client, "养老").content.decode()
    assert '<p class="meta">服务项目</p>' in html


def test_project_list_keyword_box_finds_by_category_and_tag(client, projects, project_index):
    response = client.get(project_index.url, {"q": "养老"})
    assert [p.title for p in response.context["projects"]] == ["银发午餐送到家"]
    response = client.get(project_index.url, {"q": "适老化"})
    assert [p.title for p in response.context["projects"]] == ["楼道微更新"]


def test_admin_search_finds_by_category(client, projects, district_admin):
    client.force_login(district_admin)
    html = client.get("/admin/pages/search/", {"q": "养老"}).content.decode()
    assert "银发午餐送到家" in html and "垃圾分类宣传" not in html


def test_new_tags_are_indexed_on_publish(client, projects):
    project = projects["unrelated"]
    project.tags.add("敬老")
    project.save_revision().publish()
    hits = [r.title for r in _site_search(client, "敬老").context["page_obj"].object_list]
    assert hits == ["垃圾分类宣传"]


def test_search_bigrams_include_the_related_names(projects, grids):
    text = projects["by_category"].search_bigrams
    for piece in ("养老", "甲社", grids[0].community.name[:2]):
        assert piece in text


def test_a_project_save_indexes_it_once_with_its_tags(org_a, grids, monkeypatch):
    """Saving a revision and publishing it writes the index once, after the tags are stored
    (modelsearch's post_save handler, which ran before them and wrote the index on every save,
    is not connected for projects; save_revision's bookkeeping save holds nothing indexed)."""
    from modelsearch.backends.base import BaseSearchBackend

    from portal.search import cjk_bigrams
    from projects.models import ServiceProjectPage

    project = project_factories.make_project(
        org_a, title="银发午餐送到家", communities=[grids[0].community]
    )
    added = []
    real_add = BaseSearchBackend.add
    monkeypatch.setattr(
        BaseSearchBackend, "add", lambda self, obj: added.append(obj.pk) or real_add(self, obj)
    )
    project.tags.add("助餐点")
    project.save_revision().publish()
    assert added.count(project.pk) == 1
    # The index holds what the stored project says, tags included.
    indexed = ServiceProjectPage.objects.search(cjk_bigrams("助餐"))
    assert [p.pk for p in indexed] == [project.pk]


def test_a_deleted_project_leaves_the_search_index(client, projects):
    from wagtail.search.models import IndexEntry

    page = projects["by_tag"]
    assert IndexEntry.objects.filter(object_id=str(page.pk)).exists()
    page.delete()
    assert not IndexEntry.objects.filter(object_id=str(page.pk)).exists()
    assert "楼道微更新" not in _site_search(client, "适老").content.decode()
