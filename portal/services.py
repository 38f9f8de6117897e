"""Writes with rules for the portal's own models (users, geography)."""

from django.db import transaction
from django.utils import timezone

from portal.models import Grid, User


@transaction.atomic
def user_update_profile(
    *,
    user: User,
    display_name: str,
    mobile: str,
    mobile_consent: bool,
    home_grid: Grid | None,
) -> User:
    """Save the resident's own profile. A mobile number is kept only with its own consent;
    withdrawing the consent removes the number."""
    user.display_name = display_name.strip()
    if mobile and mobile_consent:
        user.mobile = mobile
        if user.mobile_consent_at is None:
            user.mobile_consent_at = timezone.now()
    else:
        user.mobile = ""
        user.mobile_consent_at = None
    user.home_grid = home_grid
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "mobile", "mobile_consent_at", "home_grid"])
    return user
