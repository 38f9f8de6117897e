"""Keeps CaseDailyStat and its monthly roll-up CaseMonthlyStat up to date: each service adds
its deltas to the rows of the case's report date (and month), community and category, in the
same transaction as the change itself."""

import datetime

from django.db import connections, router, transaction
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases.models import Case, CaseDailyStat, CaseMonthlyStat
from cases.models.calendar import handling_bucket_field
from portal import page_cache

COUNT_FIELDS = [
    field.name
    for field in CaseDailyStat._meta.concrete_fields
    if field.name not in {"id", "date", "street", "community", "category"}
]


def _upsert(connection, model, key: dict, street_id: int, deltas: dict) -> tuple[str, list]:
    """The statement that adds `deltas` to the row of `key`, creating the row with them if it
    is missing (INSERT ... ON CONFLICT DO UPDATE, on PostgreSQL and SQLite), and its
    parameters. Concurrent adds to one row queue on the row's lock; none is lost, and the
    unique constraint is the conflict target."""
    quote = connection.ops.quote_name
    opts = model._meta
    row = {
        **{opts.get_field(name).column: value for name, value in key.items()},
        "street_id": street_id,
        **{opts.get_field(name).column: 0 for name in COUNT_FIELDS},
        **{opts.get_field(name).column: amount for name, amount in deltas.items()},
    }
    columns = ", ".join(quote(column) for column in row)
    conflict = ", ".join(quote(opts.get_field(name).column) for name in key)
    table = quote(opts.db_table)
    added = ", ".join(
        f"{quote(column)} = {table}.{quote(column)} + EXCLUDED.{quote(column)}"
        for column in (opts.get_field(name).column for name in deltas)
    )
    values = [
        connection.ops.adapt_datefield_value(value) if isinstance(value, datetime.date) else value
        for value in row.values()
    ]
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(row))}) "  # noqa: S608
        f"ON CONFLICT ({conflict}) DO UPDATE SET {added}"
    )
    return sql, values


def _add(rows: list[tuple[type, dict]], street_id: int, deltas: dict) -> None:
    """Add `deltas` to each (model, key) row, sent as written because every report pays it.
    On PostgreSQL the upserts go in one statement (each but the last in a WITH clause: data-
    modifying CTEs all run, on different tables here), one round trip instead of one each."""
    connection = connections[router.db_for_write(CaseDailyStat)]
    statements = [_upsert(connection, model, key, street_id, deltas) for model, key in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            *first, (last_sql, last_values) = statements
            clauses = ", ".join(f"upsert_{n} AS ({sql})" for n, (sql, _) in enumerate(first))
            values = [value for _, params in first for value in params] + last_values
            cursor.execute(f"WITH {clauses} {last_sql}" if first else last_sql, values)
            return
        for sql, values in statements:
            cursor.execute(sql, values)


def stat_add(case: Case, **deltas: int) -> None:
    """Add `deltas` (field → amount) to the case's daily and monthly rows, creating them if
    needed."""
    if deltas.get("handled") and "handling_minutes" in deltas:
        # The handling-time histogram the statistics page reads median and p90 from.
        deltas[handling_bucket_field(deltas["handling_minutes"])] = deltas["handled"]
    deltas = {field: amount for field, amount in deltas.items() if amount}
    if not deltas:
        return
    day = timezone.localdate(case.created_at)
    common = {"community_id": case.community_id, "category_id": case.category_id}
    rows = [
        (CaseDailyStat, {"date": day, **common}),
        (CaseMonthlyStat, {"month": day.replace(day=1), **common}),
    ]
    _add(rows, case.street_id, deltas)
    # The statistics page keeps its content until "cases" is purged (the case's own save
    # purges it too; this keeps the rule next to the figures it protects).
    page_cache.purge("cases")


@transaction.atomic
def rebuild_monthly_stats() -> int:
    """Rebuild the monthly roll-up from the daily rows (after loading daily rows in bulk: demo
    and bench data, the migration that introduced it). Returns the number of monthly rows."""
    CaseMonthlyStat.objects.all().delete()
    rows = (
        CaseDailyStat.objects.annotate(month=TruncMonth("date"))
        .values("month", "street_id", "community_id", "category_id")
        .annotate(**{f"total_{name}": Sum(name) for name in COUNT_FIELDS})
        .order_by()
    )
    created = CaseMonthlyStat.objects.bulk_create(
        (
            CaseMonthlyStat(
                month=row["month"],
                street_id=row["street_id"],
                community_id=row["community_id"],
                category_id=row["category_id"],
                **{name: row[f"total_{name}"] or 0 for name in COUNT_FIELDS},
            )
            for row in rows.iterator(chunk_size=5000)
        ),
        batch_size=2000,
    )
    page_cache.purge("cases")
    return len(created)
