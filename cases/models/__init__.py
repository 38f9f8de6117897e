from .calendar import CaseDailyStat, CaseMonthlyStat, CaseSweepLock, WorkingDayOverride
from .cases import (
    HANDLING_STATES,
    OPEN_STATES,
    Case,
    CaseEvent,
    CaseExtension,
    CaseFollower,
    CasePhoto,
    Rating,
    Source,
    State,
)
from .categories import CaseCategory, CaseTimeLimit, Priority

__all__ = [
    "HANDLING_STATES",
    "OPEN_STATES",
    "Case",
    "CaseCategory",
    "CaseDailyStat",
    "CaseMonthlyStat",
    "CaseEvent",
    "CaseExtension",
    "CaseFollower",
    "CasePhoto",
    "CaseSweepLock",
    "CaseTimeLimit",
    "Priority",
    "Rating",
    "Source",
    "State",
    "WorkingDayOverride",
]
