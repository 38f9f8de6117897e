"""The database guards the rules even when code forgets them."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import Case, CaseExtension, CaseFollower, CaseTimeLimit, Priority


@pytest.mark.parametrize(
    "changes",
    [
        {"reopened_count": 2},
        {"rating": "satisfied"},  # a rating needs its time
        {"rating": "excellent", "rated_at": timezone.now()},
        {"latitude": 91, "longitude": 120},
        {"latitude": 36, "longitude": None},
        {"escalation_level": 3},
        {"state": "lost"},
        {"state": "closed"},  # closed needs closed_at
        {"state": "rejected"},  # rejected needs a reason
        {"response_due_at": timezone.now() - timedelta(days=400)},
    ],
)
def test_case_constraints(world, changes):
    case = world.report()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(**changes)


def test_a_case_is_not_a_duplicate_of_itself(world):
    case = world.report()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(duplicate_of=case)


def test_one_follow_per_person_and_one_pending_request_per_case(world):
    case = world.report()
    CaseFollower.objects.create(case=case, user=world.stranger)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFollower.objects.create(case=case, user=world.stranger)
    CaseExtension.objects.create(case=case, kind="extension", hours=7, reason="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseExtension.objects.create(case=case, kind="postponement", reason="b")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseExtension.objects.create(case=case, kind="extension", hours=None, reason="c")


def test_time_limits_are_positive_and_ordered(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseTimeLimit.objects.filter(category=world.category, priority=Priority.NORMAL).update(
            response_hours=30, handling_hours=10
        )


def test_deleting_the_reporter_keeps_the_case(world):
    case = world.report()
    world.reporter.delete()
    case.refresh_from_db()
    assert case.reporter is None
