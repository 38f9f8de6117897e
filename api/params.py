"""Shared parameter types. Object ids in paths are plain segments validated here (1 to 2^63-1),
so a wrong id is a 400/404 problem document, never Django's HTML 404 or a database error."""

from typing import Annotated

from ninja import Header, Path

MAX_ID = 2**63 - 1

ObjectId = Annotated[int, Path(..., ge=1, le=MAX_ID, description="编号")]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        None,
        alias="Idempotency-Key",
        max_length=100,
        description="重试时带上同一个键，服务器只创建一次，并返回第一次的结果",
    ),
]
