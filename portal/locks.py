"""Row locks for the hot write paths, without the ORM's query building.

`Model.objects.select_for_update().filter(pk=...)` builds and compiles a query on every call
(about six times the Python work of the statement itself); a sign-up or a survey answer pays
that for a row it only needs locked. These helpers send the statement directly. Where the
database has no row locks (SQLite, which serialises writers), they do nothing.
"""

from django.db import connections, router


def lock_row(model, pk) -> None:
    """Lock one row of `model` (SELECT ... FOR UPDATE) until the transaction ends. Must be
    called inside a transaction."""
    connection = connections[router.db_for_write(model)]
    if not connection.features.has_select_for_update:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE {column} = %s FOR UPDATE",  # noqa: S608 - model names
            [pk],
        )
