"""Finding 7: ids out of range gave HTTP 500. Every id from a URL or a query string is
validated: a bad one answers 400 or 404, or the filter is ignored with a message."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

from portal.filters import MAX_ID, parse_id
from tests import factories
from tests.surveys.factories import make_survey, route_url

HUGE = "9999999999999999999999999"


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def test_no_project_url_takes_an_unbounded_int():
    """The class fix: the project's own URLs take ids through `<id:…>` (18 digits at most),
    never `<int:…>`, so the next view cannot bring the 500 back."""
    offenders = [
        route
        for route, pattern in _patterns(get_resolver())
        if _ours(pattern)
        and not route.startswith("admin/pages/")  # Wagtail's own page views (its routes)
        and any(isinstance(c, IntConverter) for c in pattern.pattern.converters.values())
    ]
    assert offenders == []


OWN_APPS = {"portal", "projects", "volunteers", "surveys", "cases"}


def _ours(pattern: URLPattern) -> bool:
    """A view of the project's own code, or an admin view (a viewset's) of one of its models."""
    callback = pattern.callback
    if (getattr(callback, "__module__", "") or "").split(".")[0] in OWN_APPS:
        return True
    model = (getattr(callback, "view_initkwargs", None) or {}).get("model")
    if isinstance(model, str):  # "app_label.ModelName"
        from django.apps import apps

        model = apps.get_model(model)
    if model is None or model._meta.app_label not in OWN_APPS:
        return False
    # Wagtail's own image and document screens, which serve the portal's custom models.
    from wagtail.documents.models import AbstractDocument
    from wagtail.images.models import AbstractImage

    return not issubclass(model, (AbstractImage, AbstractDocument))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        (HUGE, None),
        ("0", None),
        ("-3", None),
        ("", None),
        ("x", None),
        ("١٢", None),
        (" 7 ", 7),
    ],
)
def test_parse_id(value, expected):
    assert parse_id(value) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        f"/me/notifications/{HUGE}/",
        f"/survey/{HUGE}/results/",
        f"/survey/{HUGE}/results/text/{HUGE}/",
        f"/volunteers/shifts/{HUGE}/",
        f"/volunteers/signups/{HUGE}/calendar.ics",
        f"/me/organizations/{HUGE}/members/",
    ],
)
def test_huge_ids_in_urls_are_404(client, resident, url):
    client.force_login(resident)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        f"/admin/snippets/portal/grid/edit/{HUGE}/",
        f"/admin/organizations/inspect/{HUGE}/",
        f"/admin/volunteers/shifts/inspect/{HUGE}/",
        f"/admin/users/{HUGE}/",
    ],
)
def test_huge_ids_in_admin_urls_are_404(client, district_admin, url):
    client.force_login(district_admin)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("level", ["communities", "grids"])
def test_geo_options_refuse_a_huge_parent(client, grids, level):
    response = client.get(f"/geo/{level}/", {"parent": HUGE})
    assert response.status_code == 400


@pytest.fixture
def survey_index(home_page):
    from surveys.models import SurveyIndexPage

    index = SurveyIndexPage(title="民意征集", slug="surveys")
    home_page.add_child(instance=index)
    return index


@pytest.mark.django_db
@pytest.mark.parametrize("param", ["street", "community"])
def test_survey_results_ignore_a_huge_filter_with_a_message(client, survey_index, grids, param):
    survey = make_survey(survey_index, results_visibility="while_open")
    response = client.get(route_url(survey, "results"), {param: HUGE})
    assert response.status_code == 200
    assert "筛选条件无效" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("param", ["street", "community"])
def test_admin_grid_report_ignores_a_huge_filter(client, district_admin, grids, param):
    client.force_login(district_admin)
    response = client.get("/admin/volunteers/grid-report/", {param: HUGE})
    assert response.status_code == 200
    assert "筛选条件无效" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("param", ["survey", "street"])
def test_admin_survey_response_filters_refuse_a_huge_id(client, district_admin, grids, param):
    client.force_login(district_admin)
    response = client.get("/admin/survey_responses/", {param: HUGE})
    assert response.status_code == 200


@pytest.mark.django_db
def test_admin_survey_response_filter_still_filters(client, survey_index, grids):
    staff = factories.make_district_admin()
    survey = make_survey(survey_index)
    client.force_login(staff)
    response = client.get("/admin/survey_responses/", {"survey": survey.pk})
    assert response.status_code == 200
