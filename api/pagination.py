"""Limit/offset pagination: `?limit=20&offset=40`, at most 100 per page (a 400 problem above),
with the total count.

    @router.get("/things", response={200: page_of(ThingOut), 304: None})
    def thing_list(request, page: Query[PageParams]):
        return paginate(selectors.things(), page)
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ninja import Schema
from pydantic import Field, create_model

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_OFFSET = 1_000_000


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数（1–100）")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数")


@cache
def page_of(item: type[Schema]) -> type[Schema]:
    """The page schema of a list of `item`: {count, limit, offset, items}."""
    return create_model(
        f"{item.__name__}Page",
        __base__=Schema,
        count=(int, Field(..., description="符合条件的总条数")),
        limit=(int, ...),
        offset=(int, ...),
        items=(list[item], ...),
    )


def paginate(queryset, page: PageParams, *, count: int | None = None) -> dict[str, Any]:
    """One COUNT (unless given) and one slice of `queryset` (a QuerySet or a list)."""
    if count is None:
        count = (
            queryset.count()
            if hasattr(queryset, "count") and not isinstance(queryset, list)
            else len(queryset)
        )
    items = list(queryset[page.offset : page.offset + page.limit]) if count else []
    return {"count": count, "limit": page.limit, "offset": page.offset, "items": items}
