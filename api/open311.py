"""Open311 GeoReport v2, read-only: the public cases (随手拍) as service requests, so that
existing Open311 tools can read the district's data (https://wiki.open311.org/GeoReport_v2).

    GET /open311/v2/services.json            the case categories
    GET /open311/v2/requests.json            public cases, newest first (filters below)
    GET /open311/v2/requests/<number>.json   one public case

What is published is what the public case pages show (cases.selectors.public_cases): never
the reporter, contact details, internal notes or private photos; rejected cases are not
published at all. The reported position is not published either (the case page does not show
it: it may be the reporter's door), so `lat` and `long` are null. `expected_datetime` is the
deadline the case is measured against now (受理 or 办结 time limit, in working time); times
are ISO 8601 with +08:00. Only JSON is offered; writing (POST requests.json) is the app's
API at /api/v1/cases. Errors are Open311's list of {code, description}.

requests.json takes the standard parameters service_request_id (comma-separated, up to 100),
service_code, start_date, end_date and status (open or closed), and `page` / `page_size`
(1–1000, default 100). Without dates, the last 90 days."""

from __future__ import annotations

import datetime
import json

from django.db.models import Prefetch
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases.forms import active_categories
from cases.models import CasePhoto, State
from cases.selectors import public_cases
from portal import page_cache
from portal.fragments import cached_value

DEFAULT_WINDOW = datetime.timedelta(days=90)
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_IDS = 100
MAX_PAGE = 100_000


def _json(data, status: int = 200) -> HttpResponse:
    return _json_body(json.dumps(data, ensure_ascii=False), status=status)


def _json_body(body: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _error(status: int, description: str) -> HttpResponse:
    return _json([{"code": status, "description": str(description)}], status=status)


def _time(moment) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


@require_GET
def services(request):
    """service_code is the category's code (stable, used in the open data too)."""
    page_cache.depends_on(request, "cases")
    return _json(
        [
            {
                "service_code": category.code,
                "service_name": category.name,
                "description": category.description,
                "metadata": False,
                "type": "realtime",
                "keywords": "",
                "group": "",
            }
            for category in active_categories()
        ]
    )


def _cases():
    public_photos = CasePhoto.objects.filter(is_public=True).only("pk", "case_id", "kind")
    return (
        public_cases()
        .only(
            "number",
            "description",
            "state",
            "postponed",
            "address",
            "created_at",
            "updated_at",
            "response_due_at",
            "handling_due_at",
            "category__code",
            "category__name",
            "street__name",
            "community__name",
            "grid__name",
        )
        .prefetch_related(Prefetch("photos", queryset=public_photos, to_attr="public_photos"))
    )


def _request(request, case) -> dict:
    photos = case.public_photos
    return {
        "service_request_id": case.number,
        "status": "closed" if case.state == State.CLOSED else "open",
        "status_notes": str(case.get_state_display()),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.description,
        "agency_responsible": f"{case.street.name}{case.community.name}",
        "service_notice": "",
        "requested_datetime": _time(case.created_at),
        "updated_datetime": _time(case.updated_at),
        "expected_datetime": _time(case.current_due_at),
        "address": case.address,
        "address_id": "",
        "zipcode": "",
        "lat": None,
        "long": None,
        "media_url": request.build_absolute_uri(
            reverse("cases:photo", args=[case.number, photos[0].pk])
        )
        if photos
        else "",
    }


def _moment(value: str):
    """An aware datetime from a W3C time (naive means Beijing time); None when it is not one,
    or lies outside 1900–2999 (where converting it to UTC could overflow)."""
    try:
        moment = parse_datetime(value) if len(value) <= 40 else None
    except ValueError:  # well-formed but impossible, e.g. 2026-02-30
        return None
    if moment is None or not 1900 <= moment.year <= 2999:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _number(value: str, default: int, low: int, high: int) -> int | None:
    if value == "":
        return default
    if not value.isdigit() or len(value) > 9:
        return None
    number = int(value)
    return number if low <= number <= high else None


@require_GET
def requests(request):
    page_cache.depends_on(request, "cases")
    params = request.GET
    cases = _cases()
    ids = [v.strip() for v in params.get("service_request_id", "").split(",") if v.strip()]
    if len(ids) > MAX_IDS:
        return _error(400, _("一次最多查询 %(max)s 个编号。") % {"max": MAX_IDS})
    if ids:
        cases = cases.filter(number__in=[i[:32] for i in ids])
    else:
        start = end = None
        for name in ("start_date", "end_date"):
            value = params.get(name, "")
            if value and _moment(value) is None:
                return _error(400, _("%(name)s 不是有效的时间（W3C 格式）。") % {"name": name})
        if params.get("start_date"):
            start = _moment(params["start_date"])
        if params.get("end_date"):
            end = _moment(params["end_date"])
        if start is None and end is None:
            start = timezone.now() - DEFAULT_WINDOW
        if start is not None:
            cases = cases.filter(created_at__gte=start)
        if end is not None:
            cases = cases.filter(created_at__lte=end)
        codes = [v.strip() for v in params.get("service_code", "").split(",") if v.strip()]
        if codes:
            cases = cases.filter(category__code__in=[c[:40] for c in codes[:MAX_IDS]])
        statuses = {v.strip() for v in params.get("status", "").split(",") if v.strip()}
        if statuses - {"open", "closed"}:
            return _error(400, _("status 只能是 open 或 closed。"))
        if statuses == {"open"}:
            cases = cases.exclude(state=State.CLOSED)
        elif statuses == {"closed"}:
            cases = cases.filter(state=State.CLOSED)
    page = _number(params.get("page", ""), 1, 1, MAX_PAGE)
    size = _number(params.get("page_size", ""), DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    if page is None or size is None:
        return _error(
            400,
            _("page 须为正整数，page_size 须在 1 到 %(max)s 之间。") % {"max": MAX_PAGE_SIZE},
        )
    offset = (page - 1) * size

    def body() -> str:
        rows = cases.order_by("-created_at", "-pk")[offset : offset + size]
        return json.dumps([_request(request, case) for case in rows], ensure_ascii=False)

    # The same answer for every caller: kept like the API's public lists (api.http.shared_list),
    # per scheme and host (the photos' absolute addresses), query string and language, until
    # a case changes ("cases"); the default window's start moves on with the page cache's TTL.
    return _json_body(
        cached_value(
            "open311-requests",
            body,
            tags=("cases",),
            vary=[request.scheme, request.get_host(), sorted(params.lists())],
        )
    )


@require_GET
def request_detail(request, number: str):
    if len(number) > 32:
        return _error(404, _("没有这个编号的公开诉求。"))
    page_cache.depends_on(request, "cases")
    case = _cases().filter(number=number).first()
    if case is None:
        return _error(404, _("没有这个编号的公开诉求。"))
    return _json([_request(request, case)])


app_name = "open311"
urlpatterns = [
    path("services.json", services, name="services"),
    path("requests.json", requests, name="requests"),
    path("requests/<str:number>.json", request_detail, name="request_detail"),
]
