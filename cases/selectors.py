"""Reads shared by the staff workspace, the public pages and exports, each in a fixed number
of queries."""

from datetime import timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from cases.models import HANDLING_STATES, Case, CaseEvent, CaseExtension, CasePhoto, State
from cases.permissions import cases_for_staff
from cases.services.sweep import warning_window
from portal.models import User

# The public list counts at most this many matches: past a few hundred pages nobody pages
# on, and COUNT(*) over a year of cases would cost more than the rest of the page.
LIST_COUNT_CAP = 10_000


def capped_count(cases) -> int:
    """The number of `cases`, counted up to LIST_COUNT_CAP (the site's and the API's lists)."""
    return cases[:LIST_COUNT_CAP].count()


def inbox_cases(user: User) -> QuerySet:
    """The staff inbox (我的待办): the person's scoped cases with what the list shows."""
    return cases_for_staff(user).select_related(
        "category", "grid", "community", "street", "assigned_department", "assignee"
    )


def due_soon_q(now=None) -> Q:
    """Open cases whose running deadline falls within the warning window."""
    now = now or timezone.now()
    soon = now + warning_window()
    return Q(state=State.SUBMITTED, response_due_at__gte=now, response_due_at__lt=soon) | Q(
        state__in=HANDLING_STATES,
        postponed=False,
        handling_due_at__gte=now,
        handling_due_at__lt=soon,
    )


def overdue_q(now=None) -> Q:
    now = now or timezone.now()
    return Q(state=State.SUBMITTED, response_due_at__lt=now) | Q(
        state__in=HANDLING_STATES, postponed=False, handling_due_at__lt=now
    )


def case_for_staff_detail(user: User, pk: int) -> Case:
    """One case with its timeline, photos and extension requests; Case.DoesNotExist outside
    the person's scope."""
    return (
        inbox_cases(user)
        .select_related("reporter", "duplicate_of", "grid__leader")
        .prefetch_related(
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
            Prefetch("photos", queryset=CasePhoto.objects.order_by("kind", "created_at")),
            Prefetch("extensions", queryset=CaseExtension.objects.select_related("requested_by")),
        )
        .get(pk=pk)
    )


def similar_open_cases(*, grid_id: int, category_id: int, days: int = 30) -> QuerySet:
    """Open cases of the same category in the same grid from the last `days` days: offered
    before a report so that the resident can follow one (我也遇到) instead."""
    since = timezone.now() - timedelta(days=days)
    return (
        Case.objects.filter(grid_id=grid_id, category_id=category_id, created_at__gte=since)
        .exclude(state__in=[State.REJECTED, State.CLOSED])
        .select_related("category")
        .order_by("-created_at")
    )


def public_events(case: Case) -> QuerySet:
    return case.events.filter(is_public=True).order_by("created_at", "pk")


# --- Public and resident-facing reads (the public list and case page, 我的, the home page) --

PUBLIC_COLUMNS = (
    "number",
    "category__name",
    "street__name",
    "community__name",
    "grid__name",
    "state",
    "created_at",
    "handled_at",
    "closed_at",
)


def public_cases() -> QuerySet:
    """Cases the public may see: every case but the rejected ones, with what the list shows
    and nothing about the reporter."""
    return (
        Case.objects.exclude(state=State.REJECTED)
        .select_related("category", "street", "community", "grid")
        .only(
            "number",
            "description",
            "state",
            "is_overdue",
            "postponed",
            "created_at",
            "response_due_at",
            "handling_due_at",
            "handled_at",
            "closed_at",
            "category__name",
            "street__name",
            "community__name",
            "grid__name",
        )
    )


def public_case(number: str) -> Case:
    """One public case with its place; Case.DoesNotExist for unknown or rejected ones."""
    return (
        Case.objects.select_related("category", "grid", "community", "street")
        .exclude(state=State.REJECTED)
        .get(number=number)
    )


def recent_handled_cases(*, limit: int = 5) -> list[Case]:
    """The latest cases that were handled (办结) and are public: for the home page."""
    return list(
        public_cases()
        .filter(state__in=[State.HANDLED, State.VERIFIED, State.CLOSED])
        .order_by("-created_at")[:limit]
    )


def my_reported_cases(user: User) -> QuerySet:
    """我上报的: the person's own reports, newest first (the account section, 我的随手拍 and
    the app's list)."""
    return (
        Case.objects.filter(reporter=user)
        .select_related("category", "community")
        .order_by("-created_at", "-pk")
    )


def my_followed_cases(user: User) -> QuerySet:
    """我关注的: the cases the person follows, the latest followed first."""
    return (
        Case.objects.filter(followers__user=user)
        .select_related("category", "community")
        .order_by("-followers__created_at", "-pk")
    )


def cases_to_verify(user: User) -> QuerySet:
    """待核查: the handled cases of the grids the person leads, oldest first."""
    from cases.permissions import led_grid_ids

    grids = led_grid_ids(user)
    if not grids:
        return Case.objects.none()
    return (
        Case.objects.filter(grid_id__in=grids, state=State.HANDLED)
        .select_related("category", "grid")
        .order_by("handled_at", "pk")
    )
