"""The phone app's JSON API (issue #14): everything a resident does on the site, at /api/v1/.

Stack
-----
- django-ninja (`api.core.api`, a NinjaAPI): schema at /api/v1/openapi.json, Swagger UI at
  /api/v1/docs from ninja's installed static files (no CDN).
- Logging in: django-allauth's headless API at /_allauth/ ("app" and "browser" clients).
  An app posts {"email", "password"} to /_allauth/app/v1/auth/login and sends the returned
  `meta.session_token` in the `X-Session-Token` header. Browsers use the session cookie,
  and their writes need the CSRF token (`X-CSRFToken`). See api.auth.
- 我的设备: each login is an allauth user session (`allauth.usersessions`), listed and ended
  at /api/v1/me/devices.

Conventions (every resource follows them)
-----------------------------------------
1. One module per resource in api/resources/, defining `router = Router(tags=["…"])`, listed
   with its URL prefix in api.resources.RESOURCES. A view is a thin layer: it parses the input,
   calls the app's services (writes, rules) and selectors (reads) through their public names
   (`from surveys.services import survey_submit`), and returns what they return. No rule is
   written twice: where the site validates with a form, the API binds the same form.
2. Authentication: `auth=AUTH` (api.auth) on the router or the operation for logged-in calls
   (401 without); an operation open to visitors declares no auth and calls
   `optional_user(request)`. A write that the site also takes from visitors (answering a
   survey without login) declares `auth=AUTH_OR_VISITOR` and tells visitors apart by the
   `X-Visitor-Token` header (`VisitorTokenHeader`, api.params), as the site does by its
   visitor cookie; its Idempotency-Key rows are then the visitor's (api.http.idempotent).
3. Errors are never built by hand in a view: raise what the services raise. Django's
   ValidationError → 400 (field errors from error_dict, `code` from the error's code;
   `rate_limited` → 429), PermissionDenied → 403, Http404/get_object_or_404 → 404,
   malformed query/path → 400, malformed body → 422: all RFC 7807 problem+json
   (api.problems), and declared on every operation by api.core.PortalAPI.
4. Ids in paths: `ObjectId` (api.params), so a bad id is a 400 problem, never a 500.
5. Lists: `page: Query[PageParams]` and `response=page_of(ItemOut)`; `paginate(queryset, page)`
   returns {count, limit, offset, items} (limit 1–100, 400 above; api.pagination).
   Public lists answer with `with_etag(request, Schema, data)` and declare `304: None`
   (ETag / If-None-Match, api.http).
6. Creates take `idempotency_key: IdempotencyKeyHeader = None` and wrap the work in
   `idempotent(request, key=..., endpoint="...", produce=lambda: json_response(...))`
   (api.http, model api.models.IdempotencyKey): a retry returns the first response.
7. Times: aware datetimes are rendered in ISO 8601 with +08:00 (api.http.LocalTimeEncoder).
8. Language: Chinese; English only when Accept-Language asks for English first
   (api.middleware). Every new sentence goes through gettext, Chinese first.
9. Rate limits: per session token (else account, else address) through the cache,
   settings.API_RATE_LIMIT (api.throttling).
10. Query counts: each operation has a fixed budget, tested with
    django_assert_max_num_queries on data of two sizes (tests/api/).
11. Every URL name gets rows in tests/test_permission_matrix.py (ninja names a URL after the
    view function of its first operation, namespace `api:`), and the schemathesis contract
    test (tests/api/test_schema_fuzz.py) must stay green.

Adding a resource module
------------------------
    # api/resources/things.py
    from ninja import Query, Router, Schema
    from api.auth import AUTH
    from api.pagination import PageParams, page_of, paginate
    from api.params import ObjectId
    from things import selectors, services

    router = Router(tags=["事项"])

    class ThingOut(Schema):
        id: int
        title: str

    @router.get("", response={200: page_of(ThingOut), 304: None})
    def thing_list(request, page: Query[PageParams]):
        return with_etag(request, page_of(ThingOut), paginate(selectors.things(), page))

    @router.post("/{thing_id}/follow", response=ThingOut, auth=AUTH)
    def thing_follow(request, thing_id: ObjectId):
        return services.thing_follow(thing=get_object_or_404(Thing, pk=thing_id), by=request.user)

then add ("api.resources.things", "/things") to RESOURCES, rows for `api:thing_list` and
`api:thing_follow` to the permission matrix, and tests under tests/api/.
"""
