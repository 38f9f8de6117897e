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
VISITOR_TOKEN_HEADER = "X-Visitor-Token"
VisitorTokenHeader = Annotated[
    str | None,
    Header(
        None,
        alias=VISITOR_TOKEN_HEADER,
        min_length=32,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]{32,64}$",
        description="不登录回答问卷的访客的标识：App 生成一个随机串（32–64 个字母、数字、- 或 _）"
        "并保存，每次带上；没有时，第一次提交答卷的响应里的 visitor_token 就是它。"
        "凭它查看和修改自己的答卷，请像密码一样保管",
    ),
]
