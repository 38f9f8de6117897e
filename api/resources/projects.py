"""服务项目 — service projects: the list with the site's filters and Chinese keyword search,
a project, and a verified organization with its projects. Public: no personal data (an
organization's contact person, phone and e-mail stay on the site's review screens)."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.datastructures import MultiValueDict
from ninja import Query, Router, Schema
from pydantic import Field

from api.http import with_etag
from api.pagination import PageParams, page_of, paginate
from api.params import ObjectId
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
    return with_etag(request, ProjectPageOut, result)


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
    }


class OrganizationOut(Schema):
    id: int
    name: str
    org_type: str
    org_type_label: str
    description: str
    street: str | None
    url: str | None
    projects: list[ProjectCardOut]


@router.get("/organizations/{organization_id}", response=OrganizationOut, summary="社会组织详情")
def organization_detail(request, organization_id: ObjectId):
    """A verified organization with a published page, and its live projects (at most 50,
    as on its page)."""
    organization = get_object_or_404(
        Organization.objects.filter(status=Organization.Status.VERIFIED).select_related(
            "street", "page"
        ),
        pk=organization_id,
        page__live=True,
    )
    page: OrganizationPage = organization.page
    context = selectors.organization_page_context(page=page)
    return {
        "id": organization.pk,
        "name": organization.name,
        "org_type": organization.org_type,
        "org_type_label": organization.get_org_type_display(),
        "description": organization.description,
        "street": organization.street.name if organization.street_id else None,
        "url": _url(page),
        "projects": [_card(p) for p in context["projects"]],
    }
