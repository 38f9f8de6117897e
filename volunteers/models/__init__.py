"""Grid volunteer rosters (名册), shifts (patrols 徒步巡查 and project activities), sign-ups
with capacity and waitlist, check-in, service records (服务时长) and certificates, one module
per sub-domain."""

from volunteers.models.records import CalendarFeed, Certificate, ServiceRecord, new_token
from volunteers.models.rosters import MembershipSkill, RosterMembership
from volunteers.models.shifts import (
    Shift,
    ShiftQuerySet,
    SignUp,
    count_subquery,
    new_checkin_code,
    validate_repeat_weeks,
)

__all__ = [
    "CalendarFeed",
    "Certificate",
    "MembershipSkill",
    "RosterMembership",
    "ServiceRecord",
    "Shift",
    "ShiftQuerySet",
    "SignUp",
    "count_subquery",
    "new_checkin_code",
    "new_token",
    "validate_repeat_weeks",
]
