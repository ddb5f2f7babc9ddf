"""Model instances from one fixed statement on a plain cursor, as the ORM would build them.

The API's hottest reads (the one case or item a request names) spent more CPU
having Django build and compile the queryset (90 columns, joins, an ordering)
than the database spent answering it (bench/api_cpu.py). Here the column list
is written once per model, the statement is plain SQL with the visibility
rule's own text (catalogue.visibility), and each row becomes instances through
Model.from_db after the same converters the ORM's compiler applies (the
backend's, e.g. SQLite's text times, and the field's, e.g. JSON).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


@functools.cache
def _shape(model: type[Model]) -> tuple[tuple[str, ...], tuple[str, ...], tuple]:
    """(columns, attnames, (position, column expression, converters) of the columns that need them)."""
    fields = model._meta.concrete_fields
    converters = []
    for position, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        found = (*connection.ops.get_db_converters(column), *column.get_db_converters(connection))
        if found:
            converters.append((position, column, found))
    return tuple(field.column for field in fields), tuple(field.attname for field in fields), tuple(converters)


def columns(model: type[Model], alias: str) -> str:
    """Every column of `model` under the table alias, in from_row's order."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(column)}" for column in _shape(model)[0])


def from_row(models: Sequence[type[Model]], row: Sequence) -> list[Model]:
    """One instance per model from a row holding columns(model) of each, in order."""
    instances, start = [], 0
    for model in models:
        _, attnames, converters = _shape(model)
        values = list(row[start:start + len(attnames)])
        start += len(attnames)
        for position, column, found in converters:
            for convert in found:
                values[position] = convert(values[position], column, connection)
        instances.append(model.from_db(connection.alias, attnames, values))
    return instances
