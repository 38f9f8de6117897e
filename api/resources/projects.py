"""服务项目 — service projects: the list with the site's filters and Chinese keyword search,
a project, and a verified organization with its projects. Public: no personal data (an
organization's contact person, phone and e-mail stay on the site's review screens). Page
bodies are typed blocks (api.content)."""

from __future__ import annotations

import datetime
from typing import Annotated

from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.datastructures import MultiValueDict
from ninja import Path, Query, Router, Schema
from pydantic import Field

from api import content
from api.http import shared_list, with_etag
from api.pagination import PageParams, page_of, paginate
from api.params import MAX_ID, ObjectId
from portal import page_cache
from portal.models import Community
from portal.selectors import public_pages
from projects import selectors
from projects.models import Organization, OrganizationPage, ServiceProjectPage

router = Router(tags=["服务项目"])


class CategoryOut(Schema):
    slug: str
    name: str


class OrganizationRefOut(Schema):
    id: int
    name: str


class ProjectCardOut(Schema):
    id: int
    title: str
    summary: str
    url: str = Field(..., description="网站上的页面")
    recruiting_status: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    category: CategoryOut | None
    organization: OrganizationRefOut | None
    cover_url: str | None = Field(None, description="封面图（480×270）")


def _cover_url(page) -> str | None:
    if not page.cover_image_id:
        return None
    renditions = list(page.cover_image.renditions.all())
    return renditions[0].url if renditions else None


def _card(page) -> dict:
    return {
        "id": page.pk,
        "title": page.title,
        "summary": page.summary,
        "url": _url(page),
        "recruiting_status": page.recruiting_status,
        "start_date": page.start_date,
        "end_date": page.end_date,
        "category": {"slug": page.category.slug, "name": page.category.name}
        if page.category_id
        else None,
        "organization": {"id": page.organization_id, "name": page.organization.name}
        if page.organization_id
        else None,
        "cover_url": _cover_url(page),
    }


def _url(page) -> str:
    # The site's URL without a query per page: Wagtail's url_path minus the site root's.
    root = _root_path()
    path = page.url_path
    return "/" + path[len(root) :] if root and path.startswith(root) else path


def _root_path() -> str:
    from django.core.cache import cache
    from wagtail.models import Site

    key = "api:site-root-path"
    root = cache.get(key)
    if root is None:
        site = Site.objects.select_related("root_page").filter(is_default_site=True).first()
        root = site.root_page.url_path if site else ""
        cache.set(key, root, 300)
    return root


class FilterParams(Schema):
    q: str = Field("", max_length=200, description="关键词（中文分词搜索）")
    category: str = Field("", max_length=100, description="类别的 slug")
    street: str = Field("", max_length=30, description="街道编号")
    community: str = Field("", max_length=30, description="社区编号")
    status: str = Field("", max_length=30, description="招募状态")
    tag: str = Field("", max_length=100)


class ProjectPageOut(page_of(ProjectCardOut)):
    ignored_filters: list[str] = Field(
        ..., description="值无效、因而没有使用的筛选条件（与网站相同）"
    )


@router.get("/projects", response={200: ProjectPageOut, 304: None}, summary="服务项目列表")
def project_list(request, page: Query[PageParams], filters: Query[FilterParams]):
    """The project index's filters: the site's filter form reads them, an invalid one is
    ignored and named in `ignored_filters`; the keyword is searched as on the site."""
    page_cache.depends_on(request, "projects")
    return shared_list(
        request, ProjectPageOut, lambda: _project_page(page, filters), tags=["projects"]
    )


def _project_page(page: PageParams, filters: FilterParams) -> dict:
    from projects.forms import ProjectFilterForm

    options = selectors.filter_options()
    data = MultiValueDict({k: [v] for k, v in filters.dict().items() if v})
    form = ProjectFilterForm(data, options=options)
    chosen = selectors.ProjectFilters.from_form(form)
    projects = selectors.filter_projects(selectors.project_cards(), chosen).order_by(
        "-first_published_at", "-pk"
    )
    result = paginate(projects, page)
    result["items"] = [_card(p) for p in result["items"]]
    result["ignored_filters"] = form.ignored_labels()
    return result


class CommunityOut(Schema):
    id: int
    name: str
    street: str


class FilterOptionsOut(Schema):
    categories: list[CategoryOut]
    streets: list[dict]
    tags: list[str]
    statuses: list[list[str]]


@router.get(
    "/projects/filters", response={200: FilterOptionsOut, 304: None}, summary="筛选条件选项"
)
def project_filters(request):
    page_cache.depends_on(request, "projects")
    options = selectors.filter_options()
    return with_etag(
        request,
        FilterOptionsOut,
        {
            **options,
            "statuses": [[value, str(label)] for value, label in options["statuses"]],
        },
    )


class ProjectOut(ProjectCardOut):
    beneficiaries: str
    place: str
    communities: list[CommunityOut]
    streets: list[str]
    tags: list[str]
    first_published_at: datetime.datetime | None
    body: list[content.BlockOut] = Field(..., description="正文（与网站页面相同的内容块）")


@router.get("/projects/{project_id}", response=ProjectOut, summary="服务项目详情")
def project_detail(request, project_id: ObjectId):
    page = get_object_or_404(
        public_pages(ServiceProjectPage.objects.live())
        .select_related("organization", "category", "cover_image")
        .prefetch_related(
            selectors._renditions(selectors.CARD_RENDITION),
            Prefetch(
                "service_communities",
                queryset=Community.objects.select_related("street").order_by("code"),
            ),
            "tags",
        ),
        pk=project_id,
    )
    communities = list(page.service_communities.all())
    return {
        **_card(page),
        "beneficiaries": page.beneficiaries,
        "place": page.place,
        "communities": [{"id": c.pk, "name": c.name, "street": c.street.name} for c in communities],
        "streets": sorted({c.street.name for c in communities}),
        "tags": [t.name for t in page.tags.all()],
        "first_published_at": page.first_published_at,
        "body": content.blocks(page.body),
    }


class OrganizationOut(Schema):
    id: int
    slug: str = Field(..., description="组织页面的网址名（也可用来查找）")
    name: str
    org_type: str
    org_type_label: str
    description: str
    street: str | None
    url: str | None
    intro: str
    body: list[content.BlockOut] = Field(..., description="组织页面的正文")
    projects: list[ProjectCardOut]


OrganizationKey = Annotated[
    str,
    Path(
        ...,
        min_length=1,
        max_length=255,
        pattern=r"^[\w-]+$",
        description="组织编号，或组织页面的网址名（slug）",
    ),
]


def _organization_page(key: str) -> OrganizationPage:
    """The live public page of a verified organization, by the organization's id or the
    page's slug (an id wins over a slug made of digits)."""
    match = Q(slug=key)
    number = int(key) if key.isascii() and key.isdigit() else None
    if number is not None and 1 <= number <= MAX_ID:
        match |= Q(organization_id=number)
    pages = (
        public_pages(OrganizationPage.objects.live())
        .filter(match, organization__status=Organization.Status.VERIFIED)
        .select_related("organization", "organization__street")
        .order_by("path")
    )
    found = list(pages[:2])
    for page in found:
        if page.organization_id == number:
            return page
    if not found:
        raise Http404
    return found[0]


@router.get("/organizations/{organization}", response=OrganizationOut, summary="社会组织详情")
def organization_detail(request, organization: OrganizationKey):
    """A verified organization with a published page (by id or by the page's slug): what its
    page and the directory show, and its live projects (at most 50, as on its page)."""
    page = _organization_page(organization)
    found: Organization = page.organization
    context = selectors.organization_page_context(page=page)
    return {
        "id": found.pk,
        "slug": page.slug,
        "name": found.name,
        "org_type": found.org_type,
        "org_type_label": found.get_org_type_display(),
        "description": found.description,
        "street": found.street.name if found.street_id else None,
        "url": _url(page),
        "intro": page.intro,
        "body": content.blocks(page.body),
        "projects": [_card(p) for p in context["projects"]],
    }
