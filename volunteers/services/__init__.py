"""Every write with rules in the volunteers app, one module per sub-domain: rosters, shifts,
attendance, certificates (and erasure). Each service checks who is acting (PermissionDenied:
this person may not), validates (ValidationError with a sentence a resident understands:
this input is wrong) and writes atomically. Callers import from here:
`from volunteers.services import shift_sign_up`."""

from volunteers.services.attendance import (
    record_issuer,
    service_record_adjust,
    shift_check_in,
    shift_confirm_attendance,
)
from volunteers.services.certificates import (
    calendar_feed_for,
    calendar_feed_reset,
    certificate_issue,
)
from volunteers.services.erasure import volunteer_erase
from volunteers.services.rosters import (
    grid_appoint_leader,
    membership_apply,
    membership_decide,
    membership_leave,
)
from volunteers.services.shifts import (
    SHIFT_EDITABLE_FIELDS,
    find_clash,
    shift_cancel,
    shift_create,
    shift_sign_up,
    shift_update,
)

__all__ = [
    "SHIFT_EDITABLE_FIELDS",
    "calendar_feed_for",
    "calendar_feed_reset",
    "certificate_issue",
    "find_clash",
    "grid_appoint_leader",
    "membership_apply",
    "membership_decide",
    "membership_leave",
    "record_issuer",
    "service_record_adjust",
    "shift_cancel",
    "shift_check_in",
    "shift_confirm_attendance",
    "shift_create",
    "shift_sign_up",
    "shift_update",
    "volunteer_erase",
]
