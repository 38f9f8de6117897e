"""Regression tests for the defects found in the outside review of the cases app."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import services
from cases.forms import DispatchForm
from cases.models import CaseEvent, State


def _accepted(world):
    case = world.report()
    services.case_accept(case=case, by=world.staff)
    return case


# --- 1. only handling departments can be dispatched to -------------------------------------


def test_dispatch_offers_only_the_departments_of_categories(world):
    editors, _ = Group.objects.get_or_create(name="Editors")
    Group.objects.get_or_create(name="社会组织：阳光志愿服务社")
    choices = set(DispatchForm().fields["department"].queryset)
    assert choices == {world.department}
    assert editors not in choices


def test_dispatch_to_another_group_is_a_form_error_and_no_transition(client, world):
    case = _accepted(world)
    editors, _ = Group.objects.get_or_create(name="Editors")
    client.force_login(world.staff)
    response = client.post(
        reverse("cases_admin_action", args=[case.pk, "dispatch"]),
        {"dispatch-department": editors.pk},
    )
    assert response.status_code == 400
    assert "只能派遣到处置部门" in response.text
    case.refresh_from_db()
    assert case.state == State.ACCEPTED and case.assigned_department is None


@pytest.mark.parametrize("name", ["Editors", "网格长", "社会组织：阳光志愿服务社"])
def test_dispatch_service_refuses_a_group_that_is_not_a_department(world, name):
    case = _accepted(world)
    group, _ = Group.objects.get_or_create(name=name)
    with pytest.raises(ValidationError) as error:
        services.case_dispatch(case=case, by=world.staff, department=group)
    assert "不是处置部门" in error.value.message_dict["department"][0]
    case.refresh_from_db()
    assert case.state == State.ACCEPTED


def test_bulk_dispatch_to_another_group_is_refused(client, world):
    case = _accepted(world)
    editors, _ = Group.objects.get_or_create(name="Editors")
    client.force_login(world.staff)
    client.post(
        reverse("cases_admin_bulk"),
        {"operation": "dispatch", "department": editors.pk, "cases": [case.pk]},
    )
    case.refresh_from_db()
    assert case.state == State.ACCEPTED


# --- 3. the history names the role the person acted under ----------------------------------


def test_verification_by_an_admin_who_handled_is_labelled_as_admin(client, world):
    case = _accepted(world)
    services.case_dispatch(case=case, by=world.admin, assignee=world.admin)
    services.case_start(case=case, by=world.admin)
    services.case_handle(case=case, by=world.admin, result="已清运")
    services.case_verify(case=case, by=world.admin, passed=True)
    roles = dict(CaseEvent.objects.filter(case=case).values_list("action", "actor_role"))
    assert roles["handle"] == "处置人员"
    assert roles["verify"] == "区级管理员"
    page = client.get(case.get_absolute_url())
    assert "核查 · 区级管理员" in page.text
    assert "核查 · 处置人员" not in page.text


# --- 2. grid leaders verify handled cases on the public page -------------------------------


def _handled(world):
    case = _accepted(world)
    services.case_dispatch(case=case, by=world.staff, department=world.department)
    services.case_start(case=case, by=world.handler)
    services.case_handle(case=case, by=world.handler, result="已清运")
    return case


def test_the_grid_leader_sees_the_verify_form_and_the_to_verify_list(client, world):
    case = _handled(world)
    client.force_login(world.leader)
    page = client.get(case.get_absolute_url())
    assert "网格长核查" in page.text
    assert reverse("cases:verify", args=[case.number]) in page.text
    assert "csrfmiddlewaretoken" in page.text
    account = client.get(reverse("account_home"))
    assert "待核查" in account.text and case.number in account.text


@pytest.mark.parametrize("who", ["reporter", "stranger", "handler", "other_staff"])
def test_others_see_no_verify_form_and_may_not_post(client, world, who):
    case = _handled(world)
    client.force_login(getattr(world, who))
    assert "网格长核查" not in client.get(case.get_absolute_url()).text
    response = client.post(
        reverse("cases:verify", args=[case.number]), {"verify-outcome": "pass_close"}
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == State.HANDLED


def test_no_verify_form_before_the_case_is_handled(client, world):
    case = _accepted(world)
    client.force_login(world.leader)
    assert "网格长核查" not in client.get(case.get_absolute_url()).text
    response = client.post(
        reverse("cases:verify", args=[case.number]), {"verify-outcome": "pass_close"}
    )
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.state == State.ACCEPTED


def test_the_leader_passes_and_closes(client, world):
    case = _handled(world)
    client.force_login(world.leader)
    response = client.post(
        reverse("cases:verify", args=[case.number]),
        {"verify-outcome": "pass_close", "verify-note": "现场已清理干净"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.CLOSED
    event = case.events.get(action="verify")
    assert event.actor == world.leader and event.actor_role == "网格长"
    assert "核查 · 网格长" in client.get(case.get_absolute_url()).text
    account = client.get(reverse("account_home")).text
    assert case.number not in account.split("待核查")[1].split("<h3")[0]


def test_a_failed_check_needs_a_reason_and_keeps_the_form(client, world):
    case = _handled(world)
    client.force_login(world.leader)
    url = reverse("cases:verify", args=[case.number])
    response = client.post(url, {"verify-outcome": "fail"})
    assert response.status_code == 400
    assert "请填写核查未通过的原因" in response.text
    case.refresh_from_db()
    assert case.state == State.HANDLED
    response = client.post(url, {"verify-outcome": "fail", "verify-note": "垃圾仍未清走"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.REWORK


def test_verify_needs_login_and_post(client, world):
    case = _handled(world)
    url = reverse("cases:verify", args=[case.number])
    assert client.post(url, {"verify-outcome": "pass_close"}).status_code == 302
    client.force_login(world.leader)
    assert client.get(url).status_code == 405
    assert client.post("/cases/NOPE/verify/", {}).status_code == 404
    case.refresh_from_db()
    assert case.state == State.HANDLED


# --- 6. the demo gives every demo role work to do ------------------------------------------


def test_demo_cases_spread_over_states_and_give_the_demo_roles_work(world):
    from types import SimpleNamespace

    from cases import demo, selectors
    from cases.models import OPEN_STATES, Case

    ctx = SimpleNamespace(
        seed=2026,
        users={"leader": world.leader, "staff": world.staff, "resident": world.reporter},
        log=lambda message: None,
        password="demo-password-2026",
    )
    demo.load(ctx)
    cases = Case.objects.all()
    total = cases.count()
    assert total >= demo.DEMO_CASES
    assert cases.filter(state=State.CLOSED).count() < total * 0.6
    assert cases.filter(state__in=OPEN_STATES).count() > total * 0.3
    assert set(State.values) <= set(cases.values_list("state", flat=True))

    inbox = selectors.inbox_cases(world.staff).filter(state__in=OPEN_STATES)
    mine = inbox.filter(grid=world.grid)
    assert mine.count() >= 12
    assert len(set(mine.values_list("state", flat=True))) >= 6
    assert mine.filter(selectors.overdue_q()).exists()
    assert mine.filter(selectors.due_soon_q()).count() >= 2
    assert selectors.cases_to_verify(world.leader)
    # The department handler's login has cases of 城管 to handle.
    assert selectors.inbox_cases(ctx.users["handler"]).filter(state__in=OPEN_STATES).exists()
