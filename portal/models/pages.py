from django.core.paginator import Paginator
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from portal.blocks import BaseStreamBlock, StatBlock
from portal.fragments import cached_fragment
from portal.page_cache import DEFAULT_TTL
from portal.search import cjk_bigrams
from portal.sections import render_home_sections


class ViewRestrictionsMixin:
    """Wagtail checks a page's view restrictions (login, password, groups) on every view
    with two queries (the page's ancestors, then their restrictions). A page that neither
    it nor an ancestor restricts needs neither: the restricted paths are cached until a
    restriction changes (portal.selectors.restricted_page_paths). Aliases take their source
    page's restrictions, so while any alias exists Wagtail's own check runs."""

    def get_view_restrictions(self):
        from wagtail.models import PageViewRestriction

        from portal.selectors import alias_pages_exist, restricted_page_paths

        restricted = any(self.path.startswith(path) for path in restricted_page_paths())
        if not restricted and not alias_pages_exist():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


class SearchableMixin:
    """Adds the two-character pieces of a page's text to the search index, so that Chinese
    words are found inside longer text (see portal.search). List the fields to split in
    `search_bigram_fields`; StreamFields and rich text are reduced to their plain text."""

    search_bigram_fields: tuple[str, ...] = ("title",)

    @property
    def search_bigrams(self) -> str:
        texts = []
        for name in self.search_bigram_fields:
            value = getattr(self, name, None)
            if not value:
                continue
            field = self._meta.get_field(name)
            if isinstance(field, StreamField):
                texts.extend(field.get_searchable_content(value))
            else:
                texts.append(strip_tags(str(value)))
        return cjk_bigrams(" ".join(texts))

    @classmethod
    def bigram_search_fields(cls):
        return [
            index.SearchField("search_bigrams", boost=2),
            index.AutocompleteField("search_bigrams"),
        ]


class HomePage(ViewRestrictionsMixin, SearchableMixin, Page):
    """The portal's front page: a hero, the district in numbers, and sections that the
    other apps contribute (open surveys, recruiting projects, volunteer activity)."""

    hero_title = models.CharField(_("主标题"), max_length=100, default="共建共治共享")
    hero_text = models.TextField(_("导语"), blank=True)
    hero_image = models.ForeignKey(
        "portal.PortalImage",
        verbose_name=_("主图"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    stats = StreamField(
        [("stat", StatBlock())], verbose_name=_("数字市北"), blank=True, use_json_field=True
    )
    body = StreamField(BaseStreamBlock(), verbose_name=_("正文"), blank=True)

    search_fields = Page.search_fields + SearchableMixin.bigram_search_fields()
    search_bigram_fields = ("title", "hero_text")

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("hero_title"), FieldPanel("hero_text"), FieldPanel("hero_image")],
            _("首屏"),
        ),
        FieldPanel("stats"),
        FieldPanel("body"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    search_type_label = _("首页")  # shown in site search results

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        from portal.selectors import public_pages

        context = super().get_context(request, *args, **kwargs)

        def render_latest_news() -> str:
            latest_news = (
                public_pages(NewsPage.objects.live())
                .only("title", "url_path", "date", "summary")
                .order_by("-date", "-pk")[:4]
            )
            # For the "more news" link (on a phone the home page shows fewer cards).
            news_index = NewsIndexPage.objects.live().only("url_path").first()
            return render_to_string(
                "portal/includes/home_latest_news.html",
                {"request": request, "latest_news": latest_news, "news_index": news_index},
            )

        # The same for everyone: kept until a page is published, unpublished, moved or
        # deleted ("site").
        context["latest_news_section"] = mark_safe(
            cached_fragment("home-latest-news", render_latest_news)
        )
        context["home_sections"] = render_home_sections(request)
        return context


class StandardPage(ViewRestrictionsMixin, SearchableMixin, Page):
    """A plain content page (about the portal, the privacy notice, how to take part)."""

    # The page cache (portal.page_cache): what the page shows changes only when a page is
    # published, unpublished, moved or deleted ("site", always purged then).
    page_cache_tags = ()
    page_cache_ttl = DEFAULT_TTL

    intro = models.TextField(_("导语"), blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name=_("正文"), blank=True)

    search_fields = (
        Page.search_fields
        + [index.SearchField("intro"), index.SearchField("body")]
        + SearchableMixin.bigram_search_fields()
    )
    search_bigram_fields = ("title", "intro", "body")

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]

    parent_page_types = ["portal.HomePage", "portal.StandardPage"]
    subpage_types = ["portal.StandardPage"]

    search_type_label = _("页面")  # shown in site search results

    class Meta:
        verbose_name = _("普通页面")


class NewsIndexPage(ViewRestrictionsMixin, SearchableMixin, Page):
    """新闻公告 — the list of news items and notices, newest first, filterable by tag."""

    # The page cache (portal.page_cache): what the page shows changes only when a page is
    # published, unpublished, moved or deleted ("site", always purged then).
    page_cache_tags = ()
    page_cache_ttl = DEFAULT_TTL

    intro = RichTextField(_("导语"), blank=True)

    search_fields = Page.search_fields + SearchableMixin.bigram_search_fields()
    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["portal.HomePage"]
    subpage_types = ["portal.NewsPage"]
    max_count = 1
    paginate_by = 10

    search_type_label = _("新闻")  # shown in site search results

    class Meta:
        verbose_name = _("新闻列表页")

    def get_context(self, request, *args, **kwargs):
        from portal.filters import NewsFilterForm
        from portal.selectors import public_pages

        context = super().get_context(request, *args, **kwargs)
        tag = NewsFilterForm(request.GET).tag_or_blank()

        def render_results() -> str:
            news = (
                public_pages(NewsPage.objects.live())
                .child_of(self)
                .only("title", "url_path", "date", "summary")
                .order_by("-date", "-pk")
            )
            if tag:
                news = news.filter(tags__name=tag)
            paginator = Paginator(news, self.paginate_by)
            page_obj = paginator.get_page(request.GET.get("page", 1))
            return render_to_string(
                "portal/includes/news_index_results.html",
                {"request": request, "page_obj": page_obj, "news": page_obj.object_list},
            )

        # The list is the same for everyone with the same query string, signed in or not:
        # kept until a page is published, unpublished, moved or deleted ("site").
        results = cached_fragment(
            "news-index", render_results, vary=(self.pk, *sorted(request.GET.lists()))
        )
        context.update(results=mark_safe(results), current_tag=tag)
        return context


class NewsPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "portal.NewsPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class NewsPage(ViewRestrictionsMixin, SearchableMixin, Page):
    """A news item or notice (通知公告) written by community staff."""

    # The page cache (portal.page_cache): what the page shows changes only when a page is
    # published, unpublished, moved or deleted ("site", always purged then).
    page_cache_tags = ()
    page_cache_ttl = DEFAULT_TTL

    date = models.DateField(_("发布日期"), default=timezone.localdate)
    summary = models.TextField(_("摘要"), max_length=300, blank=True)
    cover_image = models.ForeignKey(
        "portal.PortalImage",
        verbose_name=_("封面图"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(BaseStreamBlock(), verbose_name=_("正文"), blank=True)
    source = models.CharField(_("来源"), max_length=100, blank=True)
    tags = ClusterTaggableManager(through=NewsPageTag, blank=True, verbose_name=_("标签"))

    search_fields = (
        Page.search_fields
        + [
            index.SearchField("summary"),
            index.SearchField("body"),
            index.FilterField("date"),
            index.RelatedFields("tags", [index.SearchField("name")]),
        ]
        + SearchableMixin.bigram_search_fields()
    )
    search_bigram_fields = ("title", "summary", "body")

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("date"), FieldPanel("source"), FieldPanel("tags")], _("信息")),
        FieldPanel("summary"),
        FieldPanel("cover_image"),
        FieldPanel("body"),
    ]

    parent_page_types = ["portal.NewsIndexPage"]
    subpage_types = []

    search_type_label = _("新闻")  # shown in site search results

    class Meta:
        verbose_name = _("新闻")
        verbose_name_plural = _("新闻")


# Keep `blocks` importable for migrations that reference it by this module path.
__all__ = ["HomePage", "NewsIndexPage", "NewsPage", "NewsPageTag", "StandardPage", "blocks"]
