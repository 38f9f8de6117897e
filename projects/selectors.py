"""Reads shared by the public pages and sections, each built to a fixed number of queries."""

from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from wagtail.images import get_image_model
from wagtail.models import Page

from portal.models import Community
from portal.selectors import public_pages
from projects.forms import OrganizationDirectoryFilterSet
from projects.models import (
    Category,
    Organization,
    OrganizationMember,
    OrganizationPage,
    ProjectIndexPage,
    ServiceProjectPage,
    ServiceProjectPageTag,
)

CARD_RENDITION = "fill-480x270"
PAGE_RENDITION = "width-960"
FILTER_OPTIONS_CACHE_KEY = "projects:filter-options"
FILTER_OPTIONS_TIMEOUT = 300
INDEX_PAGE_SIZE = 12
DIRECTORY_PAGE_SIZE = 24
SEARCH_LIMIT = 500


def _renditions(filter_spec: str) -> Prefetch:
    rendition_model = get_image_model().get_rendition_model()
    return Prefetch(
        "cover_image__renditions",
        queryset=rendition_model.objects.filter(filter_spec=filter_spec),
    )


def project_cards() -> QuerySet:
    """Live public projects with what a card shows (organization, category, cover
    rendition)."""
    return (
        # Like Wagtail's public() (a plain path filter), from the cached restriction list.
        public_pages(ServiceProjectPage.objects.live())
        .select_related("category", "organization", "cover_image")
        .prefetch_related(_renditions(CARD_RENDITION))
        .only(
            "title",
            "url_path",
            "path",
            "depth",
            "summary",
            "recruiting_status",
            "start_date",
            "end_date",
            "category__name",
            "category__slug",
            "organization__name",
            "cover_image",
        )
    )


def filter_options() -> dict:
    """Categories, streets with their communities and the most used tags, for the filter
    form. They change rarely, so they are cached for a few minutes."""
    options = cache.get(FILTER_OPTIONS_CACHE_KEY)
    if options is not None:
        return options
    streets: dict[int, dict] = {}
    communities = Community.objects.select_related("street").order_by("street__code", "code")
    for community in communities:
        street = streets.setdefault(
            community.street_id,
            {
                "id": community.street_id,
                "name": community.street.name,
                "communities": [],
            },
        )
        street["communities"].append({"id": community.pk, "name": community.name})
    tags = (
        ServiceProjectPageTag.objects.filter(content_object__live=True)
        .values("tag__name")
        .annotate(n=Count("id"))
        .order_by("-n", "tag__name")[:30]
    )
    options = {
        "categories": [{"slug": c.slug, "name": c.name} for c in Category.objects.all()],
        "streets": list(streets.values()),
        "tags": [row["tag__name"] for row in tags],
        "statuses": list(ServiceProjectPage.RecruitingStatus.choices),
    }
    cache.set(FILTER_OPTIONS_CACHE_KEY, options, FILTER_OPTIONS_TIMEOUT)
    return options


@dataclass
class ProjectFilters:
    q: str = ""
    category: str = ""
    street: int | None = None
    community: int | None = None
    status: str = ""
    tag: str = ""

    @classmethod
    def from_form(cls, form) -> "ProjectFilters":
        """The valid filters of a bound ProjectFilterForm; invalid ones are left out."""
        form.is_valid()
        data = form.cleaned_data
        return cls(
            q=data.get("q") or "",
            category=data.get("category") or "",
            street=data.get("street"),
            community=data.get("community"),
            status=data.get("status") or "",
            tag=(data.get("tag") or "").strip(),
        )

    @property
    def active(self) -> bool:
        return any((self.q, self.category, self.street, self.community, self.status, self.tag))


def project_search_ids(q: str) -> list[int]:
    """Primary keys of live projects matching a keyword (Chinese-aware backend)."""
    results = ServiceProjectPage.objects.live().search(q)[:SEARCH_LIMIT]
    return [page.pk for page in results]


def filter_projects(queryset: QuerySet, filters: ProjectFilters) -> QuerySet:
    through = ServiceProjectPage.service_communities.through
    if filters.category:
        queryset = queryset.filter(category__slug=filters.category)
    if filters.status:
        queryset = queryset.filter(recruiting_status=filters.status)
    if filters.community:
        queryset = queryset.filter(
            Exists(
                through.objects.filter(
                    serviceprojectpage_id=OuterRef("pk"), community_id=filters.community
                )
            )
        )
    elif filters.street:
        queryset = queryset.filter(
            Exists(
                through.objects.filter(
                    serviceprojectpage_id=OuterRef("pk"), community__street_id=filters.street
                )
            )
        )
    if filters.tag:
        queryset = queryset.filter(
            Exists(
                ServiceProjectPageTag.objects.filter(
                    content_object_id=OuterRef("pk"), tag__name=filters.tag
                )
            )
        )
    if filters.q:
        queryset = queryset.filter(pk__in=project_search_ids(filters.q))
    return queryset


def paginate(queryset, number, per_page: int):
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(number or 1)


def project_index_context(*, index: ProjectIndexPage, params) -> dict:
    """The filter form's state; the list itself is project_index_results()."""
    from projects.forms import ProjectFilterForm

    options = filter_options()
    form = ProjectFilterForm(params, options=options)
    filters = ProjectFilters.from_form(form)
    selected_street = filters.street
    if filters.community and not selected_street:
        for street in options["streets"]:
            if any(c["id"] == filters.community for c in street["communities"]):
                selected_street = street["id"]
    return {
        "filters": filters,
        "ignored_filters": form.ignored_labels(),
        "selected_street": selected_street,
        "options": options,
    }


def project_index_results(*, filters: ProjectFilters, number) -> dict:
    """One page of the projects that match `filters`, newest first."""
    projects = filter_projects(project_cards(), filters).order_by("-first_published_at", "-pk")
    # A COUNT plus a slice: on SQLite a window count over the same rows was slower.
    page_obj = paginate(projects, number, INDEX_PAGE_SIZE)
    return {"page_obj": page_obj, "projects": page_obj.object_list}


def page_for_path(index: ProjectIndexPage, path_components: list[str]) -> Page | None:
    """The live organization page or project below the index for a URL, in one query."""
    url_path = index.url_path + "/".join(path_components) + "/"
    if len(path_components) == 1:
        return (
            OrganizationPage.objects.live()
            .select_related("organization")
            .filter(url_path=url_path)
            .first()
        )
    parent_path = index.url_path + path_components[0] + "/"
    return (
        ServiceProjectPage.objects.live()
        .filter(url_path=url_path)
        .filter(Exists(Page.objects.filter(url_path=parent_path, live=True)))
        .select_related("organization", "category", "cover_image")
        .prefetch_related(
            _renditions(PAGE_RENDITION),
            Prefetch(
                "service_communities",
                queryset=Community.objects.select_related("street").order_by("code"),
            ),
            "tags",
        )
        .first()
    )


def project_page_context(*, page: ServiceProjectPage) -> dict:
    communities = list(page.service_communities.select_related("street"))
    organization_url = page.url.rstrip("/").rsplit("/", 1)[0] + "/" if page.url else ""
    return {
        "organization": page.organization,
        "organization_url": organization_url,
        "communities": communities,
        "streets": sorted({c.street.name for c in communities}),
        "project_tags": list(page.tags.all()),
        "index_url": organization_url.rstrip("/").rsplit("/", 1)[0] + "/"
        if organization_url
        else "",
    }


def organization_page_context(*, page: OrganizationPage) -> dict:
    return {"organization": page.organization, "projects": organization_projects(page=page)}


def organization_projects(*, page: OrganizationPage, limit: int = 50) -> list:
    """The organization's live public projects, newest first."""
    if not page.organization_id:
        return []
    projects = project_cards().filter(organization_id=page.organization_id)
    return list(projects.order_by("-first_published_at")[:limit])


def organization_directory(*, params) -> dict:
    """Verified organizations with their page and number of live projects."""
    queryset = (
        Organization.objects.filter(status=Organization.Status.VERIFIED, page__live=True)
        .select_related("street", "page")
        .annotate(project_count=Count("projects", filter=Q(projects__live=True)))
        .only(
            "name",
            "org_type",
            "description",
            "status",
            "street__name",
            "page__url_path",
            "page__title",
        )
        .order_by("name")
    )
    filters = OrganizationDirectoryFilterSet(params, queryset=queryset)
    organizations = filters.qs  # validates the filters; no query until it is read
    return {
        # A function: the list is a cached fragment (projects.views.organization_directory).
        "results": lambda: _organization_page(organizations, params.get("page")),
        "q": filters.chosen("q"),
        "current_type": filters.chosen("type"),
        "types": Organization.Type.choices,
    }


def _organization_page(organizations, number) -> dict:
    page_obj = paginate(organizations, number, DIRECTORY_PAGE_SIZE)
    return {"page_obj": page_obj, "organizations": page_obj.object_list}


def recruiting_projects_near(*, community_id: int | None, limit: int = 6) -> list:
    """Recruiting projects serving a community (the whole district when None)."""
    projects = project_cards().filter(
        recruiting_status=ServiceProjectPage.RecruitingStatus.RECRUITING
    )
    if community_id:
        through = ServiceProjectPage.service_communities.through
        projects = projects.filter(
            Exists(
                through.objects.filter(
                    serviceprojectpage_id=OuterRef("pk"), community_id=community_id
                )
            )
        )
    return list(projects.order_by("-first_published_at", "-pk")[:limit])


def my_organizations(*, user) -> list[OrganizationMember]:
    return list(
        OrganizationMember.objects.filter(user=user)
        .select_related("organization", "organization__page")
        .order_by("organization__name")
    )
