"""Wagtail API v2 at /api/v2/, read-only, for the site's pages: news and notices (NewsPage),
their list page and the standard pages (about, privacy notice, how to take part).

    GET /api/v2/pages/?type=portal.NewsPage&fields=date,summary&order=-first_published_at
    GET /api/v2/pages/<id>/
    GET /api/v2/pages/find/?html_path=/news/some-item/

Only live pages that anyone may read (no private or password-protected page, nor what is
under one), only these page types, and only the fields listed in PUBLIC_FIELDS: never the
owner, revisions, or the other apps' pages (projects, surveys and cases have their own API at
/api/v1/). Nobody logs in here (no session, no basic authentication), and it answers JSON
only (no browsable HTML)."""

from __future__ import annotations

from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.images.api.fields import ImageRenditionField

from portal import page_cache
from portal.fragments import cached_value
from portal.models import NewsIndexPage, NewsPage, StandardPage

PAGE_TYPES = (NewsPage, NewsIndexPage, StandardPage)

# The content fields each page type shows through the API (besides id, title and Wagtail's
# meta fields); the page models declare no api_fields of their own.
PUBLIC_FIELDS = {
    NewsPage: [
        "date",
        "summary",
        "source",
        "tags",
        "body",
        ("cover_image", ImageRenditionField("fill-800x450")),
    ],
    NewsIndexPage: ["intro"],
    StandardPage: ["intro", "body"],
}


class PublicPagesAPIViewSet(PagesAPIViewSet):
    renderer_classes = [JSONRenderer]
    authentication_classes = []
    meta_fields = [
        name for name in PagesAPIViewSet.meta_fields if name not in ("show_in_menus", "alias_of")
    ]

    @classmethod
    def get_body_fields(cls, model):
        from wagtail.api import APIField

        fields = []
        for field in PUBLIC_FIELDS.get(model, []):
            if isinstance(field, tuple):
                name, serializer = field
                fields.append(APIField(name, serializer=serializer))
            else:
                fields.append(field)
        return cls._convert_api_fields(cls.body_fields + fields)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # What these pages show changes when a page is published, moved or deleted (the
        # "site" tag): callers without identity get the answer from the page cache.
        page_cache.depends_on(request._request)

    def listing_view(self, request):
        # The same answer for everyone (nobody logs in here) with the same address: kept
        # until a page is published, unpublished, moved or deleted or a view restriction
        # changes ("site"). The links in it are absolute: the host is part of the key.
        data = cached_value(
            "api-v2-pages",
            lambda: super(PublicPagesAPIViewSet, self).listing_view(request).data,
            vary=(request.scheme, request.get_host(), request.META.get("QUERY_STRING", "")),
        )
        return Response(data)

    def get_base_queryset(self):
        return super().get_base_queryset().type(*PAGE_TYPES)

    def get_queryset(self):
        models = self.request.GET.get("type", "")
        if models:
            names = {f"{m._meta.app_label}.{m.__name__}".lower() for m in PAGE_TYPES}
            if any(name.strip().lower() not in names for name in models.split(",")):
                raise BadRequestError("type doesn't exist")
        return super().get_queryset()


router = WagtailAPIRouter("wagtailapi")
router.register_endpoint("pages", PublicPagesAPIViewSet)
