"""Factories for the volunteers tests: shifts and roster members."""

from datetime import timedelta

from django.utils import timezone

from tests import factories
from volunteers.models import RosterMembership, Shift


def make_shift(*, grid, hours_from_now: float = 48, duration: float = 2, **fields) -> Shift:
    start = timezone.now() + timedelta(hours=hours_from_now)
    fields.setdefault("title", "徒步巡查")
    fields.setdefault("place", "网格服务站")
    fields.setdefault("capacity", 10)
    fields.setdefault("members_only", True)
    fields.setdefault("signup_deadline", start)
    return Shift.objects.create(
        grid=grid, starts_at=start, ends_at=start + timedelta(hours=duration), **fields
    )


def make_member(*, grid, user=None, role=RosterMembership.Role.VOLUNTEER, **user_fields):
    user = user or factories.make_user(home_grid=grid, **user_fields)
    RosterMembership.objects.create(
        user=user, grid=grid, role=role, status=RosterMembership.Status.ACTIVE
    )
    return user
