"""A page's StreamField body (portal.blocks.BaseStreamBlock) as typed blocks, for the app:

    [{"type": "heading", "id": "…", "text": "活动安排", "level": "h2"},
     {"type": "paragraph", "id": "…", "html": "<p>每周三上午…</p>"},
     {"type": "image", "id": "…", "url": "/media/images/….width-800.jpg", "width": 800,
      "height": 450, "alt": "…"},
     {"type": "quote", "id": "…", "text": "…", "attribution": "…"},
     {"type": "call_to_action", "id": "…", "title": "…", "text": "…", "url": "/…",
      "button_text": "了解详情"}]

What the page shows and nothing more: rich text with its internal links expanded as on the
page, images as the page's rendition (width-800, the block template's), a call to action's
page link only when that page is live and public. A block type the app does not know yet is
left out (the schema lists the known ones). Images and their renditions cost two queries for
the whole body, whatever the number of images."""

from __future__ import annotations

from typing import Annotated, Literal

from django.db.models import Prefetch, prefetch_related_objects
from ninja import Schema
from pydantic import Field
from wagtail.images import get_image_model
from wagtail.rich_text import expand_db_html

from portal.selectors import public_pages

IMAGE_RENDITION = "width-800"


class HeadingBlockOut(Schema):
    type: Literal["heading"]
    id: str
    text: str
    level: Literal["h2", "h3"]


class ParagraphBlockOut(Schema):
    type: Literal["paragraph"]
    id: str
    html: str = Field(..., description="HTML（段落、列表、加粗、链接）")


class ImageBlockOut(Schema):
    type: Literal["image"]
    id: str
    url: str
    width: int
    height: int
    alt: str = Field(..., description="替代文字（装饰性图片为空）")


class QuoteBlockOut(Schema):
    type: Literal["quote"]
    id: str
    text: str
    attribution: str


class CallToActionBlockOut(Schema):
    type: Literal["call_to_action"]
    id: str
    title: str
    text: str
    url: str | None = Field(None, description="按钮链接（站内页面或外部地址）；没有时为 null")
    button_text: str


BlockOut = Annotated[
    HeadingBlockOut | ParagraphBlockOut | ImageBlockOut | QuoteBlockOut | CallToActionBlockOut,
    Field(discriminator="type"),
]


def _page_urls(body) -> dict[int, str]:
    """{page id: URL} of the live public pages that the body's calls to action link to (one
    query; none without such links)."""
    from wagtail.models import Page

    ids = {
        child.value["page"].pk
        for child in body
        if child.block_type == "call_to_action" and child.value.get("page") is not None
    }
    if not ids:
        return {}
    pages = public_pages(Page.objects.live().filter(pk__in=ids))
    return {page.pk: page.get_url() for page in pages}


def _with_renditions(body) -> None:
    """Prefetch the width-800 renditions of the body's images (one query)."""
    images = [child.value for child in body if child.block_type == "image" and child.value]
    if images:
        renditions = (
            get_image_model().get_rendition_model().objects.filter(filter_spec=IMAGE_RENDITION)
        )
        prefetch_related_objects(images, Prefetch("renditions", queryset=renditions))


def blocks(body) -> list[dict]:
    """The body's blocks as dicts of the *BlockOut schemas."""
    _with_renditions(body)
    urls = _page_urls(body)
    out = []
    for child in body:
        kind, value, block_id = child.block_type, child.value, child.id or ""
        if kind == "heading":
            out.append(
                {"type": kind, "id": block_id, "text": value["text"], "level": value["level"]}
            )
        elif kind == "paragraph":
            out.append({"type": kind, "id": block_id, "html": expand_db_html(value.source)})
        elif kind == "image" and value is not None:
            rendition = value.get_rendition(IMAGE_RENDITION)
            out.append(
                {
                    "type": kind,
                    "id": block_id,
                    "url": rendition.url,
                    "width": rendition.width,
                    "height": rendition.height,
                    "alt": "" if value.decorative else value.contextual_alt_text or "",
                }
            )
        elif kind == "quote":
            out.append(
                {
                    "type": kind,
                    "id": block_id,
                    "text": value["text"],
                    "attribution": value["attribution"] or "",
                }
            )
        elif kind == "call_to_action":
            page = value.get("page")
            url = urls.get(page.pk) if page is not None else (value.get("url") or None)
            out.append(
                {
                    "type": kind,
                    "id": block_id,
                    "title": value["title"],
                    "text": value["text"] or "",
                    "url": url,
                    "button_text": value["button_text"],
                }
            )
    return out
