"""Capacity under real concurrency on PostgreSQL: threads released together by a Barrier."""

import threading

import pytest
from django.db import connection

from tests import factories
from tests.volunteers.factories import make_shift
from volunteers import services
from volunteers.models import RosterMembership, SignUp

S = SignUp.Status


def _run_together(functions):
    barrier = threading.Barrier(len(functions))
    errors = []

    def run(function):
        try:
            barrier.wait()
            function()
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _setup(people: int, capacity: int):
    grid = factories.make_geography(streets=1, communities=1, grids=1)[0]
    users = []
    for n in range(people):
        user = factories.make_user(email=f"race{n}-{grid.pk}@example.cn", home_grid=grid)
        RosterMembership.objects.create(user=user, grid=grid, status="active")
        users.append(user)
    shift = make_shift(grid=grid, capacity=capacity)
    return shift, users


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_sign_ups_for_ten_places(require_postgres):
    shift, users = _setup(50, 10)
    errors = _run_together([lambda u=u: services.shift_sign_up(shift=shift, user=u) for u in users])
    assert errors == []
    signups = list(SignUp.objects.filter(shift=shift).order_by("queued_at", "pk"))
    assert len(signups) == 50
    assert len({s.user_id for s in signups}) == 50
    assert sum(s.status == S.CONFIRMED for s in signups) == 10
    assert sum(s.status == S.WAITLISTED for s in signups) == 40
    # The order is consistent: the ten confirmed came first in the queue, then the waitlist.
    assert [s.status for s in signups] == [S.CONFIRMED] * 10 + [S.WAITLISTED] * 40
    queue = [s.queued_at for s in signups]
    assert queue == sorted(queue)


@pytest.mark.django_db(transaction=True)
def test_same_person_twice_at_once_gets_one_sign_up(require_postgres):
    shift, users = _setup(1, 10)
    errors = _run_together(
        [lambda: services.shift_sign_up(shift=shift, user=users[0]) for _ in range(5)]
    )
    assert len(errors) == 4
    assert SignUp.objects.filter(shift=shift).count() == 1


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_cancellations_promote_exactly_ten(require_postgres):
    shift, users = _setup(30, 10)
    for user in users:
        services.shift_sign_up(shift=shift, user=user)
    confirmed = list(SignUp.objects.filter(shift=shift, status=S.CONFIRMED))
    waiting = list(
        SignUp.objects.filter(shift=shift, status=S.WAITLISTED).order_by("queued_at", "pk")
    )
    assert len(confirmed) == 10 and len(waiting) == 20
    errors = _run_together(
        [lambda s=s: services.shift_cancel(signup=s, by=s.user) for s in confirmed]
    )
    assert errors == []
    now_confirmed = set(
        SignUp.objects.filter(shift=shift, status=S.CONFIRMED).values_list("pk", flat=True)
    )
    assert now_confirmed == {s.pk for s in waiting[:10]}
    assert SignUp.objects.filter(shift=shift, status=S.WAITLISTED).count() == 10
    assert SignUp.objects.filter(shift=shift, status=S.CANCELLED).count() == 10
