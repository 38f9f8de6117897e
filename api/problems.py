"""Errors as RFC 7807 problem details (`application/problem+json`).

Every error of the API is one of these documents:

    {"type": "urn:shibei:problem:closed", "title": "请求无法处理", "status": 400,
     "detail": "这份问卷已经截止，不再接受回答。", "code": "closed", "errors": {}}

- `detail` is the sentence the site shows for the same refusal (the services raise it), in
  Chinese, or in English when the request says `Accept-Language: en` (api.middleware).
- `code` is the service's ValidationError code when it has one (`already_answered`,
  `closed`, ...), so an app can branch on it without reading sentences; `type` is the same
  code as a URN (`about:blank` when there is none).
- `errors` holds field errors: {field name: [sentences]} (the form's field names for the
  services' field errors, `limit`, `body.answers` ... for malformed requests).

The handlers below turn Django's ValidationError (400), PermissionDenied (403), Http404
(404), authentication failures (401), malformed requests (400 for the query string, path and
headers; 422 for the body) and rate limits (429) into these documents. PortalAPI declares
them on every operation of the OpenAPI schema, so a schema fuzzer finds the answers conform.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

PROBLEM_CONTENT_TYPE = "application/problem+json"

# Statuses whose documents every operation may return (PortalAPI adds them to the schema).
COMMON_ERROR_STATUSES = (400, 403, 404, 422, 429)
AUTH_ERROR_STATUSES = (401,)


class Problem(Schema):
    """An RFC 7807 problem details document."""

    type: str = Field("about:blank", description="问题类型（URN，或 about:blank）")
    title: str = Field(..., description="问题的简短说明")
    status: int = Field(..., description="HTTP 状态码")
    detail: str = Field("", description="给使用者看的说明（与网站上的提示相同）")
    code: str | None = Field(None, description="服务层的错误代码，如 already_answered")
    errors: dict[str, list[str]] = Field(
        default_factory=dict, description="字段错误：字段名 → 说明列表"
    )


def _titles() -> dict[int, str]:
    return {
        400: _("请求无法处理"),
        401: _("需要登录"),
        403: _("没有权限"),
        404: _("没有找到"),
        405: _("不支持这个请求方法"),
        409: _("请求冲突"),
        422: _("请求内容无效"),
        429: _("请求太频繁"),
    }


def problem_response(
    status: int,
    detail: str = "",
    *,
    code: str | None = None,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    title = _titles().get(status, _("请求无法处理"))
    document = {
        "type": f"urn:shibei:problem:{code}" if code else "about:blank",
        "title": title,
        "status": status,
        "detail": str(detail) or title,
        "code": code,
        "errors": {key: [str(m) for m in messages] for key, messages in (errors or {}).items()},
    }
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False),
        status=status,
        content_type=f"{PROBLEM_CONTENT_TYPE}; charset=utf-8",
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# --- Django's exceptions, raised by the services and selectors ---------------------------------

# Service ValidationError codes that are not "bad request" but another status.
CODE_STATUS = {"rate_limited": 429, "too_many_attempts": 429}


def validation_problem(error: DjangoValidationError) -> HttpResponse:
    code = getattr(error, "code", None)
    errors: dict[str, list[str]] = {}
    details: list[str] = []
    if hasattr(error, "error_dict"):
        for field, items in error.error_dict.items():
            messages = [m for item in items for m in item.messages]
            if field == "__all__":
                details.extend(messages)
            else:
                errors[field] = messages
            if code is None:
                code = next((item.code for item in items if item.code), None)
    else:
        details = list(error.messages)
        if code is None and hasattr(error, "error_list"):
            code = next((item.code for item in error.error_list if item.code), None)
    if not details:
        details = [m for messages in errors.values() for m in messages][:1]
    status = CODE_STATUS.get(code or "", 400)
    return problem_response(status, "".join(details) or _titles()[400], code=code, errors=errors)


def _handle_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return validation_problem(exc)


def _handle_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem_response(403, str(exc) or _("您没有权限执行这个操作。"), code="forbidden")


def _handle_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404, _("没有找到您要的内容。"), code="not_found")


def _handle_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        401,
        _("请先登录。登录后把会话令牌放在 X-Session-Token 请求头里。"),
        code="not_authenticated",
    )


def _handle_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    wait = max(1, int(exc.wait or 1))
    return problem_response(
        429,
        _("请求太频繁了，请 %(seconds)s 秒后再试。") % {"seconds": wait},
        code="rate_limited",
        headers={"Retry-After": str(wait)},
    )


class NotAJsonObject(ValueError):
    """A request body that is JSON but not an object (`[]`, `1`, `"x"`, `null`)."""


def _handle_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        # ninja could not read the body (api.core.ObjectParser): not JSON, not UTF-8, or
        # JSON that is not an object. Every body of the API is an object.
        return problem_response(400, _("请求内容必须是一个 JSON 对象。"), code="invalid_json")
    if exc.status_code == 403:
        # ninja's cookie authentication: the CSRF check failed.
        return problem_response(
            403, _("安全校验失败（CSRF）。请刷新页面后再试。"), code="csrf_failed"
        )
    return problem_response(exc.status_code, str(exc))


# --- Malformed requests (ninja's own validation of parameters and bodies) ---------------------


def _field_message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages = {
        "missing": _("这个字段是必填项。"),
        "int_parsing": _("请输入整数。"),
        "int_type": _("请输入整数。"),
        "bool_parsing": _("请输入 true 或 false。"),
        "string_type": _("请输入文字。"),
        "json_invalid": _("请求内容不是有效的 JSON。"),
        "model_attributes_type": _("格式不正确。"),
        "dict_type": _("格式不正确。"),
        "list_type": _("请输入列表。"),
        "enum": _("请从给出的选项中选择。"),
        "literal_error": _("请从给出的选项中选择。"),
        "date_from_datetime_parsing": _("请输入有效的日期。"),
        "date_parsing": _("请输入有效的日期。"),
    }
    if kind in messages:
        return messages[kind]
    if kind in ("less_than_equal", "less_than"):
        return _("不能大于 %(limit)s。") % {"limit": ctx.get("le", ctx.get("lt"))}
    if kind in ("greater_than_equal", "greater_than"):
        return _("不能小于 %(limit)s。") % {"limit": ctx.get("ge", ctx.get("gt"))}
    if kind == "string_too_long":
        return _("太长了，最多 %(limit)s 个字。") % {"limit": ctx.get("max_length")}
    if kind == "string_too_short":
        return _("太短了，至少 %(limit)s 个字。") % {"limit": ctx.get("min_length")}
    return str(error.get("msg", _("格式不正确。")))


def _handle_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    body = False
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        source = loc[0] if loc else ""
        # A multipart request's fields and files are its body too.
        body = body or source in ("body", "form", "file")
        name = ".".join(loc[1:]) or source or "request"
        errors.setdefault(name, []).append(_field_message(error))
    if body:
        return problem_response(
            422, _("请求内容有误，请检查后再提交。"), code="invalid_body", errors=errors
        )
    return problem_response(400, _("请求参数有误。"), code="invalid_parameters", errors=errors)


def install(api) -> None:
    """Register the problem handlers on a NinjaAPI (instead of ninja's own)."""
    api.add_exception_handler(DjangoValidationError, _handle_django_validation)
    api.add_exception_handler(PermissionDenied, _handle_permission_denied)
    api.add_exception_handler(Http404, _handle_404)
    api.add_exception_handler(AuthenticationError, _handle_authentication)
    api.add_exception_handler(Throttled, _handle_throttled)
    api.add_exception_handler(HttpError, _handle_http_error)
    api.add_exception_handler(NinjaValidationError, _handle_ninja_validation)
