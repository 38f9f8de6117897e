"""Account deletion (portal's personal-data erasers call volunteer_erase)."""

from django.db import transaction
from django.utils import timezone

from portal.models import User
from volunteers.models import CalendarFeed, Certificate, RosterMembership, SignUp
from volunteers.services.shifts import signup_cancel_and_promote

Status = RosterMembership.Status


@transaction.atomic
def volunteer_erase(*, user: User) -> None:
    """Cancel future sign-ups (places go to the waitlist), leave every roster, drop the
    calendar feed and certificates. Credited hours stay as anonymous totals."""
    future = SignUp.objects.filter(
        user=user, status__in=SignUp.OPEN, shift__starts_at__gt=timezone.now()
    ).order_by("shift_id")
    for signup in future:
        signup_cancel_and_promote(signup=signup, notify_owner=False)
    RosterMembership.objects.filter(user=user, status__in=[Status.APPLIED, Status.ACTIVE]).update(
        status=Status.LEFT, left_at=timezone.now()
    )
    RosterMembership.objects.filter(user=user).update(
        availability="", motivation="", decision_reason=""
    )
    CalendarFeed.objects.filter(user=user).delete()
    Certificate.objects.filter(user=user).delete()
