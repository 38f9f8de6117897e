"""One row with the rows its foreign keys lead to, in one statement, without the ORM's query
building: for the lookups that every logged-in request or every report makes.

`User.objects.select_related("home_grid__community__street").get(pk=...)` clones, filters and
compiles a query on every call: about ten times the Python work of sending the statement.
`load_chain(User, pk, ("home_grid", "community", "street"))` gives the same objects (each
related object cached on its parent, so reading `user.home_grid.community.street` sends no
query) from a statement written once per process, and the instances are built with
`Model.from_db`, as the ORM builds them. A foreign key that is NULL gives None there, and the
chain stops.
"""

from __future__ import annotations

from functools import cache

from django.db import connections, router


@cache
def _plan(model, chain: tuple[str, ...]):
    """(database alias, SQL, [(model, attnames, field name or None, width, index of the pk)],
    [(column index, converters, column)]) for `model` and its chain of forward foreign keys."""
    connection = connections[router.db_for_read(model)]
    quote = connection.ops.quote_name
    steps, columns, joins, converters = [], [], [], []
    current, alias, via = model, "t0", None
    for depth in range(len(chain) + 1):
        fields = current._meta.concrete_fields
        columns += [f"{alias}.{quote(field.column)}" for field in fields]
        first_column = len(columns) - len(fields)
        for offset, field in enumerate(fields):
            # The conversions the ORM applies to a value read (a time zone on SQLite's
            # datetimes, JSON, a field's own from_db_value), as its compiler finds them.
            column = field.get_col(alias)
            found = connection.ops.get_db_converters(column)
            found += column.get_db_converters(connection)
            if found:
                converters.append((first_column + offset, found, column))
        pk_index = [field.attname for field in fields].index(current._meta.pk.attname)
        steps.append((current, [field.attname for field in fields], via, len(fields), pk_index))
        if depth == len(chain):
            break
        field = current._meta.get_field(chain[depth])
        target = field.related_model
        next_alias = f"t{depth + 1}"
        joins.append(
            f"LEFT OUTER JOIN {quote(target._meta.db_table)} {next_alias} "
            f"ON {next_alias}.{quote(target._meta.pk.column)} = {alias}.{quote(field.column)}"
        )
        current, alias, via = target, next_alias, field.name
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} t0 "  # noqa: S608
        f"{' '.join(joins)} WHERE t0.{quote(model._meta.pk.column)} = %s"
    )
    return connection.alias, sql, steps, converters


def load_chain(model, pk, chain: tuple[str, ...] = ()):
    """The `model` row with primary key `pk` and the rows along `chain` (forward foreign
    keys, each from the previous model), or None when there is no such row."""
    alias, sql, steps, converters = _plan(model, tuple(chain))
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    for index, functions, column in converters:
        for function in functions:
            row[index] = function(row[index], column, connection)
    first, parent, start = None, None, 0
    for step_model, attnames, via, width, pk_index in steps:
        values = row[start : start + width]
        start += width
        if parent is not None and values[pk_index] is None:
            break  # a NULL foreign key: the chain ends here (already None on the parent)
        instance = step_model.from_db(alias, attnames, values)
        if parent is None:
            first = instance
        else:
            setattr(parent, via, instance)
        parent = instance
    return first
