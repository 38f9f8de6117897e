from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelsearch.tasks import insert_or_update_object_task
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.models.pages import COMMENTS_RELATION_NAME
from wagtail.search import index
from wagtail.url_routing import RouteResult

from portal.blocks import BaseStreamBlock
from portal.fragments import cached_fragment
from portal.models import SearchableMixin, ViewRestrictionsMixin
from portal.page_cache import CLOCK_TTL
from portal.search import cjk_bigrams
from portal.sections import render_hook_sections
from projects.permissions import CommunityScopedPagePermissionTester
from projects.widgets import CommunityPickerWidget, ProjectTagWidget


class ProjectIndexPage(ViewRestrictionsMixin, SearchableMixin, Page):
    """创益工场 — the list of service projects, with filters and keyword search. Its
    children are the verified organizations' pages."""

    intro = models.TextField(_("导语"), blank=True)

    search_fields = Page.search_fields + SearchableMixin.bigram_search_fields()
    search_bigram_fields = ("title", "intro")

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["portal.HomePage"]
    subpage_types = ["projects.OrganizationPage"]
    max_count = 1

    search_type_label = _("栏目")

    class Meta:
        verbose_name = _("项目列表页")

    def route(self, request, path_components):
        # Resolve /<organization>/<project>/ with one query instead of two per level.
        if len(path_components) in (1, 2):
            from projects import selectors

            page = selectors.page_for_path(self, path_components)
            if page is None:
                raise Http404
            return RouteResult(page)
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        from projects import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.project_index_context(index=self, params=request.GET))

        def render_results() -> str:
            results = selectors.project_index_results(
                filters=context["filters"], number=request.GET.get("page")
            )
            return render_to_string(
                "projects/includes/project_index_results.html", {"request": request, **results}
            )

        # The list is the same for everyone with the same query string, signed in or not:
        # kept until a page is published or moved ("site") or an organization or category
        # changes ("projects"), CLOCK_TTL seconds at most like the page itself.
        context["results"] = mark_safe(
            cached_fragment(
                "project-index",
                render_results,
                tags=("projects",),
                vary=sorted(request.GET.lists()),
                ttl=CLOCK_TTL,
            )
        )
        return context


class OrganizationPage(ViewRestrictionsMixin, SearchableMixin, Page):
    """A verified organization's public page; created automatically on verification. The
    organization's group may add and edit project pages below it, never publish."""

    organization = models.OneToOneField(
        "projects.Organization",
        verbose_name=_("社会组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="page",
    )
    intro = models.TextField(_("简介"), blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name=_("正文"), blank=True)

    search_fields = (
        Page.search_fields
        + [index.SearchField("intro"), index.SearchField("body")]
        + SearchableMixin.bigram_search_fields()
    )
    search_bigram_fields = ("title", "intro", "body")

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]

    parent_page_types = ["projects.ProjectIndexPage"]
    subpage_types = ["projects.ServiceProjectPage"]
    exclude_fields_in_copy = ["organization"]

    search_type_label = _("社会组织")

    class Meta:
        verbose_name = _("社会组织页面")

    def permissions_for_user(self, user):
        return CommunityScopedPagePermissionTester(user, self)

    def get_context(self, request, *args, **kwargs):
        from projects import selectors

        context = super().get_context(request, *args, **kwargs)
        context["organization"] = self.organization

        def render_projects() -> str:
            return render_to_string(
                "projects/includes/organization_projects.html",
                {"request": request, "projects": selectors.organization_projects(page=self)},
            )

        # The same for everyone: kept until a page is published or moved ("site") or an
        # organization or category changes ("projects"), CLOCK_TTL seconds at most.
        context["projects_html"] = mark_safe(
            cached_fragment(
                "organization-projects",
                render_projects,
                tags=("projects",),
                vary=(self.pk,),
                ttl=CLOCK_TTL,
            )
        )
        return context


class ServiceProjectPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "projects.ServiceProjectPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


# What Wagtail's save_revision() saves alone: nothing of it is in the search index.
REVISION_BOOKKEEPING = frozenset(
    {
        COMMENTS_RELATION_NAME,
        "latest_revision_created_at",
        "draft_title",
        "latest_revision",
        "has_unpublished_changes",
    }
)


class ServiceProjectPage(ViewRestrictionsMixin, SearchableMixin, Page):
    """服务项目 — a service project of an organization. NGO editors write it; community
    staff approve it through the "项目审核" workflow before it is published."""

    class RecruitingStatus(models.TextChoices):
        PREPARING = "preparing", _("筹备中")
        RECRUITING = "recruiting", _("招募中")
        RUNNING = "running", _("进行中")
        FINISHED = "finished", _("已结束")

    # Copied from the parent OrganizationPage on save, so lists filter without joins.
    organization = models.ForeignKey(
        "projects.Organization",
        verbose_name=_("社会组织"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    summary = models.TextField(_("摘要"), max_length=300, help_text=_("在列表中显示，300字以内。"))
    body = StreamField(BaseStreamBlock(), verbose_name=_("正文"), blank=True)
    cover_image = models.ForeignKey(
        "portal.PortalImage",
        verbose_name=_("封面图"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    category = models.ForeignKey(
        "projects.Category",
        verbose_name=_("类别"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    tags = ClusterTaggableManager(through=ServiceProjectPageTag, blank=True, verbose_name=_("标签"))
    service_communities = ParentalManyToManyField(
        "portal.Community", verbose_name=_("服务社区"), blank=True, related_name="projects"
    )
    beneficiaries = models.CharField(
        _("服务对象"), max_length=200, blank=True, help_text=_("例如：辖区60岁以上独居老人。")
    )
    place = models.CharField(_("服务地点"), max_length=200, blank=True)
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    recruiting_status = models.CharField(
        _("招募状态"),
        max_length=20,
        choices=RecruitingStatus.choices,
        default=RecruitingStatus.PREPARING,
        db_index=True,
    )

    search_fields = (
        Page.search_fields
        + [
            index.SearchField("summary"),
            index.SearchField("body"),
            index.FilterField("recruiting_status"),
            index.FilterField("category"),
            index.FilterField("organization"),
        ]
        + SearchableMixin.bigram_search_fields()
    )
    search_bigram_fields = ("title", "summary", "beneficiaries", "place", "body")

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("cover_image"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("category"), FieldPanel("recruiting_status")]),
                FieldPanel(
                    "tags",
                    widget=ProjectTagWidget,
                    help_text=_("用逗号分隔多个标签，例如：助老，助餐。居民可以按标签筛选和搜索。"),
                ),
                FieldPanel(
                    "service_communities",
                    widget=CommunityPickerWidget,
                    help_text=_(
                        "勾选项目服务的社区（可多选），可按名称搜索；由这些社区的工作人员审核。"
                    ),
                ),
                FieldPanel("beneficiaries"),
                FieldPanel("place"),
                FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
            ],
            _("项目信息"),
        ),
        FieldPanel("body"),
    ]

    parent_page_types = ["projects.OrganizationPage"]
    subpage_types = []
    search_type_label = _("服务项目")

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="project_end_after_start",
            ),
        ]

    def clean(self):
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("结束日期不能早于开始日期。")})

    def save(self, *args, **kwargs):
        # Follow the parent organization page (also after a move by staff).
        if self.path and self.depth and self.depth > 1:
            parent_path = self.path[: -self.steplen]
            organization_id = (
                OrganizationPage.objects.filter(path=parent_path)
                .values_list("organization_id", flat=True)
                .first()
            )
            if organization_id is not None:
                self.organization_id = organization_id
        self.__dict__.pop("_search_related_bigrams", None)
        result = super().save(*args, **kwargs)
        # Indexed here, once, not on post_save (search_auto_update is off: see below): post_save
        # comes before modelcluster has stored the tags and service communities that
        # search_bigrams reads, so with the immediate task backend that write missed them and
        # every save indexed the project twice.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or not set(update_fields) <= REVISION_BOOKKEEPING:
            insert_or_update_object_task.enqueue(
                self._meta.app_label, self._meta.model_name, str(self.pk)
            )
        return result

    # modelsearch connects no post_save (nor post_delete) handler for projects: save() above
    # indexes after the related rows are stored, and a deleted project leaves the index
    # through the handler of Page, whose row goes with it.
    search_auto_update = False

    @property
    def search_bigrams(self) -> str:
        return " ".join(
            part for part in (super().search_bigrams, self._search_related_bigrams) if part
        )

    @cached_property
    def _search_related_bigrams(self) -> str:
        # Residents search by what a project is about, not only by its own words: the
        # category (养老服务), the tags, the organization and the communities it serves.
        # Read once per indexing (the backend asks for search_bigrams five times: title,
        # body and autocomplete of two fields); save() forgets it.
        related = []
        if self.category_id and self.category:
            related.append(self.category.name)
        related.extend(tag.name for tag in self.tags.all())
        if self.organization_id and self.organization:
            related.append(self.organization.name)
        related.extend(community.name for community in self.service_communities.all())
        return cjk_bigrams(" ".join(related))

    def permissions_for_user(self, user):
        return CommunityScopedPagePermissionTester(user, self)

    def get_context(self, request, *args, **kwargs):
        from projects import selectors

        context = super().get_context(request, *args, **kwargs)

        def render_article() -> str:
            return render_to_string(
                "projects/includes/project_article.html",
                {"request": request, "page": self, **selectors.project_page_context(page=self)},
            )

        if getattr(request, "is_preview", False):
            article = render_article()
        else:
            # The same for everyone: kept until a page is published or moved ("site") or
            # an organization or category changes ("projects").
            article = cached_fragment(
                "project-page", render_article, tags=("projects",), vary=(self.pk,)
            )
        context["article_html"] = mark_safe(article)
        # Other apps add to the page through this hook (volunteers: the project's activities).
        context["page_sections"] = render_hook_sections(
            "projects_project_page_sections", request, page=self
        )
        return context
