import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.images.tests.utils import get_test_image_file

from portal.models import PortalImage
from projects.models import Organization
from projects.selectors import FILTER_OPTIONS_CACHE_KEY
from tests import factories
from tests.projects import factories as project_factories

MAX_PAGE_QUERIES = 12


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.delete(FILTER_OPTIONS_CACHE_KEY)


@pytest.fixture
def projects(org_a, org_b, grids):
    a1 = project_factories.make_project(
        org_a, title="社区养老服务项目", communities=[grids[0].community], category_slug="elderly"
    )
    a1.tags.add("助老")
    a1.save_revision().publish()
    a2 = project_factories.make_project(
        org_a,
        title="儿童课后托管",
        communities=[grids[0].community],
        category_slug="youth",
        recruiting_status="running",
    )
    b1 = project_factories.make_project(
        org_b, title="垃圾分类宣传", communities=[grids[4].community], category_slug="environment"
    )
    draft = project_factories.make_project(org_b, title="未发布的草稿项目", publish=False)
    return {"a1": a1, "a2": a2, "b1": b1, "draft": draft}


def _titles(response):
    return [p.title for p in response.context["projects"]]


def test_index_lists_live_projects_only(client, projects, project_index):
    response = client.get(project_index.url)
    assert response.status_code == 200
    assert set(_titles(response)) == {"社区养老服务项目", "儿童课后托管", "垃圾分类宣传"}
    assert "未发布的草稿项目" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=elderly", {"社区养老服务项目"}),
        ("status=running", {"儿童课后托管"}),
        ("tag=助老", {"社区养老服务项目"}),
        ("q=养老", {"社区养老服务项目"}),
        ("q=分类", {"垃圾分类宣传"}),
        ("q=养老&category=youth", set()),
        ("status=bogus", {"社区养老服务项目", "儿童课后托管", "垃圾分类宣传"}),
        ("street=notanumber", {"社区养老服务项目", "儿童课后托管", "垃圾分类宣传"}),
    ],
)
def test_index_filters(client, projects, project_index, query, expected):
    response = client.get(f"{project_index.url}?{query}")
    assert response.status_code == 200
    assert set(_titles(response)) == expected


def test_index_filters_by_street_and_community(client, projects, project_index, grids):
    community = grids[4].community
    by_community = client.get(f"{project_index.url}?community={community.pk}")
    assert _titles(by_community) == ["垃圾分类宣传"]
    by_street = client.get(f"{project_index.url}?street={community.street_id}")
    assert _titles(by_street) == ["垃圾分类宣传"]


def test_index_filter_links_are_shareable(client, projects, project_index):
    response = client.get(f"{project_index.url}?category=elderly&page=9")
    # An out-of-range page shows the last page instead of an error.
    assert response.status_code == 200
    assert 'value="elderly" selected' in response.content.decode()


def test_project_page_shows_organization_place_and_slot(client, projects, grids):
    page = projects["a1"]
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "甲社工服务中心" in html and grids[0].community.name in html
    assert "page_sections" in response.context


def test_draft_project_is_not_served(client, projects):
    draft = projects["draft"]
    assert client.get(draft.get_url_parts()[2]).status_code == 404


def test_project_page_under_unpublished_organization_is_not_served(client, projects, org_a):
    org_a.page.unpublish()
    assert client.get(projects["a1"].url).status_code == 404


def test_organization_page_has_verified_badge_and_projects(client, projects, org_a):
    response = client.get(org_a.page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "已认证" in html and "社区养老服务项目" in html


def test_directory_lists_verified_organizations_only(client, projects, project_index, grids):
    project_factories.make_organization(
        owner=factories.make_user(), communities=[grids[0].community]
    )
    response = client.get(reverse("projects:organization_directory"))
    names = [o.name for o in response.context["organizations"]]
    assert names == ["乙志愿服务队", "甲社工服务中心"] or sorted(names) == sorted(
        ["乙志愿服务队", "甲社工服务中心"]
    )
    assert "org" not in response.content.decode().split("<main")[1].split("@")[0][-3:]


def test_directory_hides_contact_details(client, org_a):
    html = client.get(reverse("projects:organization_directory")).content.decode()
    assert org_a.email not in html and org_a.phone not in html
    assert org_a.email not in client.get(org_a.page.url).content.decode()


def test_apply_requires_login(client):
    response = client.get(reverse("projects:organization_apply"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_apply_with_errors_keeps_input(client, resident, project_index):
    client.force_login(resident)
    response = client.post(
        reverse("projects:organization_apply"),
        {"name": "阳光助老服务社", "credit_code": "52370203MA3C1234X9", "phone": "abc"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "阳光助老服务社" in html
    assert "统一社会信用代码" in html and "请输入有效的电话号码" in html
    assert not Organization.objects.exists()


def test_apply_creates_pending_application(client, resident, project_index, grids):
    client.force_login(resident)
    response = client.post(
        reverse("projects:organization_apply"),
        {
            "name": "阳光助老服务社",
            "credit_code": project_factories.credit_code(777).lower(),
            "org_type": "community",
            "street": grids[0].community.street_id,
            "service_communities": [grids[0].community_id, grids[1].community_id],
            "contact_person": "王芳",
            "phone": "0532-88886666",
            "email": "sun@example.cn",
            "description": "为老人提供助餐、助洁服务。",
        },
    )
    assert response.status_code == 302
    organization = Organization.objects.get()
    assert organization.status == "pending" and organization.applicant == resident
    assert organization.credit_code == project_factories.credit_code(777)
    account = client.get(reverse("account_home")).content.decode()
    assert "阳光助老服务社" in account and "待审核" in account


def test_owner_invites_editor_and_strangers_cannot(client, org_a, resident):
    owner = org_a.memberships.get().user
    url = reverse("projects:organization_members", args=[org_a.pk])
    client.force_login(resident)
    assert client.get(url).status_code == 404
    client.force_login(owner)
    response = client.post(url, {"email": "not-an-email"})
    assert response.status_code == 200 and "not-an-email" in response.content.decode()
    response = client.post(url, {"email": "helper@example.cn"})
    assert response.status_code == 302
    assert org_a.invitations.filter(email="helper@example.cn").exists()


def test_invitation_accept_flow(client, org_a):
    owner = org_a.memberships.get().user
    invitee = factories.make_user(email="helper2@example.cn")
    from projects import services

    invitation = services.organization_invite_editor(
        organization=org_a, by=owner, email="helper2@example.cn"
    )
    EmailAddress.objects.create(
        user=invitee, email="helper2@example.cn", verified=True, primary=True
    )
    url = reverse("projects:invitation_accept", args=[invitation.token])
    client.force_login(invitee)
    assert client.post(url).status_code == 302
    assert org_a.memberships.filter(user=invitee, role="editor").exists()


def test_invitation_cannot_be_taken_over_with_an_unverified_address(client, org_a):
    """Issue 9, finding 3: someone signs up with the invited address and never verifies it."""
    owner = org_a.memberships.get().user
    from projects import services

    invitation = services.organization_invite_editor(
        organization=org_a, by=owner, email="invited@example.cn"
    )
    client.post(
        reverse("account_signup"),
        {
            "email": "invited@example.cn",
            "password1": "a-Long-passw0rd-2026",
            "password2": "a-Long-passw0rd-2026",
            "display_name": "冒名者",
            "privacy_consent": "on",
        },
    )
    squatter = factories.User.objects.get(email="invited@example.cn")
    assert not EmailAddress.objects.filter(user=squatter, verified=True).exists()
    client.force_login(squatter)
    url = reverse("projects:invitation_accept", args=[invitation.token])
    page = client.get(url).content.decode()
    assert "请先验证邮箱" in page and ">接受邀请</button>" not in page
    response = client.post(url)
    assert response.status_code == 200
    assert "接受邀请前，请先验证您的邮箱" in response.content.decode()
    assert not org_a.memberships.filter(user=squatter).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not squatter.groups.filter(pk=org_a.group_id).exists()
    # Once the address is confirmed, the same account may accept.
    EmailAddress.objects.update_or_create(
        user=squatter, email="invited@example.cn", defaults={"verified": True, "primary": True}
    )
    assert client.post(url).status_code == 302
    assert org_a.memberships.filter(user=squatter, role="editor").exists()


@pytest.mark.parametrize(
    "query",
    [
        "community=9999999999999999999999999",
        "street=abc",
        "street=-1",
        "community=1.5",
        "category=%00",
        "status=nonsense",
        "q=%E5%85%BB%00",
        "tag=" + "长" * 300,
        "page=99999999999999999999999",
        "community=1&community=9999999999999999999999999",
    ],
)
def test_index_ignores_bad_filters_without_error(client, projects, project_index, query):
    """Issue 9, finding 7: an id from the query string never gives a 500."""
    response = client.get(project_index.url + "?" + query)
    if "%00" in query:  # a NUL character: the site-wide 400 page (portal NullCharacterMiddleware)
        assert response.status_code == 400
        return
    assert response.status_code == 200
    html = response.content.decode()
    if not query.startswith(("page=", "tag=")):
        assert "已忽略" in html


def test_index_names_the_ignored_filter_and_keeps_the_good_ones(client, projects, project_index):
    response = client.get(project_index.url, {"community": "9" * 25, "category": "youth"})
    html = response.content.decode()
    assert "筛选条件“社区”的值无效，已忽略。" in html
    assert _titles(response) == ["儿童课后托管"]


def test_home_section_shows_recruiting_projects(client, projects, resident, home_page):
    html = client.get(home_page.url).content.decode()
    assert "正在招募的服务项目" in html and "社区养老服务项目" in html
    client.force_login(resident)
    html = client.get(home_page.url).content.decode()
    assert "我身边正在招募的项目" in html and "社区养老服务项目" in html
    assert "垃圾分类宣传" not in html


@override_settings(PAGE_CACHE_ENABLED=False)
def test_home_section_shows_a_project_as_soon_as_it_is_published(
    client, org_a, grids, resident, home_page
):
    """The section is a cached fragment per community (portal.fragments): publishing a
    project purges it, for visitors and for the residents of each community."""
    project_factories.make_project(
        org_a, title="社区养老服务项目", communities=[grids[0].community]
    )
    client.get(home_page.url)
    client.force_login(resident)
    client.get(home_page.url)
    project_factories.make_project(org_a, title="邻里互助食堂", communities=[grids[0].community])
    assert "邻里互助食堂" in client.get(home_page.url).content.decode()
    client.logout()
    assert "邻里互助食堂" in client.get(home_page.url).content.decode()


@override_settings(PAGE_CACHE_ENABLED=False)
def test_index_list_is_shared_and_fresh_after_each_change(
    client, projects, project_index, org_a, grids, resident, django_assert_max_num_queries
):
    """The list under the filters is a fragment shared by everyone with the same query
    string, signed in or not, and rendered again when a project is published or
    unpublished or an organization changes."""
    url = project_index.url + "?category=elderly"
    assert "邻里互助食堂" not in client.get(url).content.decode()
    project = project_factories.make_project(
        org_a, title="邻里互助食堂", communities=[grids[0].community], category_slug="elderly"
    )
    assert "邻里互助食堂" in client.get(url).content.decode()
    client.force_login(resident)
    client.get(url)
    with django_assert_max_num_queries(8) as captured:
        assert "邻里互助食堂" in client.get(url).content.decode()
    assert not [q for q in captured.captured_queries if "serviceprojectpage" in q["sql"]]
    project.unpublish()
    assert "邻里互助食堂" not in client.get(url).content.decode()
    org_a.name = "新名字的社会组织"
    org_a.save()
    assert "新名字的社会组织" in client.get(url).content.decode()


# Query counts with many rows: the pages must not grow with the data.


@pytest.fixture
def many_projects(org_a, org_b, grids):
    image = PortalImage.objects.create(title="封面", file=get_test_image_file())
    created = []
    # 14 projects: more than one index page (12), each tagged, with a cover and communities.
    for org in (org_a, org_b):
        for i in range(7):
            project = project_factories.make_project(
                org,
                title=f"{org.name}项目{i}",
                communities=[grids[0].community, grids[4].community],
                cover_image=image,
                category_slug=["elderly", "youth", "health"][i % 3],
                tags=("助老", f"标签{i % 4}"),
            )
            created.append(project)
    return created


INDEX_QUERIES = ["", "?category=elderly", "?street=1&status=recruiting", "?tag=助老", "?q=项目"]


def _count_queries(client, url) -> int:
    client.get(url)  # warm the caches (site root paths, filter options, renditions)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", INDEX_QUERIES)
def test_index_query_count(
    client, many_projects, project_index, django_assert_max_num_queries, query
):
    client.get(project_index.url + query)
    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        response = client.get(project_index.url + query)
    assert response.status_code == 200


def test_project_page_query_count(client, many_projects, django_assert_max_num_queries):
    url = many_projects[-1].url
    client.get(url)
    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200


def test_logged_in_query_counts_do_not_grow_with_data(
    client, org_a, grids, resident, project_index
):
    """Logged in, the base template adds the session, user, notifications and user bar
    queries; the page's own share stays the same however many projects there are."""
    client.force_login(resident)
    first = project_factories.make_project(org_a, communities=[grids[0].community])
    small = [_count_queries(client, project_index.url + q) for q in INDEX_QUERIES]
    small_page = _count_queries(client, first.url)
    for i in range(20):
        project = project_factories.make_project(
            org_a, communities=[grids[0].community, grids[1].community]
        )
        project.tags.add(f"标签{i}")
        project.save_revision().publish()
    large = [_count_queries(client, project_index.url + q) for q in INDEX_QUERIES]
    assert large == small
    assert _count_queries(client, first.url) == small_page


def test_organization_pages_query_count(
    client, many_projects, org_a, django_assert_max_num_queries
):
    client.get(org_a.page.url)
    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        assert client.get(org_a.page.url).status_code == 200
    directory = reverse("projects:organization_directory")
    client.get(directory)
    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        assert client.get(directory).status_code == 200
