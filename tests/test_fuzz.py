"""Fuzzing (hypothesis) of every public and staff list URL's query parameters and of every
public form: huge, negative and non-numeric numbers, long and odd Unicode, null bytes and
repeated keys. The answer may be a page, a 400 or a 404, never a 5xx.

Each target runs a bounded number of examples (``max_examples``) so that the whole module
stays well under a minute.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories

NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 2**31, 2**63, -(2**63) - 1, 10**400]),
).map(str)
ODD = st.sampled_from(
    [
        "",
        "\x00",
        "1\x00",
        "%00",
        "NaN",
        "inf",
        "-inf",
        "1e309",
        "0x10",
        "１２３",  # full-width digits
        "١٢٣",  # Arabic-Indic digits
        "9" * 60,
        "　",  # ideographic space
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "../../etc/passwd",
        "社区" * 200,
        "\u202e\u200b\ufeff",
        "😀" * 50,
        '=HYPERLINK("http://x")',
    ]
)
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),  # no lone surrogates: not UTF-8
    max_size=300,
)
VALUE = st.one_of(NUMBERS, ODD, TEXT)


def pairs(keys: list[str]):
    """A list of (key, value) pairs over the given keys and a few odd ones, keys repeated."""
    key = st.one_of(st.sampled_from(keys), st.sampled_from(["\x00", "page[]", "x" * 300]))
    return st.lists(st.tuples(key, VALUE), max_size=8)


FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: a failure is reproducible
)


@pytest.fixture
def site(db):
    from surveys.models import SurveyIndexPage
    from tests.projects import factories as project_factories
    from tests.surveys.factories import make_survey

    home = factories.make_home_page()
    grids = factories.make_geography()
    project_factories.make_project_index(home)
    surveys = SurveyIndexPage(title="民意征集", slug="surveys-fuzz")
    home.add_child(instance=surveys)
    survey = make_survey(surveys, results_visibility="while_open")
    resident = factories.make_user(home_grid=grids[0])
    staff = factories.make_community_staff(grids[0].community)
    admin = factories.make_district_admin()
    return {
        "grids": grids,
        "survey": survey,
        "resident": resident,
        "staff": staff,
        "admin": admin,
    }


def _client(site, role: str | None) -> Client:
    client = Client(raise_request_exception=False)
    if role:
        client.force_login(site[role])
    return client


def _assert_no_5xx(response, what: str) -> None:
    assert response.status_code < 500, f"{what} answered {response.status_code}"


# (path, its query parameters, who asks)
LISTS = [
    ("/projects/", ["q", "category", "community", "status", "tag", "page"], None),
    ("/organizations/", ["q", "type", "page"], None),
    ("/volunteers/", ["grid", "street", "community", "page"], None),
    ("/search/", ["q", "page"], None),
    ("/geo/communities/", ["parent", "page"], None),
    ("/geo/grids/", ["parent", "page"], None),
    ("/geo/streets/", ["parent", "page"], None),
    ("/surveys-fuzz/", ["tab", "page"], None),
    ("{survey}results/", ["street", "community", "grid", "page"], None),
    ("/me/notifications/", ["page"], "resident"),
    ("/admin/volunteers/grid-report/", ["street", "community", "export", "page"], "staff"),
    (
        "/admin/volunteers/memberships/",
        ["status", "role", "grid__community__street", "grid__community", "q", "p", "ordering"],
        "staff",
    ),
    ("/admin/volunteers/shifts/", ["grid__community", "q", "p", "export"], "staff"),
    ("/admin/volunteers/signups/", ["status", "q", "p", "export"], "staff"),
    ("/admin/volunteers/service-records/", ["q", "p", "export"], "admin"),
    ("/admin/survey_responses/", ["survey", "street", "q", "p", "export"], "staff"),
    ("/admin/organizations/", ["status", "q", "p"], "staff"),
    ("/admin/snippets/portal/grid/", ["community__street", "community", "q", "p"], "staff"),
]


def _path(site, template: str) -> str:
    if template.startswith("{survey}"):
        return site["survey"].url + template.removeprefix("{survey}")
    return template


@pytest.mark.parametrize(
    ("path", "keys", "role"), LISTS, ids=[f"{p}-{r or 'anon'}" for p, _k, r in LISTS]
)
def test_list_query_parameters(site, path, keys, role):
    client = _client(site, role)
    url = _path(site, path)

    @FUZZ
    @given(query=pairs(keys))
    def check(query):
        response = client.get(f"{url}?{urlencode(query)}")
        _assert_no_5xx(response, f"GET {url}?{urlencode(query)}")

    check()


def _survey_fields(site) -> list[str]:
    return [q.clean_name for q in site["survey"].get_form_fields()]


# (path, its fields, who posts)
FORMS = [
    (
        "/accounts/signup/",
        ["email", "password1", "password2", "display_name", "privacy_consent"],
        None,
    ),
    ("/accounts/login/", ["login", "password", "remember"], None),
    ("/accounts/password/reset/", ["email"], None),
    (
        "/organizations/apply/",
        [
            "name",
            "credit_code",
            "org_type",
            "street",
            "service_communities",
            "contact_person",
            "phone",
            "email",
            "description",
        ],
        "resident",
    ),
    ("/volunteers/join/", ["street", "community", "grid", "role", "skills", "note"], "resident"),
    (
        "/me/profile/",
        ["display_name", "mobile", "mobile_consent", "street", "community", "grid"],
        "resident",
    ),
    ("{survey}", [], "resident"),
    ("{survey}", [], None),
]


@pytest.mark.parametrize(
    ("path", "fields", "role"), FORMS, ids=[f"{p}-{r or 'anon'}" for p, _f, r in FORMS]
)
def test_public_forms(site, path, fields, role):
    client = _client(site, role)
    if path == "{survey}":
        url = site["survey"].url
        fields = _survey_fields(site) + [f"{name}__other" for name in _survey_fields(site)]
    else:
        url = path

    @FUZZ
    @given(data=pairs(fields))
    def check(data):
        body = urlencode(data)
        response = client.post(url, body, content_type="application/x-www-form-urlencoded")
        _assert_no_5xx(response, f"POST {url} {body[:200]}")

    check()
