"""portal.prepared.Prepared: a queryset compiled once gives what the ORM gives, call after
call, with the caller's values."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Count
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import Grid
from portal.prepared import Prepared
from tests import factories
from tests.volunteers.factories import make_shift
from volunteers.models import Shift, SignUp

pytestmark = pytest.mark.django_db


def _values(instance):
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.attname not in instance.get_deferred_fields()
    }


shifts_of_grid_after = Prepared(
    lambda grid_id, after: (
        Shift.objects.select_related("grid__community")
        .filter(grid_id=grid_id, starts_at__gt=after)
        .order_by("starts_at", "pk")
    ),
    grid_id=int,
    after=timezone.datetime,
)


def test_rows_related_objects_and_converted_values_are_the_orms(grids):
    now = timezone.now()
    grid, other = grids[0], grids[1]
    make_shift(grid=grid, hours_from_now=5, title="早班")
    make_shift(grid=grid, hours_from_now=50, title="晚班")
    make_shift(grid=other, hours_from_now=50)
    for grid_id, after in ((grid.pk, now), (grid.pk, now + timedelta(hours=10)), (other.pk, now)):
        orm = list(
            Shift.objects.select_related("grid__community")
            .filter(grid_id=grid_id, starts_at__gt=after)
            .order_by("starts_at", "pk")
        )
        with CaptureQueriesContext(connection) as queries:
            found = shifts_of_grid_after(grid_id=grid_id, after=after)
            communities = [shift.grid.community.name for shift in found]
        assert len(queries) == 1
        assert [_values(s) for s in found] == [_values(s) for s in orm]
        assert communities == [shift.grid.community.name for shift in orm]
        assert all(s.starts_at.tzinfo is not None and not s._state.adding for s in found)
    assert [s.title for s in shifts_of_grid_after(grid_id=grid.pk, after=now)] == ["早班", "晚班"]


def test_a_second_call_sends_the_statement_without_building_the_queryset_again(grids):
    built = []
    by_pk = Prepared(lambda pk: built.append(pk) or Grid.objects.filter(pk=pk), pk=int)
    assert by_pk.first(pk=grids[0].pk) == grids[0]
    assert by_pk.first(pk=grids[1].pk) == grids[1]
    assert by_pk.first(pk=987654321) is None
    assert len(built) == 1


def test_only_gives_deferred_fields_and_ids_beyond_64_bits_match_nothing(grids):
    names = Prepared(lambda pk: Grid.objects.only("name").filter(pk=pk), pk=int)
    grid = names.first(pk=grids[0].pk)
    assert grid.name == grids[0].name
    assert "code" in grid.get_deferred_fields()
    assert names(pk=2**63) == [] and names(pk=-(2**64)) == []


@pytest.mark.django_db(transaction=True)
def test_for_update_needs_a_transaction_on_every_call(grids):
    if not connection.features.has_select_for_update:
        pytest.skip("SQLite has no SELECT ... FOR UPDATE (its writes are serialised)")
    locked = Prepared(lambda pk: Grid.objects.select_for_update().filter(pk=pk), pk=int)
    with transaction.atomic():
        assert locked.first(pk=grids[0].pk) == grids[0]
    with pytest.raises(TransactionManagementError):
        locked(pk=grids[0].pk)


def test_a_parameter_the_orm_does_not_pass_through_is_refused(grids):
    dropped = Prepared(lambda pk: Grid.objects.filter(pk__gte=0), pk=int)
    with pytest.raises(ImproperlyConfigured):
        dropped(pk=1)
    annotated = Prepared(lambda pk: Grid.objects.filter(pk=pk).annotate(n=Count("shifts")), pk=int)
    with pytest.raises(ImproperlyConfigured):
        annotated(pk=1)
    with pytest.raises(TypeError):
        Prepared(lambda pk: Grid.objects.filter(pk=pk), pk=float)(pk=1.0)


def test_a_sign_up_finds_the_persons_own_and_clashing_sign_ups(grids):
    """The sign-up service's prepared reads: a clash at an overlapping time is found, a
    cancelled one is not, and a second sign-up for the same shift is refused."""
    from volunteers import services

    user = factories.make_user(home_grid=grids[0])
    first = make_shift(grid=grids[0], hours_from_now=48, members_only=False)
    overlapping = make_shift(grid=grids[1], hours_from_now=49, members_only=False)
    later = make_shift(grid=grids[1], hours_from_now=60, members_only=False)
    signup = services.shift_sign_up(shift=first, user=user)
    assert signup.status == SignUp.Status.CONFIRMED
    assert signup.shift.grid.community.name == grids[0].community.name
    with pytest.raises(Exception, match="已经报名"):
        services.shift_sign_up(shift=first, user=user)
    with pytest.raises(Exception) as clash:
        services.shift_sign_up(shift=overlapping, user=user)
    assert getattr(clash.value, "code", None) == "clash"
    assert services.shift_sign_up(shift=later, user=user).status == SignUp.Status.CONFIRMED
    with pytest.raises(Shift.DoesNotExist):
        services.shift_sign_up(shift=Shift(pk=2**63 - 1), user=user)


def test_insert_all_gives_each_row_its_key_in_order(grids):
    from portal.prepared import insert_all
    from volunteers.models import Shift as ShiftModel

    start = timezone.now() + timedelta(days=1)
    shifts = [
        ShiftModel(
            grid=grids[n % 2],
            title=f"班次{n}",
            place="服务站",
            starts_at=start,
            ends_at=start + timedelta(hours=n + 1),
            signup_deadline=start,
            capacity=n + 1,
        )
        for n in range(3)
    ]
    with CaptureQueriesContext(connection) as queries:
        inserted = insert_all(shifts)
    assert len(queries) == 1
    assert inserted is shifts and all(s.pk and not s._state.adding for s in shifts)
    for shift in shifts:
        stored = ShiftModel.objects.get(pk=shift.pk)
        assert (stored.title, stored.capacity, stored.grid_id) == (
            shift.title,
            shift.capacity,
            shift.grid_id,
        )
        assert stored.ends_at == shift.ends_at
    assert insert_all([]) == []
