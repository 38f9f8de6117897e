"""Every write with rules in the cases app, one module per part of the loop. Each service is
`case_<action>(*, case, by, ...)`: it locks the case row, checks the actor and the state
against cases.transitions (PermissionDenied / ValidationError with a sentence a resident
understands), saves, writes a CaseEvent and keeps CaseDailyStat up to date."""

from cases.services.extensions import case_decide_extension, case_request_extension
from cases.services.limits import report_rate_slot
from cases.services.report import case_report, case_report_within_limit, deadlines
from cases.services.sweep import case_sweep, sweep_lock
from cases.services.updates import (
    case_add_note,
    case_add_update,
    case_follow,
    case_photo_set_public,
    case_unfollow,
)
from cases.services.workflow import (
    case_accept,
    case_close,
    case_dispatch,
    case_handle,
    case_rate,
    case_reject,
    case_start,
    case_verify,
    may_rate,
)

__all__ = [
    "case_accept",
    "case_add_note",
    "case_add_update",
    "case_close",
    "case_decide_extension",
    "case_dispatch",
    "case_follow",
    "case_handle",
    "case_photo_set_public",
    "case_rate",
    "case_reject",
    "case_report",
    "case_report_within_limit",
    "case_request_extension",
    "case_start",
    "case_sweep",
    "case_unfollow",
    "case_verify",
    "deadlines",
    "may_rate",
    "report_rate_slot",
    "sweep_lock",
]
