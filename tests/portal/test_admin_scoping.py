"""Every view of every project viewset reads through the viewset's scoped queryset
(portal.viewsets): community staff reach the rows of their own communities only, in the
index, its exports, and each detail view (inspect, edit, delete, history, usage, chooser).

The generic tests walk the URL resolver, so a view added later is covered without a new test:
a project model whose objects these tests cannot build fails until a builder is added."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.coreutils import resolve_model_string
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import ModelLogEntry

from portal.audit import audit_log
from portal.models import Community, Grid, Street, User
from portal.viewsets import DistrictWideViewSetMixin, is_scoped_view
from tests import factories
from tests.portal.export_helpers import export_through_job
from tests.projects.factories import make_organization, make_project_index
from tests.surveys.factories import answers_for, make_survey
from tests.volunteers.factories import make_member, make_shift
from volunteers.models import RosterMembership, ServiceRecord, Shift, SignUp

pytestmark = pytest.mark.django_db

# The project's own apps (a new one is included without changing this test).
PROJECT_APPS = {
    config.label
    for config in apps.get_app_configs()
    if Path(config.path).is_relative_to(settings.BASE_DIR)
    and ".venv" not in Path(config.path).relative_to(settings.BASE_DIR).parts
}
EVIL = '=HYPERLINK("http://evil.example/?x","点击")'
# Accounts are managed by district administrators through Wagtail's user screens; no staff
# role has a permission on them (asserted in test_no_staff_role_may_manage_accounts). Images
# and documents are Wagtail's, scoped by its collection permissions.
NOT_COMMUNITY_DATA = {User, get_image_model(), get_document_model()}


def _denied(response) -> bool:
    """403, 404, or the Wagtail admin's "permission denied" redirect to its dashboard."""
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and response["Location"] == "/admin/"


# --- The world: staff of community A, objects of community B ------------------------------


def _service_record(shift, user, hours="2.00"):
    signup = SignUp.objects.create(shift=shift, user=user, status=SignUp.Status.ATTENDED)
    return ServiceRecord.objects.create(
        signup=signup,
        user=user,
        shift=shift,
        grid=shift.grid,
        item=shift.title,
        served_on=timezone.localdate(),
        hours=Decimal(hours),
        issuer="测试社区",
    )


def _objects_in(grid, *, home_page, display_name="居民"):
    """One object of every project model, in `grid`'s community."""
    person = make_member(grid=grid, display_name=display_name)
    membership = RosterMembership.objects.get(user=person, grid=grid)
    shift = make_shift(grid=grid)
    past = make_shift(grid=grid, hours_from_now=-5)
    record = _service_record(past, person)
    signup = SignUp.objects.create(shift=shift, user=person, status=SignUp.Status.CONFIRMED)
    from surveys import services as survey_services
    from surveys.models import SurveyIndexPage, SurveyResponse

    index = SurveyIndexPage.objects.first()
    if index is None:
        index = home_page.add_child(instance=SurveyIndexPage(title="民意征集", slug="surveys"))
    survey = make_survey(index)
    survey_services.survey_submit(survey=survey, user=person, data=answers_for(survey))
    make_project_index(home_page)
    organization = make_organization(
        owner=factories.make_user(), communities=[grid.community], name=f"{display_name}组织"
    )
    from projects.models import Category

    return {
        Street: grid.community.street,
        Community: grid.community,
        Grid: grid,
        RosterMembership: membership,
        Shift: shift,
        SignUp: signup,
        ServiceRecord: record,
        SurveyResponse: SurveyResponse.objects.get(survey=survey, user=person),
        type(organization): organization,
        Category: Category.objects.first(),
        User: person,
    }


@pytest.fixture
def world(grids, home_page):
    mine, other = grids[0], grids[4]  # other street, other community
    other.name = "外社区网格"
    other.save()
    return {
        "mine": _objects_in(mine, home_page=home_page, display_name="本社区居民"),
        "other": _objects_in(other, home_page=home_page, display_name="外社区居民"),
        "staff": factories.make_community_staff(mine.community),
        "admin": factories.make_district_admin(),
    }


# --- Walking the admin's URL patterns ------------------------------------------------------


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace, pattern


def _view_model(callback):
    """The model a view works on: given to as_view() by the viewset, or on the class."""
    model = getattr(callback, "view_initkwargs", {}).get("model")
    if model is None:
        model = getattr(callback.view_class, "model", None)
    if isinstance(model, str):
        model = resolve_model_string(model)
    if not isinstance(model, type) or not hasattr(model, "_meta"):
        return None
    return model if model._meta.app_label in PROJECT_APPS else None


def _project_model_views():
    """(route, url name, view class, model) of every admin view about a project model."""
    for route, namespace, pattern in _walk(get_resolver().url_patterns):
        if not route.startswith("admin/"):
            continue
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is None:
            continue
        model = _view_model(pattern.callback)
        if model is not None and model not in NOT_COMMUNITY_DATA:
            yield route, f"{namespace}{pattern.name}" if pattern.name else None, view_class, model


def test_the_project_apps_are_found():
    assert {"portal", "projects", "volunteers", "surveys"} <= PROJECT_APPS
    assert "wagtailcore" not in PROJECT_APPS


def test_every_admin_view_of_a_project_model_is_scoped():
    views = list(_project_model_views())
    unscoped = sorted(
        route for route, _name, view_class, _model in views if not is_scoped_view(view_class)
    )
    assert len(views) > 40  # the walk really found the viewsets' views
    assert unscoped == []


def _detail_urls(objects):
    """Every admin URL that takes one object's pk, filled with `objects` of that model."""
    urls = []
    for route, name, view_class, model in _project_model_views():
        params = set(re.findall(r"<(?:\w+:)?(\w+)>", route))
        if not params or isinstance(view_class.scoping_viewset, DistrictWideViewSetMixin):
            continue
        assert params == {"pk"}, f"{route}: extend this test for the parameters {params}"
        assert model in objects, f"{route}: add a builder for {model.__name__} to _objects_in"
        urls.append(reverse(name, kwargs={"pk": objects[model].pk}))
    return urls


def test_staff_reach_no_detail_view_of_another_community(client, world):
    """Finding 2 for every detail view: inspect, edit, delete, history, usage, chooser and
    the viewsets' own actions. Another community's ids answer 403 or 404, never the page."""
    urls = _detail_urls(world["other"])
    assert len(urls) >= 30
    client.force_login(world["staff"])
    leaked = {}
    for url in urls:
        response = client.get(url)
        if not _denied(response):
            leaked[url] = response.status_code
    assert leaked == {}


def test_district_admins_reach_the_same_detail_views(client, world):
    """The scoping does not hide objects from district administrators, nor break the
    views that read no object."""
    client.force_login(world["admin"])
    for url in ("/admin/snippets/portal/grid/add/", "/admin/snippets/portal/street/add/"):
        assert client.get(url).status_code == 200
    answers = {url: client.get(url).status_code for url in _detail_urls(world["other"])}
    assert [url for url, status in answers.items() if status == 404] == []
    assert any(status == 200 for status in answers.values())


@pytest.mark.parametrize(
    "url",
    [
        "/admin/volunteers/memberships/inspect/{RosterMembership}/",
        "/admin/volunteers/signups/inspect/{SignUp}/",
        "/admin/volunteers/shifts/inspect/{Shift}/",
        "/admin/volunteers/shifts/edit/{Shift}/",
        "/admin/volunteers/shifts/history/{Shift}/",
        "/admin/volunteers/service-records/edit/{ServiceRecord}/",
        "/admin/volunteers/service-records/usage/{ServiceRecord}/",
        "/admin/volunteers/memberships/decide/{RosterMembership}/",
    ],
)
def test_finding_2_inspect_of_another_communitys_rows_is_404(client, world, url):
    """The review's reproduction: inspect (which shows the check-in code) opened any id."""
    ids = {model.__name__: obj.pk for model, obj in world["other"].items()}
    client.force_login(world["staff"])
    response = client.get(url.format(**ids))
    assert response.status_code == 404
    shift = world["other"][Shift]
    assert shift.checkin_code not in response.content.decode()
    own = {model.__name__: obj.pk for model, obj in world["mine"].items()}
    assert client.get(url.format(**own)).status_code in (200, 403)


def test_scoped_views_answer_404_for_ids_out_of_range(client, world):
    client.force_login(world["staff"])
    for url in ("/admin/volunteers/shifts/inspect/99999999999999999999/",):
        assert client.get(url).status_code == 404


# --- Finding 1: grids ----------------------------------------------------------------------


def test_finding_1_staff_cannot_take_over_another_communitys_grid(client, world):
    staff = world["staff"]
    other_grid = world["other"][Grid]
    client.force_login(staff)
    url = f"/admin/snippets/portal/grid/edit/{other_grid.pk}/"
    assert client.get(url).status_code == 404
    response = client.post(url, {"name": other_grid.name, "leader": staff.pk})
    assert response.status_code == 404
    other_grid.refresh_from_db()
    assert other_grid.leader_id is None
    roster = reverse("volunteers:roster", args=[other_grid.code])
    assert client.get(roster).status_code == 403


def test_staff_rename_own_grid_but_never_set_leader_or_community(client, world):
    staff = world["staff"]
    grid = world["mine"][Grid]
    other_community = world["other"][Community]
    client.force_login(staff)
    url = f"/admin/snippets/portal/grid/edit/{grid.pk}/"
    form_html = client.get(url).content.decode()
    assert 'name="leader"' not in form_html
    assert 'name="community"' not in form_html
    response = client.post(
        url,
        {
            "code": "HIJACK",
            "name": "改名网格",
            "community": other_community.pk,
            "leader": staff.pk,
        },
    )
    assert response.status_code == 302
    grid.refresh_from_db()
    assert grid.name == "改名网格"
    assert grid.community_id != other_community.pk
    assert grid.code != "HIJACK"
    assert grid.leader_id is None


def test_grid_listing_offers_leader_appointment_through_the_roster(client, world):
    grid = world["mine"][Grid]
    client.force_login(world["staff"])
    html = client.get("/admin/snippets/portal/grid/").content.decode()
    assert reverse("volunteers:roster", args=[grid.code]) in html
    assert world["other"][Grid].code not in html


def test_streets_and_communities_are_edited_by_district_admins_only(client, world):
    community = world["mine"][Community]
    street = world["mine"][Street]
    client.force_login(world["staff"])
    for url in (
        f"/admin/snippets/portal/community/edit/{community.pk}/",
        f"/admin/snippets/portal/street/edit/{street.pk}/",
        "/admin/snippets/portal/grid/add/",
    ):
        assert _denied(client.get(url))
    response = client.post(
        f"/admin/snippets/portal/community/edit/{community.pk}/",
        {"code": community.code, "name": "改名社区", "street": street.pk},
    )
    assert _denied(response)
    community.refresh_from_db()
    assert community.name != "改名社区"
    client.force_login(world["admin"])
    assert client.get(f"/admin/snippets/portal/community/edit/{community.pk}/").status_code == 200


def test_grid_chooser_lists_and_returns_own_grids_only(client, world):
    client.force_login(world["staff"])
    html = client.get("/admin/snippets/choose/portal/grid/").content.decode()
    assert "外社区网格" not in html
    other = world["other"][Grid]
    assert client.get(f"/admin/snippets/choose/portal/grid/chosen/{other.pk}/").status_code == 404
    mine = world["mine"][Grid]
    assert client.get(f"/admin/snippets/choose/portal/grid/chosen/{mine.pk}/").status_code == 200


# --- Finding 5: exports --------------------------------------------------------------------

EXPORTS = [
    "/admin/volunteers/memberships/",
    "/admin/volunteers/signups/",
    "/admin/volunteers/shifts/",
    "/admin/volunteers/service-records/",
    "/admin/snippets/portal/grid/",
]


def _csv_cells(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(body)) for cell in row]


def _xlsx_cells(response):
    from openpyxl import load_workbook

    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body)).active
    return [cell.value for row in sheet.iter_rows() for cell in row]


@pytest.fixture
def evil_world(world):
    """The display name and shift title of community A's rows start a formula; the grid
    leader too."""
    person = world["mine"][RosterMembership].user
    person.display_name = EVIL
    person.save()
    Shift.objects.filter(grid=world["mine"][Grid]).update(title=EVIL)
    ServiceRecord.objects.filter(user=person).update(item=EVIL)
    grid = world["mine"][Grid]
    grid.leader = person
    grid.save()
    return world


@pytest.mark.parametrize("url", EXPORTS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_finding_5_admin_exports_are_formula_safe(
    client, evil_world, url, fmt, django_capture_on_commit_callbacks
):
    client.force_login(evil_world["staff"])
    # Made off the request by an export job (portal.export_jobs), downloaded from its page.
    response = export_through_job(client, url, fmt, django_capture_on_commit_callbacks)
    cells = _csv_cells(response) if fmt == "csv" else _xlsx_cells(response)
    texts = [c for c in cells if isinstance(c, str)]
    assert "'" + EVIL in texts
    assert [c for c in texts if c.startswith(("=", "+", "-", "@", "\t", "\r"))] == []
    assert "外社区居民" not in texts  # the export is scoped like the list


def test_survey_response_and_site_history_exports_are_formula_safe(client, evil_world):
    person = evil_world["mine"][RosterMembership].user
    audit_log(actor=person, action="portal.view_contacts", instance=evil_world["mine"][Grid])
    client.force_login(evil_world["admin"])
    response = client.get("/admin/reports/site-history/", {"export": "csv"})
    texts = _csv_cells(response)
    assert "'" + EVIL in texts
    assert not [c for c in texts if c.startswith("=")]


def _all_export_views():
    for route, _namespace, pattern in _walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is not None and issubclass(view_class, SpreadsheetExportMixin):
            yield route, view_class


def test_every_spreadsheet_export_view_neutralises_formulas():
    """Wagtail's own reports, site history and form submissions included."""
    found = list(_all_export_views())
    assert len(found) >= 10
    for route, view_class in found:
        view = view_class.__new__(view_class)
        view.custom_field_preprocess = {}
        for fmt in ("csv", "xlsx"):
            for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
                assert view.preprocess_field_value("f", text, fmt) == "'" + text, route
            assert view.preprocess_field_value("f", 3, fmt) == 3, route


# --- Site history --------------------------------------------------------------------------


def test_staff_see_only_their_communities_entries_in_site_history(client, world):
    mine, other = world["mine"], world["other"]
    mine[Grid].name = "本社区网格"
    mine[Grid].save()
    for objects in (mine, other):
        audit_log(actor=world["admin"], action="portal.view_contacts", instance=objects[Grid])
        audit_log(actor=world["admin"], action="portal.export", instance=objects[Shift])
    assert ModelLogEntry.objects.count() >= 4
    client.force_login(world["staff"])
    html = client.get("/admin/reports/site-history/").content.decode()
    assert "本社区网格" in html
    assert "外社区网格" not in html
    texts = _csv_cells(client.get("/admin/reports/site-history/", {"export": "csv"}))
    assert "本社区网格" in texts and "外社区网格" not in texts
    results = client.get("/admin/reports/site-history/results/").content.decode()
    assert "外社区网格" not in results
    client.force_login(world["admin"])
    html = client.get("/admin/reports/site-history/").content.decode()
    assert "本社区网格" in html and "外社区网格" in html


def test_no_staff_role_may_manage_accounts():
    from django.contrib.auth.models import Group

    from portal.permissions import COMMUNITY_STAFF, DISTRICT_ADMINS, GRID_LEADERS

    for name in (COMMUNITY_STAFF, GRID_LEADERS):
        codenames = set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))
        assert not {c for c in codenames if c.endswith("_user")}
    assert Group.objects.filter(name=DISTRICT_ADMINS).exists()
