"""Keeps CaseDailyStat up to date: each service adds its deltas to the row of the case's
report date, community and category, in the same transaction as the change itself."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cases.models import Case, CaseDailyStat


def stat_add(case: Case, **deltas: int) -> None:
    """Add `deltas` (field → amount) to the case's daily row, creating the row if needed."""
    deltas = {field: amount for field, amount in deltas.items() if amount}
    if not deltas:
        return
    key = {
        "date": timezone.localdate(case.created_at),
        "community_id": case.community_id,
        "category_id": case.category_id,
    }
    updates = {field: F(field) + amount for field, amount in deltas.items()}
    if CaseDailyStat.objects.filter(**key).update(**updates):
        return
    try:
        with transaction.atomic():
            CaseDailyStat.objects.create(street_id=case.street_id, **key, **deltas)
    except IntegrityError:
        # Someone created the row between our update and insert: add to theirs.
        CaseDailyStat.objects.filter(**key).update(**updates)
