"""The state machine of a case: which role may take which action from which state, and to
which states it may lead. This table is the single home of that rule; the services check
every action against it and the staff screens offer only what it allows.

    submitted  --accept-->  accepted --dispatch--> dispatched --start--> in_progress
    submitted  --reject-->  rejected
    in_progress --handle--> handled --verify(pass)--> verified --close--> closed
                            handled --verify(pass, close)--> closed
                            handled --verify(fail)--> rework --start--> in_progress
    closed --rate(不满意, first time)--> rework;  rework --dispatch--> dispatched
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from cases.models import State
from cases.permissions import (
    COMMUNITY_STAFF,
    DISTRICT_ADMIN,
    GRID_LEADER,
    HANDLER,
    REPORTER,
)

S = State
ALL_STATES = frozenset(State.values)
SUPERVISORS = frozenset({GRID_LEADER, COMMUNITY_STAFF, DISTRICT_ADMIN})
STAFF = frozenset({COMMUNITY_STAFF, DISTRICT_ADMIN})
WORKERS = frozenset({GRID_LEADER, COMMUNITY_STAFF, HANDLER, DISTRICT_ADMIN})
WORKING_STATES = frozenset({S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.REWORK})


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    # The states the action may lead to; empty when the state does not change.
    targets: frozenset[str]
    roles: frozenset[str]


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "accept", _l("受理"), frozenset({S.SUBMITTED}), frozenset({S.ACCEPTED}), SUPERVISORS
        ),
        Transition(
            "reject", _l("不予受理"), frozenset({S.SUBMITTED}), frozenset({S.REJECTED}), SUPERVISORS
        ),
        Transition(
            "dispatch",
            _l("派遣"),
            frozenset({S.ACCEPTED, S.DISPATCHED, S.REWORK}),
            frozenset({S.DISPATCHED}),
            STAFF,
        ),
        Transition(
            "start",
            _l("开始处置"),
            frozenset({S.DISPATCHED, S.REWORK}),
            frozenset({S.IN_PROGRESS}),
            frozenset({HANDLER}),
        ),
        Transition(
            "handle",
            _l("办结"),
            frozenset({S.IN_PROGRESS}),
            frozenset({S.HANDLED}),
            frozenset({HANDLER}),
        ),
        Transition(
            "verify",
            _l("核查"),
            frozenset({S.HANDLED}),
            frozenset({S.VERIFIED, S.CLOSED, S.REWORK}),
            SUPERVISORS,
        ),
        Transition(
            "close", _l("结案"), frozenset({S.VERIFIED}), frozenset({S.CLOSED}), SUPERVISORS
        ),
        Transition(
            "rate",
            _l("评价"),
            frozenset({S.CLOSED}),
            frozenset({S.CLOSED, S.REWORK}),
            frozenset({REPORTER}),
        ),
        Transition(
            "request_extension",
            _l("申请延期或缓办"),
            WORKING_STATES,
            frozenset(),
            frozenset({HANDLER, GRID_LEADER, COMMUNITY_STAFF}),
        ),
        Transition("decide_extension", _l("审批延期或缓办"), WORKING_STATES, frozenset(), STAFF),
        Transition("add_note", _l("内部备注"), ALL_STATES, frozenset(), WORKERS),
        Transition("add_update", _l("公开进展"), ALL_STATES, frozenset(), WORKERS),
    ]
}


def check_transition(action: str, *, state: str, roles: set[str], target: str | None = None):
    """Raise PermissionDenied when none of `roles` may take `action`, ValidationError when
    the case's `state` does not allow it (or it would lead to an unlisted `target`)."""
    transition = TRANSITIONS[action]
    if not roles & transition.roles:
        raise PermissionDenied
    if state not in transition.sources:
        raise ValidationError(
            _("这件诉求当前为“%(state)s”，不能%(action)s。")
            % {"state": State(state).label, "action": transition.label}
        )
    if target is not None and target not in transition.targets:
        raise ValidationError(
            _("这件诉求不能从“%(state)s”变为“%(target)s”。")
            % {"state": State(state).label, "target": State(target).label}
        )
    return transition


def allowed_actions(*, state: str, roles: set[str]) -> list[str]:
    """The actions these roles may take on a case in this state, in the table's order."""
    return [
        action
        for action, transition in TRANSITIONS.items()
        if state in transition.sources and roles & transition.roles
    ]
