"""Bench data for 创益工场: 500 organizations and 3,000 projects (times ctx.scale), written
in bulk with treebeard paths computed here instead of one add_child() per page."""

import datetime

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.models import Community, Street, User
from projects.demo import PROJECT_TEMPLATES, TAGS, project_index
from projects.models import (
    Category,
    Organization,
    OrganizationPage,
    ServiceProjectPage,
)
from projects.selectors import FILTER_OPTIONS_CACHE_KEY
from projects.validators import CREDIT_CODE_CHARSET, credit_code_check_character

ORGANIZATIONS = 500
PROJECTS = 3000
_state: dict = {}


def _code(n: int) -> str:
    body = ""
    value = 500_000 + n
    for _i in range(9):
        body = CREDIT_CODE_CHARSET[value % 31] + body
        value //= 31
    first17 = "52370203" + body
    return first17 + credit_code_check_character(first17)


def _path(parent_path: str, position: int) -> str:
    # treebeard MP_Node: 4 base-36 characters per level.
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    digits = ""
    value = position
    for _i in range(4):
        digits = alphabet[value % 36] + digits
        value //= 36
    return parent_path + digits


@transaction.atomic
def generate(ctx) -> None:
    rng = ctx.rng
    index = project_index(ctx)
    index.refresh_from_db()
    n_orgs = max(int(ORGANIZATIONS * ctx.scale), 1)
    n_projects = max(int(PROJECTS * ctx.scale), 1)
    communities = list(Community.objects.order_by("code"))
    streets = {s.pk: s for s in Street.objects.all()}
    categories = {c.slug: c for c in Category.objects.all()}
    admin = User.objects.filter(is_superuser=True).first()
    now = timezone.now()

    organizations = []
    for i in range(n_orgs):
        community = communities[i % len(communities)]
        organizations.append(
            Organization(
                name=f"压测社会组织{i:04d}",
                credit_code=_code(i),
                org_type=Organization.Type.COMMUNITY,
                contact_person="压测",
                phone="0532-80000000",
                email=f"bench-org{i}@example.cn",
                description="用于性能测试的社会组织。",
                street=streets[community.street_id],
                status=Organization.Status.VERIFIED,
                reviewed_by=admin,
                reviewed_at=now,
            )
        )
    Organization.objects.bulk_create(organizations, batch_size=500)
    through = Organization.service_communities.through
    through.objects.bulk_create(
        [
            through(organization_id=o.pk, community_id=communities[i % len(communities)].pk)
            for i, o in enumerate(organizations)
        ],
        batch_size=1000,
    )

    # Pages go through add_child() (treebeard keeps paths and counts right); no revisions.
    org_pages = []
    for i, organization in enumerate(organizations):
        page = OrganizationPage(
            title=organization.name,
            slug=f"bench-org-{i}",
            live=True,
            first_published_at=now,
            last_published_at=now,
            organization=organization,
            intro=organization.description,
        )
        index.add_child(instance=page)
        org_pages.append(page)

    projects, project_communities = [], []
    keys = list(PROJECT_TEMPLATES)
    for j in range(n_projects):
        o = j % n_orgs
        organization, org_page = organizations[o], org_pages[o]
        key = keys[j % len(keys)]
        title, summary = PROJECT_TEMPLATES[key][j % len(PROJECT_TEMPLATES[key])]
        start = timezone.localdate() + datetime.timedelta(days=rng.randint(-90, 90))
        project = ServiceProjectPage(
            title=f"{title}（压测{j}）",
            slug=f"bench-project-{j}",
            live=True,
            first_published_at=now - datetime.timedelta(minutes=j),
            last_published_at=now,
            organization=organization,
            summary=summary,
            category=categories[key],
            recruiting_status=rng.choice(
                ["recruiting", "recruiting", "running", "preparing", "finished"]
            ),
            start_date=start,
            end_date=start + datetime.timedelta(days=60),
            place="社区党群服务中心",
            beneficiaries="辖区居民",
            body=[{"type": "paragraph", "value": f"<p>{summary}</p>"}],
        )
        org_page.add_child(instance=project)
        projects.append(project)
    project_through = ServiceProjectPage.service_communities.through
    for j, project in enumerate(projects):
        community = communities[(j * 7) % len(communities)]
        project_communities.append(
            project_through(serviceprojectpage_id=project.pk, community_id=community.pk)
        )
    project_through.objects.bulk_create(project_communities, batch_size=1000)
    from taggit.models import Tag

    from projects.models import ServiceProjectPageTag

    tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
    ServiceProjectPageTag.objects.bulk_create(
        [
            ServiceProjectPageTag(content_object_id=p.pk, tag=tags[j % len(tags)])
            for j, p in enumerate(projects)
        ],
        batch_size=1000,
    )
    cache.delete(FILTER_OPTIONS_CACHE_KEY)
    _state.update(
        index_url=index.url_path,
        project_url=projects[len(projects) // 2].url_path,
        org_url=org_pages[0].url_path,
    )
    ctx.log(f"  projects: {n_orgs} organizations, {n_projects} projects (bench)")


def _public_url(url_path: str) -> str:
    # url_path starts with the site root page's path ("/home/..."); strip its first part.
    parts = url_path.strip("/").split("/")
    return "/" + "/".join(parts[1:]) + "/"


def bench_urls() -> list[tuple[str, str]]:
    index = _state.get("index_url")
    if index is None:
        page = ServiceProjectPage.objects.live().order_by("pk").last()
        org = OrganizationPage.objects.live().order_by("pk").last()
        from projects.models import ProjectIndexPage

        idx = ProjectIndexPage.objects.first()
        if page is None or org is None or idx is None:
            return []
        _state.update(index_url=idx.url_path, project_url=page.url_path, org_url=org.url_path)
    index_url = _public_url(_state["index_url"])
    return [
        ("project index", index_url),
        ("project index, filtered", index_url + "?category=elderly&status=recruiting&tag=助老"),
        ("project page", _public_url(_state["project_url"])),
        ("organization directory", reverse("projects:organization_directory")),
        ("organization page", _public_url(_state["org_url"])),
    ]
