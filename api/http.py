"""Responses the API builds itself: JSON in local time, ETags for public lists, and the
Idempotency-Key replay of creates."""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import re
from collections.abc import Callable

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import TypeAdapter

from api.problems import problem_response
from portal.page_cache import etag_matches

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


class LocalTimeEncoder(NinjaJSONEncoder):
    """Times in ISO 8601 with the district's offset: 2026-12-02T09:30:00+08:00."""

    def default(self, o):
        if isinstance(o, datetime.datetime) and timezone.is_aware(o):
            return timezone.localtime(o).isoformat()
        return super().default(o)


def dumps(data) -> bytes:
    return json.dumps(data, cls=LocalTimeEncoder, ensure_ascii=False).encode()


@functools.cache
def _adapter(schema) -> TypeAdapter:
    return TypeAdapter(schema)


def json_response(schema, data, *, status: int = 200, headers: dict | None = None) -> HttpResponse:
    """Validate `data` (objects, dicts) with `schema` (a Schema, or a type such as
    list[Schema]) and render it, as ninja would."""
    if isinstance(schema, type) and issubclass(schema, Schema):
        python = schema.model_validate(data).model_dump(by_alias=True)
    else:
        adapter = _adapter(schema)
        python = adapter.dump_python(adapter.validate_python(data), by_alias=True)
    body = dumps(python)
    response = HttpResponse(body, status=status, content_type=JSON_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# --- ETag / If-None-Match ----------------------------------------------------------------------


def _etag(body: bytes, language: str) -> str:
    return 'W/"' + hashlib.sha256(body + language.encode()).hexdigest()[:32] + '"'


def with_etag(request: HttpRequest, schema, data) -> HttpResponse:
    """A public list with an ETag of its body; 304 when If-None-Match already has it.

    Declare `response={200: ..., 304: None}` on the operation."""
    return _etagged(request, json_response(schema, data))


def shared_list(
    request: HttpRequest,
    schema,
    compute: Callable[[], object],
    *,
    tags=(),
    ttl: int | None = None,
    vary=(),
) -> HttpResponse:
    """`with_etag` for a public list that is the same for every caller: its JSON body is kept
    like a page fragment (portal.fragments.cached_value) under the path and the query
    string, in the caller's language, with the page cache's `tags` and `ttl` (what the
    operation declares to page_cache.depends_on). The page cache serves only callers without
    an identity; the app's signed-in callers (X-Session-Token) and every caller when the
    page cache is off read the body from here, and only `compute()` (the queries, the
    cards) is skipped: the ETag, the 304 and the headers are the same. `vary` adds what
    else the body depends on (the day, for figures counted up to today)."""
    from portal.fragments import cached_value
    from portal.page_cache import DEFAULT_TTL

    body = cached_value(
        "api-list",
        lambda: json_response(schema, compute()).content,
        tags=tags,
        vary=[request.path, sorted(request.GET.lists()), *vary],
        ttl=ttl or DEFAULT_TTL,
    )
    return _etagged(request, HttpResponse(body, content_type=JSON_CONTENT_TYPE))


def _etagged(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    etag = _etag(response.content, getattr(request, "LANGUAGE_CODE", ""))
    patch_vary_headers(response, ("Accept-Language",))
    if etag_matches(request, etag):
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = etag
        patch_vary_headers(not_modified, ("Accept-Language",))
        return not_modified
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response


# --- Idempotency-Key ---------------------------------------------------------------------------

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_RETENTION = datetime.timedelta(hours=24)
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,100}$")
# Every this many keys stored, the expired ones are deleted (a bounded batch): the cost of
# keeping the table small is paid by one create in a hundred, not by every create.
PRUNE_EVERY = 100
PRUNE_BATCH = 5000


def visitor_fingerprint(visitor_token: str) -> str:
    """What an idempotency key's row keeps of a visitor's X-Visitor-Token: a hash (the token
    itself is what lets the visitor read and edit their answers)."""
    return hashlib.sha256(f"api-visitor:{visitor_token}".encode()).hexdigest()


def _claim(
    *,
    user_id: int | None,
    visitor: str | None,
    endpoint: str,
    key: str,
    digest: str,
    status: int = 0,
    body: str = "",
    location: str = "",
) -> int | None:
    """Insert the key's row, or find that it exists: one statement. Returns the new row's id,
    or None when the row is already there. A concurrent identical request waits on the unique
    index until the first transaction ends, then finds the row (PostgreSQL and SQLite ≥ 3.35
    both have INSERT ... ON CONFLICT DO NOTHING RETURNING). The conflict target is the owner's
    unique constraint: (user_id, endpoint, key) for an account, (visitor, endpoint, key) for
    a visitor; the other owner column is NULL, and NULLs never conflict. Claimed before the
    create, the row has no answer yet (status 0, filled in by _record); inserted after it,
    the row carries the answer at once."""
    from api.models import IdempotencyKey

    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    owner = "user_id" if user_id is not None else "visitor"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608 - the table and column names are the model's
            "(user_id, visitor, endpoint, key, request_hash, status, body, location, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            f"ON CONFLICT ({owner}, endpoint, key) DO NOTHING RETURNING id",
            [
                user_id,
                visitor,
                endpoint,
                key,
                digest,
                status,
                body,
                location,
                connection.ops.adapt_datetimefield_value(timezone.now()),
            ],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _record(key_id: int, *, status: int, body: str, location: str) -> None:
    """Keep the first answer on the key's row: one statement, sent as written like the
    claim (the ORM's update would cost several times the statement itself)."""
    from api.models import IdempotencyKey

    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, body = %s, location = %s WHERE id = %s",  # noqa: S608
            [status, body, location, key_id],
        )


def _answer_of(response: HttpResponse) -> dict:
    return {
        "status": response.status_code,
        "body": response.content.decode(),
        "location": response.get("Location", "")[:300],
    }


class _Undone(Exception):
    """Ends a create's transaction with a rollback: its answer was a problem (`response`), or
    another request had stored this key first (`response` None)."""

    def __init__(self, response: HttpResponse | None = None):
        super().__init__()
        self.response = response


def prune_idempotency_keys() -> int:
    """Delete up to PRUNE_BATCH keys older than the retention period; returns how many."""
    from api.models import IdempotencyKey

    cutoff = timezone.now() - IDEMPOTENCY_RETENTION
    expired = IdempotencyKey.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)
    deleted, _counts = IdempotencyKey.objects.filter(pk__in=list(expired[:PRUNE_BATCH])).delete()
    return deleted


def idempotent(
    request: HttpRequest,
    *,
    key: str | None,
    endpoint: str,
    produce: Callable[[], HttpResponse],
    fingerprint: str | None = None,
    visitor_token: str = "",
    claim_first: bool = True,
) -> HttpResponse:
    """Run `produce` (which creates something and returns its response) at most once per
    (user, endpoint, key), or per (visitor, endpoint, key) when the caller has no account and
    sends `visitor_token` (a visitor's survey answer; without a token, no key is kept).
    A retry with the same key and body gets the first response again (with
    `Idempotent-Replayed: true`); the same key with another body is a 422 problem.

    The key's row is written in the same transaction as the create, so that both or neither
    are kept. With `claim_first` (the default), the row is inserted before the create:
    concurrent identical requests block on the unique constraint until the first commits,
    then read its answer without running `produce`; the answer is filled in after the create
    (two statements). Creates that are only rows in this database (a sign-up, a survey
    answer) pass `claim_first=False`: the create runs first and the row is inserted with its
    answer (one statement); a request that finds the key taken, or whose create is refused
    because the first request's row exists ("already signed up"), rolls back whatever it did
    and answers as a retry. Creates with effects outside the transaction (files written to
    storage) must claim first, so that a retry never repeats them.
    `fingerprint` stands for the request body where the body cannot be read again (a
    multipart upload, already parsed into request.POST and request.FILES).
    A failed create (a problem document) rolls back and stores nothing, so a corrected retry
    with the same key is allowed."""
    from api.models import IdempotencyKey

    if key is None or key == "":
        return produce()
    if not KEY_PATTERN.match(key):
        return problem_response(
            400,
            _("Idempotency-Key 必须是 1–100 个可见的 ASCII 字符。"),
            code="invalid_idempotency_key",
            errors={IDEMPOTENCY_HEADER: [_("格式不正确。")]},
        )
    digest = fingerprint or hashlib.sha256(request.body).hexdigest()
    user = request.user
    if user.is_authenticated:
        owner = {"user_id": user.pk, "visitor": None}
    elif visitor_token:
        owner = {"user_id": None, "visitor": visitor_fingerprint(visitor_token)}
    else:
        return produce()
    row = None
    for _attempt in range(2):
        if claim_first:
            with transaction.atomic():
                claimed = _claim(**owner, endpoint=endpoint, key=key, digest=digest)
                if claimed is not None:
                    response = produce()
                    if response.status_code >= 400:
                        transaction.set_rollback(True)
                        return response
                    _record(claimed, **_answer_of(response))
            failure = None
        else:
            try:
                with transaction.atomic():
                    response = produce()
                    if response.status_code >= 400:
                        raise _Undone(response)
                    claimed = _claim(
                        **owner, endpoint=endpoint, key=key, digest=digest, **_answer_of(response)
                    )
                    if claimed is None:
                        raise _Undone()
            except _Undone as undone:
                claimed, failure = None, undone.response
            except Exception as error:
                # Refused because the first request's create exists (the person has signed
                # up): a retry, answered below; otherwise the error stands.
                claimed, failure = None, error
        if claimed is not None:
            if claimed % PRUNE_EVERY == 0:
                prune_idempotency_keys()
            return response
        row = IdempotencyKey.objects.filter(**owner, endpoint=endpoint, key=key).first()
        if row is None:
            if isinstance(failure, Exception):
                raise failure
            if failure is not None:
                return failure
            continue  # the row went away meanwhile (pruned): try again
        if row.created_at < timezone.now() - IDEMPOTENCY_RETENTION:
            row.delete()
            continue
        break
    if row is None:
        raise RuntimeError("an idempotency key kept disappearing")
    if row.request_hash != digest:
        return problem_response(
            422,
            _("这个 Idempotency-Key 已经用于另一份不同的请求内容。请为新的请求使用新的键。"),
            code="idempotency_key_reused",
        )
    replay = HttpResponse(row.body, status=row.status, content_type=JSON_CONTENT_TYPE)
    replay["Idempotent-Replayed"] = "true"
    if row.location:
        replay["Location"] = row.location
    return replay
