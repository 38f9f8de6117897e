"""A stateful test (hypothesis RuleBasedStateMachine): random actions by random people on
random cases. Whatever happens, a case is never in a state its history does not explain,
every change is in its history, and nobody acts outside their role and scope.

The expected rules are written out here independently of cases.transitions, so that a wrong
entry in the table fails this test."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from cases import services
from cases.models import Case, CaseEvent, CaseExtension, Rating, State
from tests.cases.factories import make_category, make_department, make_handler, make_world

ACTORS = [
    "reporter",
    "leader",
    "staff",
    "other_staff",
    "handler",
    "other_handler",
    "stranger",
    "admin",
]
SUPERVISE = {"leader", "staff", "admin"}
STAFF = {"staff", "admin"}

# (action, state) → next state, as the brief describes the loop.
NEXT = {
    ("accept", State.SUBMITTED): State.ACCEPTED,
    ("reject", State.SUBMITTED): State.REJECTED,
    ("dispatch", State.ACCEPTED): State.DISPATCHED,
    ("dispatch", State.DISPATCHED): State.DISPATCHED,
    ("dispatch", State.REWORK): State.DISPATCHED,
    ("start", State.DISPATCHED): State.IN_PROGRESS,
    ("start", State.REWORK): State.IN_PROGRESS,
    ("handle", State.IN_PROGRESS): State.HANDLED,
    ("verify_close", State.HANDLED): State.CLOSED,
    ("verify_pass", State.HANDLED): State.VERIFIED,
    ("verify_fail", State.HANDLED): State.REWORK,
    ("close", State.VERIFIED): State.CLOSED,
}
WORKING = {State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS, State.REWORK}
TRANSITION_ACTIONS = {
    "report",
    "accept",
    "reject",
    "dispatch",
    "start",
    "handle",
    "verify",
    "close",
    "rate",
}


class CaseMachine(RuleBasedStateMachine):
    cases = Bundle("cases")

    def __init__(self):
        super().__init__()
        self.world = make_world()
        self.other_department = make_department(f"住建{self.world.grid.pk}")
        make_category(department=self.other_department)
        self.people = {
            "reporter": self.world.reporter,
            "leader": self.world.leader,
            "staff": self.world.staff,
            "other_staff": self.world.other_staff,
            "handler": self.world.handler,
            "other_handler": make_handler(self.other_department),
            "stranger": self.world.stranger,
            "admin": self.world.admin,
        }
        self.case_ids: list[int] = []
        # What the model expects for each case.
        self.expected: dict[int, dict] = {}

    # --- who may act, according to the brief --------------------------------------------------

    def handler_names(self, case: Case) -> set[str]:
        names = set()
        for name in ("handler", "other_handler"):
            person = self.people[name]
            in_department = (
                case.assigned_department_id is not None
                and person.groups.filter(pk=case.assigned_department_id).exists()
            )
            if case.assignee_id == person.pk or in_department:
                names.add(name)
        return names

    def may(self, action: str, actor: str, case: Case) -> bool:
        handlers = self.handler_names(case)
        if action in ("accept", "reject", "verify_close", "verify_pass", "verify_fail", "close"):
            return actor in SUPERVISE
        if action == "dispatch":
            return actor in STAFF
        if action in ("start", "handle"):
            return actor in handlers
        if action.startswith("rate"):
            return actor == "reporter"
        if action == "request_extension":
            return actor in handlers or actor in {"leader", "staff"}
        if action == "decide_extension":
            return actor in STAFF
        if action in ("note", "update"):
            return actor in handlers or actor in SUPERVISE
        raise AssertionError(action)

    # --- rules --------------------------------------------------------------------------------

    @rule(target=cases)
    def report(self):
        case = self.world.report()
        self.case_ids.append(case.pk)
        self.expected[case.pk] = {"state": State.SUBMITTED, "transitions": 1, "reopened": 0}
        return case.pk

    @rule(
        case_id=cases,
        actor=st.sampled_from(ACTORS),
        action=st.sampled_from(
            [
                "accept",
                "reject",
                "dispatch",
                "start",
                "handle",
                "verify_close",
                "verify_pass",
                "verify_fail",
                "close",
                "rate_ok",
                "rate_bad",
                "request_extension",
                "decide_extension",
                "note",
                "update",
            ]
        ),
        to=st.sampled_from(["department", "other_department", "person"]),
    )
    def act(self, case_id, actor, action, to):
        case = Case.objects.get(pk=case_id)
        pending = CaseExtension.objects.filter(case=case, status="pending").exists()
        if action == "decide_extension" and not pending:
            return  # nothing to decide
        before = case.state
        events_before = CaseEvent.objects.filter(case_id=case_id).count()
        allowed = self.may(action, actor, case)
        expected = self.expected[case_id]
        try:
            self.perform(action, actor, case, to)
        except PermissionDenied:
            assert not allowed, f"{actor} was refused {action} in {before}"
            self.assert_unchanged(case_id, before, events_before)
            return
        except ValidationError:
            self.assert_unchanged(case_id, before, events_before)
            self.assert_not_legal(action, before, expected, pending)
            return
        assert allowed, f"{actor} could {action} in {before}"
        case.refresh_from_db()
        after = case.state
        assert CaseEvent.objects.filter(case_id=case_id).count() > events_before
        if action.startswith("rate"):
            assert before == State.CLOSED and not expected.get("rated")
            if action == "rate_bad" and expected["reopened"] == 0:
                assert after == State.REWORK
                expected["reopened"] = 1
                expected["rated"] = False
            else:
                assert after == State.CLOSED
                expected["rated"] = True
            expected["transitions"] += 1
        elif (action, before) in NEXT:
            assert after == NEXT[(action, before)]
            expected["transitions"] += 1
            if after == State.CLOSED:
                expected["rated"] = False
        else:
            assert action in ("request_extension", "decide_extension", "note", "update"), action
            assert after == before
            assert before in WORKING or action in ("note", "update")
        expected["state"] = after

    def assert_unchanged(self, case_id, state, events):
        case = Case.objects.get(pk=case_id)
        assert case.state == state
        assert CaseEvent.objects.filter(case_id=case_id).count() == events

    def assert_not_legal(self, action, state, expected, pending):
        """A refused (ValidationError) action is one the model also considers illegal: valid
        input is always given, so only the state (or a rule on ratings and requests) can
        refuse it."""
        if action.startswith("rate"):
            assert state != State.CLOSED or expected.get("rated"), "first rating refused"
        elif action == "request_extension":
            assert state not in WORKING or pending, state
        elif action == "decide_extension":
            assert state not in WORKING, state
        elif action in ("note", "update"):
            raise AssertionError(f"{action} refused in {state}")
        else:
            assert (action, state) not in NEXT, (action, state)

    def perform(self, action, actor, case, target):
        by = self.people[actor]
        if action == "accept":
            services.case_accept(case=case, by=by)
        elif action == "reject":
            services.case_reject(case=case, by=by, reason="不属于受理范围")
        elif action == "dispatch":
            if target == "person":
                services.case_dispatch(case=case, by=by, assignee=self.people["handler"])
            elif target == "other_department":
                services.case_dispatch(case=case, by=by, department=self.other_department)
            else:
                services.case_dispatch(case=case, by=by, department=self.world.department)
        elif action == "start":
            services.case_start(case=case, by=by)
        elif action == "handle":
            services.case_handle(case=case, by=by, result="已处理")
        elif action == "verify_close":
            services.case_verify(case=case, by=by, passed=True, close=True)
        elif action == "verify_pass":
            services.case_verify(case=case, by=by, passed=True, close=False)
        elif action == "verify_fail":
            services.case_verify(case=case, by=by, passed=False, note="现场仍有垃圾")
        elif action == "close":
            services.case_close(case=case, by=by)
        elif action == "rate_ok":
            services.case_rate(case=case, by=by, rating=Rating.SATISFIED)
        elif action == "rate_bad":
            services.case_rate(case=case, by=by, rating=Rating.DISSATISFIED)
        elif action == "request_extension":
            services.case_request_extension(
                case=case, by=by, kind=CaseExtension.Kind.EXTENSION, reason="等待材料", hours=7
            )
        elif action == "decide_extension":
            pending = CaseExtension.objects.get(case=case, status="pending")
            services.case_decide_extension(extension=pending, by=by, approve=True)
        elif action == "note":
            services.case_add_note(case=case, by=by, text="内部备注")
        elif action == "update":
            services.case_add_update(case=case, by=by, text="公开进展")

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def history_explains_every_state(self):
        for case in Case.objects.filter(pk__in=self.case_ids):
            expected = self.expected[case.pk]
            assert case.state == expected["state"]
            assert case.state in State.values
            assert case.reopened_count == expected["reopened"] <= 1
            transitions = list(
                CaseEvent.objects.filter(case=case, action__in=TRANSITION_ACTIONS)
                .order_by("created_at", "pk")
                .values_list("from_state", "to_state")
            )
            assert len(transitions) == expected["transitions"]
            # The chain is unbroken: each transition starts where the previous one ended.
            state = ""
            for from_state, to_state in transitions:
                assert from_state == state
                state = to_state
            assert state == case.state
            if case.state == State.CLOSED:
                assert case.closed_at is not None
            if case.state == State.REJECTED:
                assert case.reject_reason


@pytest.mark.django_db
def test_random_actions_by_random_people_keep_the_rules():
    run_state_machine_as_test(
        CaseMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
