"""Reads shared by the staff workspace, the public pages and exports, each in a fixed number
of queries."""

from datetime import timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from cases.models import HANDLING_STATES, Case, CaseEvent, CaseExtension, CasePhoto, State
from cases.permissions import cases_for_staff
from cases.services.sweep import warning_window
from portal.models import User


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
