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
from django.db.models import Model, signals


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


@functools.cache
def _insert_statement(model: type[Model]) -> tuple[str, tuple]:
    """The INSERT of every column of `model`, and the fields in its order."""
    meta = model._meta
    fields = tuple(field for field in meta.local_concrete_fields if not field.generated)
    if meta.parents or meta.db_returning_fields or any(hasattr(field, "get_placeholder") for field in fields):
        # A value the database makes (an auto id, a db_default) or a placeholder of its own: the ORM's to do.
        raise TypeError(f"fixed_rows.insert cannot write {meta.label}")
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    return sql, fields


def insert(instance: Model) -> None:
    """Write the new `instance` as `instance.save(force_insert=True)` does, in a fixed statement.

    Each value is what the ORM's compiler sends (the field's pre_save for an insert, then
    get_db_prep_save) and the same signals are sent; only the statement is written once per
    model instead of compiled per row. For a model whose ids the application makes (a UUID),
    with no value made by the database. Compiling the evidence item's 53-column INSERT was
    ~9% of an API filing's CPU (bench/bench_filing.py --profile); tests/test_fixed_insert.py
    holds the row equal to the ORM's.
    """
    model = type(instance)
    sql, fields = _insert_statement(model)
    using = connection.alias
    instance._prepare_related_fields_for_save(operation_name="save")
    signals.pre_save.send(sender=model, instance=instance, raw=False, using=using, update_fields=None)
    params = []
    for field in fields:
        value = field.pre_save(instance, True)
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"{field.name}: an expression; save() it through the ORM")
        params.append(field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    instance._state.adding = False
    instance._state.db = using
    signals.post_save.send(sender=model, instance=instance, created=True, update_fields=None, raw=False,
                           using=using)
