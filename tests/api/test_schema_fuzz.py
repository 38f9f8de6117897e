"""The API's acceptance test (issue #14): schemathesis, which nobody here wrote, reads
/api/v1/openapi.json and sends generated requests (valid ones and malformed ones) to every
operation, once without a token and once with a resident's session token, against the
project's WSGI application with demo-like data. Every answer must be a non-5xx answer whose
status code, content type, headers and body the schema declares.

Bounds (a loaded 2-core machine, ≤ 90 s): FUZZ_EXAMPLES valid and FUZZ_NEGATIVE_EXAMPLES
malformed requests per operation and caller, no shrinking, no example database. The checks
and bounds come from schemathesis.toml through tests/api/fuzz_settings.py, shared with the
run against a live server with the demo data (test_schema_fuzz_live.py)."""

from __future__ import annotations

import datetime

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests import factories
from tests.api import fuzz_settings

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz_in_process]

FUZZ_EXAMPLES = fuzz_settings.MAX_EXAMPLES
FUZZ_NEGATIVE_EXAMPLES = fuzz_settings.NEGATIVE_EXAMPLES
CHECKS = fuzz_settings.checks()


@pytest.fixture
def demo_world(grids, settings, tmp_path):
    """A little of everything the API shows: geography, open/closed surveys with answers, an
    organization with projects, notifications, shifts with sign-ups, cases."""
    from portal.notifications import notify
    from surveys.models import SurveyIndexPage
    from surveys.services import survey_submit
    from tests.projects import factories as builders
    from tests.surveys.factories import answers_for, make_survey

    home = factories.make_home_page()
    builders.make_project_index(home)
    admin = factories.make_district_admin()
    owner = factories.make_user(home_grid=grids[0])
    organization = builders.make_organization(
        owner=owner, communities=[grids[0].community], verify_by=admin, name="甲志愿服务中心"
    )
    for title in ("独居老人上门探访", "楼道微更新"):
        builders.make_project(organization, title=title, communities=[grids[0].community])
    index = SurveyIndexPage(title="民意征集", slug="surveys-fuzz")
    home.add_child(instance=index)
    open_survey = make_survey(index, results_visibility="while_open")
    make_survey(
        index,
        opens_at=timezone.now() - datetime.timedelta(days=10),
        closes_at=timezone.now() - datetime.timedelta(days=1),
    )
    for _ in range(3):
        survey_submit(
            survey=open_survey,
            user=factories.make_user(home_grid=grids[1]),
            data=answers_for(open_survey),
        )
    resident = factories.make_user(home_grid=grids[0], mobile="13900001111")
    _volunteers_and_cases(grids, resident=resident, other=owner, settings=settings, tmp=tmp_path)
    for n in range(3):
        notify(recipient=resident, kind="roster_decided", subject=f"消息{n}", email=False)
    return {"resident": resident}


def _volunteers_and_cases(grids, *, resident, other, settings, tmp) -> None:
    """Shifts (open to all and members only) with sign-ups, the resident on a roster, and
    cases: someone else's open one and the resident's closed one."""
    from cases import services as case_services
    from tests.cases.factories import make_category, make_department, make_handler
    from tests.volunteers.factories import make_member, make_shift
    from volunteers.models import SignUp

    settings.CASES_PRIVATE_MEDIA_ROOT = tmp / "private"
    grid = grids[0]
    make_member(grid=grid, user=resident)
    open_shift = make_shift(grid=grid, members_only=False)
    make_shift(grid=grid, hours_from_now=72)
    SignUp.objects.create(shift=open_shift, user=other, status="confirmed")
    department = make_department()
    category = make_category(department=department)
    case_services.case_report(by=other, category=category, grid=grid, description="楼道堆物")
    mine = case_services.case_report(by=resident, category=category, grid=grid, description="路灯")
    staff = factories.make_community_staff(grid.community)
    handler = make_handler(department)
    case_services.case_accept(case=mine, by=staff)
    case_services.case_dispatch(case=mine, by=staff, department=department)
    case_services.case_start(case=mine, by=handler)
    case_services.case_handle(case=mine, by=handler, result="已修复")
    case_services.case_verify(case=mine, by=staff, passed=True)


@pytest.fixture
def wsgi_app():
    """The project's WSGI application in this process, on the test's database connection:
    like Django's test client, without closing the connection after each request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _login(app, email: str) -> str:
    """Log in through the same WSGI application (Django's test client would reconnect the
    signal that closes the test's connection)."""
    from werkzeug.test import Client as WsgiClient

    response = WsgiClient(app).post(
        "/_allauth/app/v1/auth/login",
        json={"email": email, "password": factories.PASSWORD},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert response.status_code == 200, response.get_data()
    return response.json["meta"]["session_token"]


def _operations(schema):
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda op: fuzz_settings.operation_order(op.label))


def _fuzz(operation, app, headers_for, failures):
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    if FUZZ_NEGATIVE_EXAMPLES:
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    for strategy, examples in zip(
        strategies, (FUZZ_EXAMPLES, FUZZ_NEGATIVE_EXAMPLES), strict=False
    ):

        @given(case=strategy)
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            headers = headers_for()
            response = case.call(app=app, headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            run()
        except Unsatisfiable:
            # Malformed requests need something to break: an operation without parameters
            # or body has none (its valid requests ran above).
            if strategy is strategies[0]:
                failures.append(f"{operation.label}: no valid request could be generated")
        except Exception as error:  # noqa: BLE001 - collected: every operation is reported
            failures.append(f"{operation.label}: {error}")


@override_settings(API_RATE_LIMIT=(100_000, 60))
@pytest.mark.parametrize("caller", ["anonymous", "resident"])
def test_every_operation_conforms_to_the_schema(demo_world, wsgi_app, caller):
    app = wsgi_app
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    resident = demo_world["resident"]
    state = {"token": ""}

    def headers_for():
        if caller == "anonymous":
            return {}
        return {"X-Session-Token": state["token"]}

    failures: list[str] = []
    operations = _operations(schema)
    assert len(operations) >= 25
    for operation in operations:
        if caller == "resident":
            # A fresh login for each operation: an earlier one may have ended the last one.
            state["token"] = _login(app, resident.email)
        _fuzz(operation, app, headers_for, failures)
    assert not failures, "\n\n".join(failures)
