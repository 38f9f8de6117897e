"""The NinjaAPI instance: /api/v1/, its OpenAPI schema and docs, errors, auth and throttling."""

from __future__ import annotations

import copy
import json

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Router
from ninja.openapi.docs import Swagger
from ninja.parser import Parser
from ninja.renderers import JSONRenderer

from api import problems
from api.http import LocalTimeEncoder
from api.params import VISITOR_TOKEN_HEADER
from api.throttling import TokenThrottle


class Renderer(JSONRenderer):
    encoder_class = LocalTimeEncoder
    json_dumps_params = {"ensure_ascii": False}


class ObjectParser(Parser):
    """JSON bodies are objects (every body schema of the API is one): `[]`, `1`, `"x"` or
    `null` is refused as a 400 `invalid_json` problem (api.problems), like broken JSON,
    instead of being read as an empty object."""

    def parse_body(self, request):
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise problems.NotAJsonObject(type(data).__name__)
        return data


PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _takes_visitors(operation: dict) -> bool:
    """An operation that declares the X-Visitor-Token header takes visitors' calls."""
    return any(
        parameter.get("in") == "header" and parameter.get("name") == VISITOR_TOKEN_HEADER
        for parameter in operation.get("parameters", [])
    )


class PortalAPI(NinjaAPI):
    """NinjaAPI whose schema declares the problem documents on every operation."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = copy.deepcopy(
            problems.Problem.model_json_schema()
        )
        for path_item in schema.get("paths", {}).values():
            for method, operation in path_item.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                responses = operation.setdefault("responses", {})
                if operation.get("security") and _takes_visitors(operation):
                    # AUTH_OR_VISITOR: a visitor calls without either scheme (`{}`: optional).
                    operation["security"].append({})
                statuses = list(problems.COMMON_ERROR_STATUSES)
                if operation.get("security"):
                    statuses += list(problems.AUTH_ERROR_STATUSES)
                for status in statuses:
                    responses.setdefault(str(status), {"description": str(_("错误"))})
                for status, response in responses.items():
                    if int(status) >= 400:
                        response["content"] = {
                            problems.PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}
                        }
                        response.setdefault("description", str(_("错误")))
                    if int(status) == 304:
                        response.pop("content", None)
                        response["description"] = str(_("未改变（If-None-Match 与 ETag 相同）"))
        return schema

    def get_operation_url_name(self, operation, router) -> str:
        return operation.view_func.__name__


api = PortalAPI(
    title="市北区共建共治共享 API",
    version="1",
    description=(
        "居民在网站上能做的事情，在“在市北”App 里也能做。登录见 /_allauth/app/v1/auth/login，"
        "把返回的会话令牌放在 X-Session-Token 请求头里。错误为 RFC 7807 problem+json。"
    ),
    urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
    renderer=Renderer(),
    parser=ObjectParser(),
    throttle=[TokenThrottle()],
)
problems.install(api)


def register(prefix: str, router: Router) -> None:
    api.add_router(prefix, router)
