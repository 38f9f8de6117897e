"""The permission matrix: every URL of the project, as every role, against objects that belong
to ANOTHER community or organization than the role's own.

The URL list comes from the resolver (``get_resolver()``, walked recursively), so a view added
later is requested too: one missing from ``TABLE`` fails ``test_every_view_is_in_the_table``
("new view not in the permission table"). Wagtail's own admin is skipped except the page and
workflow views that decide who may edit, publish, unpublish and approve a project.

Roles (columns of the table, in this order):
  anon      not logged in
  resident  a resident of community A
  leader    the grid leader of a grid of community A
  ngo       the owner of organization X (serving community A)
  staff     community staff of community A
  admin     a district administrator

Every object in a URL belongs to community B or organization Y. The answers:
  O  allowed: 2xx, 400 (passed the checks, bad form data) or a redirect elsewhere than a login
  L  redirect to the login page (the JSON API at /api/: 401, a problem document)
  D  refused: 403 or 404 (or Wagtail's redirect to the admin home with "no permission")
  X  refused in either form (L or D): for anonymous visitors of pages that exist for some
  -  not requested with this method
A 5xx is never an answer. The table is what the issue (#9) says must be, not what the code
did when it was written.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tests import factories

ROLES = ("anon", "resident", "leader", "ngo", "staff", "admin")

# Modules whose views are the project's own; Wagtail's admin views are reached by URL name.
PROJECT_MODULES = ("portal.", "projects.", "volunteers.", "surveys.", "cases.", "api.")
# The JSON API's operations are views of django-ninja's (namespace "api"), and the pages API
# at /api/v2/ Wagtail's (namespace "wagtailapi"): listed by name.
API_NAMESPACE = ("api:", "wagtailapi:")
# Wagtail's own page and workflow views that the issue names (edit, publish, unpublish, approve).
WAGTAIL_PAGE_VIEWS = {
    "wagtailadmin_pages:edit",
    "wagtailadmin_pages:delete",
    "wagtailadmin_pages:unpublish",
    "wagtailadmin_pages:move",
    "wagtailadmin_pages:copy",
    "wagtailadmin_pages:lock",
    "wagtailadmin_pages:unlock",
    "wagtailadmin_pages:history",
    "wagtailadmin_pages:revisions_index",
    "wagtailadmin_pages:view_draft",
    "wagtailadmin_pages:preview_on_edit",
    "wagtailadmin_pages:workflow_history",
    "wagtailadmin_pages:workflow_action",
    "wagtailadmin_pages:collect_workflow_action_data",
    "wagtailadmin_pages:confirm_workflow_cancellation",
    "wagtailadmin_pages:workflow_preview",
}
# Namespaces of the project's own admin viewsets and snippets.
PROJECT_ADMIN_NAMESPACE = re.compile(
    r"^(organizations|volunteers_\w+|survey_responses|cases\w*"
    r"|wagtailsnippets_(portal|projects|volunteers|surveys|cases)_\w+"
    r"|wagtailsnippetchoosers_(portal|projects|volunteers|surveys|cases)_\w+):"
)
# Debug-only or framework plumbing in the project's URLconf.
SKIPPED = {"", "javascript-catalog", "set_language"}


def _walk(resolver, prefix="", namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace + (pattern.name or ""), pattern


def project_urls() -> dict[str, str]:
    """{url name: route} of every project view, from the resolver."""
    found = {}
    for route, name, pattern in _walk(get_resolver()):
        module = getattr(pattern.callback, "__module__", "") or ""
        own = (module.startswith(PROJECT_MODULES) or name.startswith(API_NAMESPACE)) and not (
            route.startswith("admin/pages/")
        )
        if name in WAGTAIL_PAGE_VIEWS or PROJECT_ADMIN_NAMESPACE.match(name) or own:
            if name in SKIPPED:
                continue
            found.setdefault(name, route)
    return found


# ---------------------------------------------------------------------------------------------
# The table: url name -> (GET row, POST row); a row lists the answers of ROLES in order.
# ---------------------------------------------------------------------------------------------
PUBLIC = "O O O O O O"
LOGGED_IN = "L O O O O O"
NOBODY_ELSE = "L D D D D D"  # someone else's private things: not even district admins
PLACE_STAFF = "L D D D D O"  # the place's leader and staff (of B) and district admins only
ADMIN_SCOPED = "L L L D D O"  # an admin view of an object of community B / organization Y
ADMIN_LIST = "L L L D O O"  # an admin list: staff see their own communities' rows
ADMIN_ONLY = "L L L D D O"  # district administrators only (streets, communities, categories)
NO_ONE = "L L L D D D"  # a view that no role may use (the admin must go through services)
# A survey of community B whose results are not public yet: survey staff of any community
# and district admins (text answers and exports then hold only their own communities'
# respondents: tests/surveys).
RESULTS = "X X X X O O"
N = None

TABLE: dict[str, tuple[str | None, str | None]] = {
    # --- portal
    "healthz": (PUBLIC, N),
    "csrf_token": (PUBLIC, N),
    "search": (PUBLIC, N),
    "account_home": (LOGGED_IN, N),
    "profile_edit": (LOGGED_IN, LOGGED_IN),
    "notification_list": (LOGGED_IN, N),
    "notification_detail": (NOBODY_ELSE, N),
    "notification_preferences": (LOGGED_IN, LOGGED_IN),
    "data_download": (LOGGED_IN, N),
    "account_delete": (LOGGED_IN, LOGGED_IN),
    "privacy_consent": (LOGGED_IN, N),
    "geo_options": (PUBLIC, N),
    # --- projects
    "projects:organization_directory": (PUBLIC, N),
    "projects:organization_apply": (LOGGED_IN, LOGGED_IN),
    "projects:my_organizations": (LOGGED_IN, N),
    "projects:organization_members": (NOBODY_ELSE, NOBODY_ELSE),
    "projects:organization_member_remove": (N, NOBODY_ELSE),
    # The token is the secret; accepting it checks the account (the service, finding 3).
    "projects:invitation_accept": (LOGGED_IN, LOGGED_IN),
    # --- volunteers
    "volunteers:index": (PUBLIC, N),
    "volunteers:apply": (LOGGED_IN, LOGGED_IN),
    "volunteers:grid_detail": (PUBLIC, N),
    "volunteers:roster": (PLACE_STAFF, N),
    "volunteers:roster_export": (PLACE_STAFF, N),
    "volunteers:appoint_leader": (N, PLACE_STAFF),
    "volunteers:patrol_create": (PLACE_STAFF, PLACE_STAFF),
    "volunteers:activity_create": (PLACE_STAFF, PLACE_STAFF),
    "volunteers:membership_decide": (N, PLACE_STAFF),
    "volunteers:membership_leave": (N, PLACE_STAFF),
    "volunteers:shift_detail": (PUBLIC, N),
    "volunteers:shift_edit": (PLACE_STAFF, PLACE_STAFF),
    # Anyone logged in may ask; the service answers a non-member with a message.
    "volunteers:shift_sign_up": (N, LOGGED_IN),
    "volunteers:shift_code": (PLACE_STAFF, N),
    "volunteers:shift_check_in": (LOGGED_IN, LOGGED_IN),
    "volunteers:shift_attendance": (PLACE_STAFF, PLACE_STAFF),
    "volunteers:shift_export": (PLACE_STAFF, N),
    "volunteers:signup_cancel": (N, "L D D D D O"),
    "volunteers:signup_ics": (NOBODY_ELSE, N),
    "volunteers:my_record": (LOGGED_IN, N),
    "volunteers:certificate_issue": (N, LOGGED_IN),
    "volunteers:calendar_reset": (N, LOGGED_IN),
    "volunteers:certificate_detail": ("L D D D D O", N),
    "volunteers:certificate_verify": (PUBLIC, N),
    "volunteers:calendar_feed": (PUBLIC, N),  # the token is the secret
    # --- surveys
    # The earlier addresses of the survey page's routes (PAGE_ROUTES): a redirect for everyone.
    "surveys:results": (PUBLIC, N),
    "surveys:text_answers": (PUBLIC, N),
    "surveys:export": (PUBLIC, N),
    # --- cases (市民诉求): public pages are anonymised; a case of grid B is not anyone's here.
    "favicon": (PUBLIC, N),
    "cases:index": (PUBLIC, N),
    "cases:report": (LOGGED_IN, LOGGED_IN),
    "cases:statistics": (PUBLIC, N),
    "cases:statistics_csv": (PUBLIC, N),
    "cases:cases_csv": (PUBLIC, N),
    "cases:case_detail": (PUBLIC, N),
    "cases:mine": (LOGGED_IN, N),
    "cases:follow": (N, LOGGED_IN),
    "cases:unfollow": (N, LOGGED_IN),
    # Only the reporter rates (the service answers others with a message).
    "cases:rate": (N, LOGGED_IN),
    # Only the leader of the case's grid verifies on the case page; staff verify in the admin.
    "cases:verify": (N, NOBODY_ELSE),
    # A photo that does not exist: everyone gets 404 (a real photo's rights: tests/cases).
    "cases:photo": ("D D D D D D", N),
    "cases_admin_inbox": (ADMIN_LIST, N),
    "cases_admin_bulk": (N, ADMIN_LIST),
    "cases_admin_detail": (ADMIN_SCOPED, N),
    "cases_admin_action": (N, ADMIN_SCOPED),
    "cases_admin_photo": ("L L L D D D", N),
    # --- the JSON API (/api/v1/, tests/api): the site's roles and answers. Operations that
    # share a URL with another (PATCH, PUT, DELETE) are requested with GET/POST under the
    # first name; their own rules are tested in tests/api (someone else's device: 404).
    "api:openapi-json": (PUBLIC, N),
    "api:openapi-view": (PUBLIC, N),
    "api:api-root": ("D D D D D D", N),  # django-ninja's root: nothing there
    "api_not_found": ("D D D D D D", "D D D D D D"),
    "api:me_profile": (LOGGED_IN, N),
    "api:me_profile_update": (N, N),
    "api:me_privacy_consent": (N, LOGGED_IN),
    "api:me_notifications": (LOGGED_IN, N),
    "api:me_notifications_read_all": (N, LOGGED_IN),
    "api:me_notification_read": (N, NOBODY_ELSE),
    "api:me_notification_preferences": (LOGGED_IN, N),
    "api:me_notification_preferences_save": (N, N),
    "api:me_data_export": (N, LOGGED_IN),
    "api:me_delete": (N, LOGGED_IN),  # an empty body: 422 after the login check
    "api:me_devices": (LOGGED_IN, N),
    "api:me_device_end": (N, N),  # DELETE only
    "api:geo_streets": (PUBLIC, N),
    "api:geo_communities": (PUBLIC, N),
    "api:geo_grids": (PUBLIC, N),
    "api:survey_list": (PUBLIC, N),
    "api:survey_for_me": (PUBLIC, N),
    "api:survey_mine": (LOGGED_IN, N),
    "api:survey_detail": (PUBLIC, N),
    # GET: my response (nobody here answered survey B; a visitor without X-Visitor-Token is
    # asked to log in). POST: a form, not JSON, so not a visitor's answer (those are JSON,
    # tests/api/test_surveys.py): 401; an empty body, 422 after login.
    "api:survey_submit": ("L D D D D D", LOGGED_IN),
    "api:survey_my_response": (N, N),
    "api:survey_response_update": (N, N),
    # Results not public yet: survey staff and district admins, 403 for everyone else.
    "api:survey_results": (RESULTS, N),
    "api:project_list": (PUBLIC, N),
    "api:project_filters": (PUBLIC, N),
    "api:project_detail": (PUBLIC, N),
    "api:organization_detail": (PUBLIC, N),
    # Volunteers: the same answers as the site's pages for the same objects of grid B.
    "api:volunteer_grids": (PUBLIC, N),
    "api:volunteer_memberships": (LOGGED_IN, N),
    "api:volunteer_apply": (N, LOGGED_IN),
    "api:volunteer_leave": (N, PLACE_STAFF),
    "api:volunteer_shifts": (PUBLIC, N),
    "api:volunteer_shift_detail": (PUBLIC, N),
    # Anyone logged in may ask; the service answers a non-member with a message (400).
    "api:volunteer_sign_up": (N, LOGGED_IN),
    "api:volunteer_my_signups": (LOGGED_IN, N),
    "api:volunteer_cancel": (N, "L D D D D O"),
    "api:volunteer_signup_ics": (NOBODY_ELSE, N),
    "api:volunteer_check_in": (N, LOGGED_IN),
    "api:volunteer_my_hours": (LOGGED_IN, N),
    "api:volunteer_certificates": (LOGGED_IN, N),
    "api:volunteer_certificate_issue": (N, LOGGED_IN),
    # The public check of a printed certificate (by its verification code, as on the site).
    "api:volunteer_certificate_check": (PUBLIC, N),
    "api:volunteer_calendar": (LOGGED_IN, N),
    "api:volunteer_calendar_reset": (N, LOGGED_IN),
    # Cases: public reads are anonymised; following and rating as on the case page.
    "api:case_categories": (PUBLIC, N),
    "api:case_list": (PUBLIC, N),
    "api:case_report": (N, LOGGED_IN),
    "api:case_mine": (LOGGED_IN, N),
    "api:case_followed": (LOGGED_IN, N),
    "api:case_similar": (PUBLIC, N),
    "api:case_statistics": (PUBLIC, N),
    "api:case_detail": (PUBLIC, N),
    "api:case_timeline": (PUBLIC, N),
    "api:case_follow": (N, LOGGED_IN),
    "api:case_unfollow": (N, N),  # DELETE only
    "api:case_rate": (N, LOGGED_IN),
    # Open311 GeoReport v2 (read-only public cases); case B is public, so it is found.
    "open311:services": (PUBLIC, N),
    "open311:requests": (PUBLIC, N),
    "open311:request_detail": (PUBLIC, N),
    # Wagtail API v2 (public pages only): a page that does not exist, and find without a path.
    "wagtailapi:pages:listing": (PUBLIC, N),
    "wagtailapi:pages:detail": ("D D D D D D", N),
    "wagtailapi:pages:find": ("D D D D D D", N),
    # --- the project's admin screens
    "projects_review_index": (ADMIN_LIST, N),
    "projects_review": (ADMIN_SCOPED, ADMIN_SCOPED),
    "volunteers_memberships:decide": (ADMIN_SCOPED, ADMIN_SCOPED),
    "wagtailsnippets_portal_grid:inspect": (ADMIN_SCOPED, N),
    "volunteers_grid_report": (ADMIN_LIST, N),
    # Staff correct a resident's home grid; the service limits it to their communities.
    "portal_home_grid_correct": (ADMIN_LIST, ADMIN_LIST),
    # Export jobs (portal.export_jobs): the list of one's own; asking needs a listing's name
    # (none given here: 404); a job, its status and file are for the staff member who asked
    # (here community B's), or a superuser; a data ZIP for its owner only.
    "portal_export_jobs": (ADMIN_LIST, N),
    "portal_export_new": (NO_ONE, NO_ONE),
    "portal_export_job": (NO_ONE, N),
    "portal_export_status": (NO_ONE, N),
    "portal_export_download": (NO_ONE, N),
    "data_download_status": (NOBODY_ELSE, N),
    "data_download_file": (NOBODY_ELSE, N),
    # /admin/login/ leads visitors to allauth's login; a logged-in person lands here only
    # without admin access, and gets the 403 page instead of a redirect loop.
    "admin_login_redirect": (NOBODY_ELSE, NOBODY_ELSE),
    "organizations:index": (ADMIN_LIST, N),
    "organizations:index_results": (ADMIN_LIST, N),
    "organizations:inspect": (ADMIN_SCOPED, N),
    "organizations:approve": (ADMIN_SCOPED, ADMIN_SCOPED),
    "organizations:reject": (ADMIN_SCOPED, ADMIN_SCOPED),
    "organizations:suspend": (ADMIN_SCOPED, ADMIN_SCOPED),
    # Organizations are created by applying and changed through the review actions.
    "organizations:add": (NO_ONE, NO_ONE),
    "organizations:edit": (ADMIN_SCOPED, ADMIN_SCOPED),
    "organizations:delete": (NO_ONE, NO_ONE),
    "organizations:copy": (NO_ONE, N),
    "organizations:history": (ADMIN_SCOPED, N),
    "organizations:history_results": (ADMIN_SCOPED, N),
    "organizations:usage": (ADMIN_SCOPED, N),
    "survey_responses:index": (ADMIN_LIST, N),
    "survey_responses:index_results": (ADMIN_LIST, N),
    "survey_responses:add": (NO_ONE, NO_ONE),
    "survey_responses:edit": (NO_ONE, NO_ONE),
    "survey_responses:delete": (NO_ONE, NO_ONE),
    "survey_responses:copy": (NO_ONE, N),
    "survey_responses:history": (NO_ONE, N),
    "survey_responses:history_results": (NO_ONE, N),
    "survey_responses:usage": (NO_ONE, N),
    # Geography: streets and communities by district administrators only; staff read them and
    # change only their own communities' grids, never another community's.
    **{
        f"wagtailsnippets_portal_{model}:{view}": rows
        for model in ("street", "community")
        for view, rows in {
            "list": (ADMIN_LIST, N),
            "list_results": (ADMIN_LIST, N),
            "add": (ADMIN_ONLY, ADMIN_ONLY),
            "edit": (ADMIN_ONLY, ADMIN_ONLY),
            "delete": (NO_ONE, NO_ONE),
            "copy": (ADMIN_ONLY, N),
            "usage": (ADMIN_ONLY, N),
            "history": (ADMIN_ONLY, N),
            "history_results": (ADMIN_ONLY, N),
        }.items()
    },
    "wagtailsnippets_portal_grid:list": (ADMIN_LIST, N),
    "wagtailsnippets_portal_grid:list_results": (ADMIN_LIST, N),
    "wagtailsnippets_portal_grid:add": (ADMIN_ONLY, ADMIN_ONLY),
    "wagtailsnippets_portal_grid:edit": (ADMIN_SCOPED, ADMIN_SCOPED),
    "wagtailsnippets_portal_grid:delete": (NO_ONE, NO_ONE),
    "wagtailsnippets_portal_grid:copy": (ADMIN_ONLY, N),
    "wagtailsnippets_portal_grid:usage": (ADMIN_SCOPED, N),
    "wagtailsnippets_portal_grid:history": (ADMIN_SCOPED, N),
    "wagtailsnippets_portal_grid:history_results": (ADMIN_SCOPED, N),
    **{
        f"wagtailsnippetchoosers_portal_{model}:{view}": rows
        for model in ("street", "community", "grid")
        for view, rows in {
            # Names of places are public (/geo/); editors of every kind may choose them.
            "choose": ("L L L O O O", N),
            "choose_results": ("L L L O O O", N),
            # The chooser lists only the editor's own part of the district (portal.viewsets):
            # community B or its grid is a 404 to staff and members of A (B's street is also
            # A's, so staff of A may choose it).
            "chosen": ("L L L D O O" if model == "street" else "L L L D D O", N),
            "chosen_multiple": ("L L L O O O", N),
            # POST: Wagtail's chooser answers 500 to an empty POST where the snippet has no
            # creation form (its bug, not a permission): requested with GET only.
            "create": (ADMIN_ONLY, N),
        }.items()
    },
    # Case categories and working-day overrides: district administrators.
    **{
        f"wagtailsnippets_cases_{model}:{view}": rows
        for model in ("casecategory", "workingdayoverride")
        for view, rows in {
            "list": (ADMIN_ONLY, N),
            "list_results": (ADMIN_ONLY, N),
            "add": (ADMIN_ONLY, N),
            "edit": (ADMIN_ONLY, N),
            "delete": (ADMIN_ONLY, N),
            "copy": (ADMIN_ONLY, N),
            "usage": (ADMIN_ONLY, N),
            "history": (ADMIN_ONLY, N),
            "history_results": (ADMIN_ONLY, N),
        }.items()
    },
    **{
        f"wagtailsnippetchoosers_cases_{model}:{view}": (ADMIN_ONLY, N)
        for model in ("casecategory", "workingdayoverride")
        for view in ("choose", "choose_results", "chosen", "chosen_multiple", "create")
    },
    # Project categories: read by staff, changed by district administrators.
    **{
        f"wagtailsnippets_projects_category:{view}": rows
        for view, rows in {
            "list": (ADMIN_LIST, N),
            "list_results": (ADMIN_LIST, N),
            "add": (ADMIN_ONLY, ADMIN_ONLY),
            "edit": (ADMIN_ONLY, ADMIN_ONLY),
            "delete": (ADMIN_ONLY, ADMIN_ONLY),
            "copy": (ADMIN_ONLY, N),
            "usage": (ADMIN_ONLY, N),
            "history": (ADMIN_ONLY, N),
            "history_results": (ADMIN_ONLY, N),
        }.items()
    },
    "wagtailsnippetchoosers_projects_category:choose": ("L L L O O O", N),
    "wagtailsnippetchoosers_projects_category:choose_results": ("L L L O O O", N),
    "wagtailsnippetchoosers_projects_category:chosen": ("L L L O O O", N),
    "wagtailsnippetchoosers_projects_category:chosen_multiple": ("L L L O O O", N),
    "wagtailsnippetchoosers_projects_category:create": (ADMIN_ONLY, N),
    # Volunteers: staff see and change only their communities' rows, through the services;
    # district administrators see all. Rows are created on the site, not in the admin.
    **{
        f"volunteers_{viewset}:{view}": rows
        for viewset in ("memberships", "shifts", "signups", "service_records")
        for view, rows in {
            "index": (ADMIN_LIST, N),
            "index_results": (ADMIN_LIST, N),
            "add": (NO_ONE, NO_ONE),
            "edit": (ADMIN_SCOPED, ADMIN_SCOPED),
            "delete": (NO_ONE, NO_ONE),
            "copy": (NO_ONE, N),
            "inspect": (ADMIN_SCOPED, N),
            # Whoever may inspect a row may read its history and usage (volunteers'
            # InspectableHistoryView / InspectableUsageView).
            "history": (ADMIN_SCOPED, N),
            "history_results": (ADMIN_SCOPED, N),
            "usage": (ADMIN_SCOPED, N),
        }.items()
    },
    # Memberships and sign-ups are never edited in the admin: their status changes through
    # the services (审核申请 decision, sign-up and check-in), so the edit view is no one's.
    "volunteers_memberships:edit": (NO_ONE, NO_ONE),
    "volunteers_signups:edit": (NO_ONE, NO_ONE),
    # Wagtail's page views on a project of organization Y (serving community B), with a
    # revision in moderation: not for staff of community A nor members of organization X.
    **dict.fromkeys(
        (
            "wagtailadmin_pages:delete",
            "wagtailadmin_pages:unpublish",
            "wagtailadmin_pages:workflow_action",
            "wagtailadmin_pages:collect_workflow_action_data",
            "wagtailadmin_pages:confirm_workflow_cancellation",
        ),
        (ADMIN_SCOPED, ADMIN_SCOPED),
    ),
    # GET checks the same permission as the POST; an empty POST of the editor's form is a
    # 500 in Wagtail's StreamField ('body-count'), not a permission answer.
    "wagtailadmin_pages:edit": (ADMIN_SCOPED, N),
    "wagtailadmin_pages:lock": (N, ADMIN_SCOPED),
    # Nothing is locked: unlocking is refused to everyone.
    "wagtailadmin_pages:unlock": (N, NO_ONE),
    # Revisions now live on the history page: a redirect there for everyone in the admin.
    "wagtailadmin_pages:revisions_index": ("L L L O O O", N),
    **dict.fromkeys(
        (
            "wagtailadmin_pages:move",
            "wagtailadmin_pages:copy",
            "wagtailadmin_pages:history",
            "wagtailadmin_pages:view_draft",
            "wagtailadmin_pages:preview_on_edit",
            "wagtailadmin_pages:workflow_history",
            "wagtailadmin_pages:workflow_preview",
        ),
        (ADMIN_SCOPED, N),
    ),
}


# ---------------------------------------------------------------------------------------------
# The world: community A (the roles') and community B / organization Y (the objects').
# Built once per module inside one transaction that is rolled back at the end; each test runs
# in a savepoint of it, so POSTs do not leak into the next request.
# ---------------------------------------------------------------------------------------------
def _build_world() -> dict:
    from portal.notifications import notify
    from projects.models import OrganizationInvitation, OrganizationMember
    from surveys.models import SurveyIndexPage, SurveyResponse
    from surveys.services import survey_submit
    from tests.projects import factories as project_factories
    from tests.surveys.factories import answers_for, make_survey
    from volunteers import services as volunteer_services
    from volunteers.models import RosterMembership, ServiceRecord, Shift, SignUp

    home = factories.make_home_page()
    grids = factories.make_geography(streets=2, communities=2, grids=2)
    grid_a, grid_b = grids[0], grids[2]
    community_a, community_b = grid_a.community, grid_b.community
    index = project_factories.make_project_index(home)

    users = {
        "resident": factories.make_user(home_grid=grid_a),
        "leader": factories.make_user(home_grid=grid_a),
        "ngo": factories.make_user(home_grid=grid_a),
        "staff": factories.make_community_staff(community_a),
        "admin": factories.make_district_admin(),
    }
    grid_a.leader = users["leader"]
    grid_a.save()
    RosterMembership.objects.create(
        user=users["leader"], grid=grid_a, role="leader", status="active"
    )

    # Community B: its leader, a volunteer with history, a pending applicant.
    staff_b = factories.make_community_staff(community_b)
    leader_b = factories.make_user(home_grid=grid_b)
    grid_b.leader = leader_b
    grid_b.save()
    RosterMembership.objects.create(user=leader_b, grid=grid_b, role="leader", status="active")
    volunteer_b = factories.make_user(home_grid=grid_b, mobile="13900001111")
    membership_b = RosterMembership.objects.create(
        user=volunteer_b, grid=grid_b, role="volunteer", status="active"
    )
    pending_b = RosterMembership.objects.create(
        user=factories.make_user(home_grid=grid_b), grid=grid_b, status="pending"
    )
    start = timezone.now() + timedelta(days=2)
    shift_b = Shift.objects.create(
        grid=grid_b,
        title="巡查",
        place="服务站",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        signup_deadline=start,
        capacity=5,
        members_only=True,
    )
    signup_b = SignUp.objects.create(shift=shift_b, user=volunteer_b, status="confirmed")
    record_b = ServiceRecord.objects.create(
        user=volunteer_b,
        grid=grid_b,
        item="巡查",
        served_on=timezone.localdate(),
        hours=Decimal("2.00"),
        issuer="测试社区",
    )
    certificate_b = volunteer_services.certificate_issue(user=volunteer_b)
    feed_b = volunteer_services.calendar_feed_for(user=volunteer_b)
    notification_b = notify(recipient=volunteer_b, kind="test", subject="给别人的消息")
    from portal.models import ExportJob

    export_b = ExportJob.objects.create(
        requested_by=staff_b, source="volunteers_shifts", title="班次", format="csv"
    )
    data_zip_b = ExportJob.objects.create(
        requested_by=volunteer_b, source="personal_data", title="本人数据副本", format="zip"
    )

    # Organizations: X (the ngo role's, serving A) and Y (serving B) with a project in review.
    project_factories.make_organization(
        owner=users["ngo"], communities=[community_a], verify_by=users["admin"]
    )
    owner_y = factories.make_user(home_grid=grid_b)
    organization_y = project_factories.make_organization(
        owner=owner_y, communities=[community_b], verify_by=staff_b
    )
    editor_y = OrganizationMember.objects.create(
        organization=organization_y, user=factories.make_user(), role="editor"
    )
    invitation_y = OrganizationInvitation.objects.create(
        organization=organization_y, email="invited-y@example.cn", invited_by=owner_y
    )
    project_y = project_factories.make_project(organization_y, communities=[community_b])
    project_y.title = project_y.title + "（修改）"
    revision = project_y.save_revision(user=owner_y)
    workflow_state = project_y.get_workflow().start(project_y, owner_y)
    task_state = workflow_state.current_task_state
    # A survey of community B whose results are published after it closes (it is open).
    survey_index = SurveyIndexPage(title="民意征集", slug="surveys-matrix")
    home.add_child(instance=survey_index)
    survey_b = make_survey(
        survey_index, results_visibility="after_close", audience_communities=[community_b]
    )
    survey_submit(survey=survey_b, user=volunteer_b, data=answers_for(survey_b, text="建议"))
    response_b = SurveyResponse.objects.get(survey=survey_b)
    text_question = survey_b.get_form_fields()[3]

    # A case reported in grid B, a category and a working-day override.
    from cases.models import WorkingDayOverride
    from cases.services import case_report
    from tests.cases.factories import make_category

    case_category = make_category()
    case_b = case_report(
        by=volunteer_b, category=case_category, grid=grid_b, description="楼道堆物多日无人清理"
    )
    from allauth.usersessions.models import UserSession

    device_b = UserSession.objects.create(
        user=volunteer_b, session_key="b" * 32, ip="127.0.0.1", user_agent="ZaiShibei/3.1"
    )
    override = WorkingDayOverride.objects.create(
        date=timezone.localdate() + timedelta(days=30), is_working=False, name="测试"
    )

    kwargs = {
        "notification_id": notification_b.pk,
        "level": "grids",
        "code": grid_b.code,
        "fmt": "csv",
        "project_id": project_y.pk,
        "token": invitation_y.token,
        "number": certificate_b.number,
        "page_id": survey_b.pk,
        "question_id": text_question.pk,
        "kind": "responses",
        # The JSON API's ids (api:*): community B's objects.
        "survey_id": survey_b.pk,
        "organization_id": organization_y.pk,
        "organization": organization_y.pk,
        "device_id": device_b.pk,
        "street_id": community_b.street_id,
        "community_id": community_b.pk,
        "rest": "v1/no/such/thing",
        "membership_id": membership_b.pk,
        "shift_id": shift_b.pk,
        "signup_id": signup_b.pk,
    }
    # Per URL name, the objects its kwargs stand for.
    special = {
        "projects:organization_members": {"pk": organization_y.pk},
        "projects:organization_member_remove": {
            "pk": organization_y.pk,
            "member_pk": editor_y.pk,
        },
        "volunteers:membership_decide": {"pk": pending_b.pk},
        "volunteers:membership_leave": {"pk": membership_b.pk},
        "volunteers:signup_cancel": {"pk": signup_b.pk},
        "volunteers:signup_ics": {"pk": signup_b.pk},
        "volunteers:certificate_verify": {"token": certificate_b.token},
        "api:volunteer_certificate_check": {"token": certificate_b.token},
        "cases_admin_action": {"pk": case_b.pk, "name": "accept"},
        "cases_admin_detail": {"pk": case_b.pk},
        "cases_admin_photo": {"pk": case_b.pk, "photo_id": 999_999},
        "cases:photo": {"number": case_b.number, "photo_id": 999_999},
        "wagtailapi:pages:detail": {"pk": 999_999},
        "projects_review": {"task_state_id": task_state.pk},
        "volunteers:calendar_feed": {"token": feed_b.token},
        "portal_export_job": {"job_id": export_b.pk},
        "portal_export_status": {"job_id": export_b.pk},
        "portal_export_download": {"job_id": export_b.pk},
        "data_download_status": {"job_id": data_zip_b.pk},
        "data_download_file": {"job_id": data_zip_b.pk},
    }
    by_namespace = {
        "organizations": organization_y.pk,
        "volunteers_memberships": membership_b.pk,
        "volunteers_shifts": shift_b.pk,
        "volunteers_signups": signup_b.pk,
        "volunteers_service_records": record_b.pk,
        "survey_responses": response_b.pk,
        "wagtailsnippets_portal_street": community_b.street_id,
        "wagtailsnippets_portal_community": community_b.pk,
        "wagtailsnippets_portal_grid": grid_b.pk,
        "wagtailsnippetchoosers_portal_street": community_b.street_id,
        "wagtailsnippetchoosers_portal_community": community_b.pk,
        "wagtailsnippetchoosers_portal_grid": grid_b.pk,
        "wagtailsnippets_projects_category": project_y.category_id,
        "wagtailsnippetchoosers_projects_category": project_y.category_id,
        "volunteers": shift_b.pk,  # volunteers:shift_* take a shift
        "wagtailadmin_pages": project_y.pk,
        "cases": case_b.number,
        "wagtailsnippets_cases_casecategory": case_category.pk,
        "wagtailsnippetchoosers_cases_casecategory": case_category.pk,
        "wagtailsnippets_cases_workingdayoverride": override.pk,
        "wagtailsnippetchoosers_cases_workingdayoverride": override.pk,
    }
    pages = {
        "page_id": project_y.pk,
        "action_name": "approve",
        "task_state_id": task_state.pk,
        "task_id": task_state.task_id,
        "revision_id": revision.pk,
    }
    return {
        "users": users,
        "kwargs": kwargs,
        "special": special,
        "by_namespace": by_namespace,
        "pages": pages,
        "grid_b": grid_b,
        "index": index,
        "route_pages": {"surveys.SurveyPage": survey_b},
        "route_kwargs": {"question_id": text_question.pk, "kind": "responses", "fmt": "csv"},
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def url_for(world, name: str, route: str) -> str:
    from django.urls import reverse

    wanted = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)
    names = [a or b for a, b in wanted]
    values = dict(world["special"].get(name, {}))
    namespace = name.split(":", 1)[0] if ":" in name else ""
    for key in names:
        if key in values:
            continue
        if namespace == "wagtailadmin_pages" and key in world["pages"]:
            values[key] = world["pages"][key]
        elif key == "number" and namespace in ("cases", "api", "open311"):
            values[key] = world["by_namespace"]["cases"]
        elif key in ("pk", "page_to_move_id") and namespace in world["by_namespace"]:
            values[key] = world["by_namespace"][namespace]
        elif key in world["kwargs"]:
            values[key] = world["kwargs"][key]
        else:
            raise AssertionError(f"no object for <{key}> of {name} ({route})")
    return reverse(name, kwargs=values)


def classify(response) -> str:
    status = response.status_code
    if status >= 500:
        return f"5xx ({status})"
    if status == 401:
        return "L"  # the API's "log in first" (no redirect: a problem document)
    if status in (403, 404):
        return "D"
    if 300 <= status < 400:
        location = response.headers.get("Location", "")
        if "/login/" in location:
            return "L"
        if location.rstrip("/").endswith("/admin") or location.startswith("/admin/?"):
            return "D"  # Wagtail's "you do not have permission" back to the admin home
        return "O"
    if status == 405:
        return "405"
    return "O"


def _matches(expected: str, actual: str) -> bool:
    return actual == expected or (expected == "X" and actual in ("L", "D"))


URLS = project_urls()
CASES = [
    pytest.param(name, method, id=f"{name}-{method}")
    for name in sorted(URLS)
    if name in TABLE
    for method, row in zip(("GET", "POST"), TABLE[name], strict=True)
    if row is not None
]


def test_every_view_is_in_the_table():
    """A view of the project missing from TABLE is a new view not in the permission table."""
    missing = sorted(set(URLS) - set(TABLE))
    assert not missing, f"new view not in the permission table: {missing}"
    stale = sorted(set(TABLE) - set(URLS))
    assert not stale, f"rows for views that no longer exist: {stale}"


def test_matrix_size():
    """The matrix's size, for the record: URL names × methods × 6 roles."""
    requests = len(CASES) * len(ROLES)
    print(f"permission matrix: {len(URLS)} URLs, {len(CASES)} URL×method, {requests} requests")
    assert len(CASES) >= len(URLS)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), CASES)
def test_permission_matrix(world, name, method):
    """Each of the 6 roles gets the answer the table gives it (one request per role)."""
    url = url_for(world, name, URLS[name])
    _check_row(world, name, method, url, TABLE[name][0 if method == "GET" else 1])


def _check_row(world, name: str, method: str, url: str, row: str) -> None:
    """Request `url` as every role; each gets the answer its column of `row` gives."""
    answers = row.split()
    assert len(answers) == len(ROLES), f"{name}: the row must have {len(ROLES)} answers"
    wrong = []
    for role, expected in zip(ROLES, answers, strict=True):
        client = Client(raise_request_exception=False)
        if role != "anon":
            client.force_login(world["users"][role])
        sid = transaction.savepoint()
        try:
            response = client.get(url) if method == "GET" else client.post(url, {})
            actual = classify(response)
        finally:
            transaction.savepoint_rollback(sid)
        if not _matches(expected, actual):
            wrong.append(f"{role}: expected {expected}, got {actual} ({response.status_code})")
    assert not wrong, f"{method} {url} ({name}):\n  " + "\n  ".join(wrong)


# ---------------------------------------------------------------------------------------------
# The routes of routable pages (RoutablePageMixin): "<app>.<Model>:<route name>" -> rows, for
# a page of community B (world["route_pages"]).
# ---------------------------------------------------------------------------------------------
PAGE_ROUTES = {
    "surveys.SurveyPage:index_route": (PUBLIC, PUBLIC),  # the page says who may answer
    "surveys.SurveyPage:edit": (PUBLIC, PUBLIC),  # editing one's own response only
    "surveys.SurveyPage:results": (RESULTS, N),
    "surveys.SurveyPage:text_answers": (RESULTS, N),
    "surveys.SurveyPage:export": (RESULTS, N),
}


def page_routes() -> dict[str, tuple]:
    """{"<app>.<Model>:<route name>": (model, route name)} of every routable page type."""
    from wagtail.contrib.routable_page.models import RoutablePageMixin
    from wagtail.models import get_page_models

    found = {}
    for model in get_page_models():
        if issubclass(model, RoutablePageMixin):
            for pattern in model.get_subpage_urls():
                found[f"{model._meta.label}:{pattern.name}"] = (model, pattern.name)
    return found


ROUTE_CASES = [
    pytest.param(name, method, id=f"{name}-{method}")
    for name in sorted(PAGE_ROUTES)
    for method, row in zip(("GET", "POST"), PAGE_ROUTES[name], strict=True)
    if row is not None
]


def test_every_page_route_is_in_the_table():
    routes = page_routes()
    missing = sorted(set(routes) - set(PAGE_ROUTES))
    assert not missing, f"new page route not in the permission table: {missing}"
    stale = sorted(set(PAGE_ROUTES) - set(routes))
    assert not stale, f"rows for page routes that no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), ROUTE_CASES)
def test_page_route_permission_matrix(world, name, method):
    """Each of the 6 roles gets the answer the table gives it on a routable page's route."""
    model_label, route = name.split(":")
    page = world["route_pages"][model_label]
    pattern = next(p for p in type(page).get_subpage_urls() if p.name == route)
    wanted = re.findall(r"\(\?P<(\w+)>", str(pattern.pattern))
    kwargs = {key: world["route_kwargs"][key] for key in wanted}
    url = page.url + page.reverse_subpage(route, kwargs=kwargs)
    _check_row(world, name, method, url, PAGE_ROUTES[name][0 if method == "GET" else 1])
