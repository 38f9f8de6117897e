"""Querysets compiled to SQL once per process, for the reads that every hot write repeats.

Building and compiling a queryset (filters, `select_related`, `only`, `FOR UPDATE`) costs the
ORM 0.5-0.8 ms of Python on every call, several times the statement itself: a sign-up paid it
twice per request. `Prepared` builds the queryset once, with a marker value for each
parameter, compiles it, and remembers where each marker landed in the statement's
parameters; every later call sends the same statement with the caller's values and builds
the instances the way the ORM's own iterator does (`Model.from_db`, the related objects of
`select_related`, the fields' converters).

    shift_locked = Prepared(
        lambda pk: Shift.objects.select_for_update(of=("self",))
        .select_related("grid")
        .filter(pk=pk)[:1],
        pk=int,
    )
    rows = shift_locked(pk=7)

Parameters are ints (compared with 64-bit columns: ids), strings or aware datetimes, used
as plain values in the filters (a marker the ORM transforms, or drops, is found missing when
the query is first compiled, and that is an error). An int beyond 64 bits matches no row, as
in the ORM. A queryset with `FOR UPDATE` can only run inside a transaction, as
always. Annotations, `values()` and prefetching are not supported: use the ORM for those.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from itertools import count
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, get_related_populators
from django.db.transaction import TransactionManagementError

_MARKER_BASE = datetime.datetime(2999, 12, 31, tzinfo=datetime.UTC)
_sequence = count(1)
_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1


def _marker(kind: type) -> Any:
    n = next(_sequence)
    if kind is int:
        return 2**62 + n
    if kind is str:
        return f"\x1fprepared-marker-{n}\x1f"
    if kind is datetime.datetime:
        return _MARKER_BASE - datetime.timedelta(microseconds=n)
    raise TypeError(f"Prepared parameters are int, str or datetime, not {kind!r}.")


class _Plan:
    __slots__ = (
        "sql",
        "params",
        "slots",
        "for_update",
        "model",
        "init_list",
        "start",
        "end",
        "populators",
        "converters",
    )


class Prepared:
    def __init__(self, build: Callable[..., QuerySet], **parameters: type):
        self._build = build
        self._parameters = parameters
        self._plans: dict[tuple[str, str], _Plan] = {}
        self._alias: str | None = None

    def __call__(self, **values) -> list:
        if values.keys() != self._parameters.keys():
            raise TypeError(f"Expected the parameters {sorted(self._parameters)}.")
        plan, alias = self._plan()
        connection = connections[alias]
        if plan.for_update and not connection.in_atomic_block:
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(plan.params)
        for index, name, kind in plan.slots:
            value = values[name]
            if kind is int and not _BIGINT_MIN <= value <= _BIGINT_MAX:
                return []
            if kind is datetime.datetime:
                value = connection.ops.adapt_datetimefield_value(value)
            params[index] = value
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        objects = []
        for row in rows:
            if plan.converters:
                row = list(row)
                for position, (functions, expression) in plan.converters.items():
                    value = row[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[position] = value
            instance = plan.model.from_db(alias, plan.init_list, row[plan.start : plan.end])
            for populator in plan.populators:
                populator.populate(row, instance)
            objects.append(instance)
        return objects

    def first(self, **values):
        found = self(**values)
        return found[0] if found else None

    def _plan(self) -> tuple[_Plan, str]:
        """The statement for the queryset's database (its name too: the tests' databases
        are renamed after start-up), compiled on first use."""
        if self._alias is not None:
            connection = connections[self._alias]
            plan = self._plans.get((self._alias, connection.settings_dict["NAME"]))
            if plan is not None:
                return plan, self._alias
        markers = {name: _marker(kind) for name, kind in self._parameters.items()}
        queryset = self._build(**markers)
        alias = queryset.db
        connection = connections[alias]
        plan = self._compile(queryset, markers, connection)
        self._plans[(alias, connection.settings_dict["NAME"])] = plan
        self._alias = alias
        return plan, alias

    def _compile(self, queryset: QuerySet, markers: dict, connection) -> _Plan:
        if queryset._iterable_class is not ModelIterable or queryset._prefetch_related_lookups:
            raise ImproperlyConfigured("Prepared takes querysets of model instances only.")
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        if compiler.annotation_col_map:
            raise ImproperlyConfigured("Prepared does not take annotations.")
        adapted = {}
        for name, marker in markers.items():
            kind = self._parameters[name]
            value = marker
            if kind is datetime.datetime:
                value = connection.ops.adapt_datetimefield_value(marker)
            adapted[name] = (value, kind)
        slots = []
        for index, param in enumerate(params):
            for name, (value, kind) in adapted.items():
                if type(param) is type(value) and param == value:
                    slots.append((index, name, kind))
        missing = set(markers) - {name for _index, name, _kind in slots}
        if missing:
            raise ImproperlyConfigured(
                f"The parameters {sorted(missing)} do not reach the statement unchanged."
            )
        plan = _Plan()
        plan.sql, plan.params, plan.slots = sql, tuple(params), tuple(slots)
        plan.for_update = queryset.query.select_for_update
        klass_info, select = compiler.klass_info, compiler.select
        plan.model = klass_info["model"]
        select_fields = klass_info["select_fields"]
        plan.start, plan.end = select_fields[0], select_fields[-1] + 1
        plan.init_list = [column[0].target.attname for column in select[plan.start : plan.end]]
        plan.populators = get_related_populators(klass_info, select, queryset.db)
        expressions = [column[0] for column in select[: compiler.col_count]]
        plan.converters = compiler.get_converters(expressions)
        return plan


@functools.cache
def _insert_statement(model, alias: str, rows: int) -> tuple[str, tuple]:
    """INSERT of `rows` rows of every concrete field but the primary key, returning the new
    primary keys, and those fields."""
    quote = connections[alias].ops.quote_name
    fields = tuple(field for field in model._meta.concrete_fields if not field.primary_key)
    columns = ", ".join(quote(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608 - model names
        f"VALUES {', '.join([row] * rows)} RETURNING {quote(model._meta.pk.column)}"
    )
    return sql, fields


def insert_all(objects: list) -> list:
    """Insert new instances of one model in one statement and give each its primary key, as
    `bulk_create` does on PostgreSQL and SQLite (both return the keys in the order of the
    rows), without its per-call query building: for the rows a hot write adds (a survey
    answer's rows). No signals are sent, as with `bulk_create`."""
    if not objects:
        return objects
    model = type(objects[0])
    connection = connections[router.db_for_write(model)]
    sql, fields = _insert_statement(model, connection.alias, len(objects))
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection)
        for instance in objects
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        keys = [row[0] for row in cursor.fetchall()]
    for instance, key in zip(objects, keys, strict=True):
        instance.pk = key
        instance._state.adding = False
        instance._state.db = connection.alias
    return objects
