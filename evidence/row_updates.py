"""One UPDATE that gives many rows each their own values.

Django's `bulk_update` writes a `CASE WHEN id = … THEN …` per column and row;
building those expressions cost a sealing worker more CPU than the rest of
its batch's ending (14 ms a row, profiled in bench/profile_sealing.py). On
PostgreSQL the rows go as one array per column instead, joined with
`unnest`: one statement of constant shape, whatever the batch's size. Other
databases keep `bulk_update` (SQLite has no arrays).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


def update_rows(objs: Sequence[Model], fields: Sequence[str]) -> int:
    """Write `fields` of each object (its current attribute values) to its row; returns rows updated."""
    if not objs:
        return 0
    model = type(objs[0])
    if connection.vendor != "postgresql":
        return model.objects.bulk_update(objs, list(fields))
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    quote = connection.ops.quote_name
    arrays = [f"%s::{field.db_type(connection)}[]" for field in columns]
    names = [quote(field.column) for field in columns]
    sql = (f"UPDATE {quote(meta.db_table)} AS t SET "
           + ", ".join(f"{name} = v.{name}" for name in names[1:])
           + f" FROM unnest({', '.join(arrays)}) AS v({', '.join(names)}) WHERE t.{names[0]} = v.{names[0]}")
    params = [[_prepared(field, obj) for obj in objs] for field in columns]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _prepared(field, obj):
    from psycopg.types.json import Jsonb

    value = field.get_db_prep_save(getattr(obj, field.attname), connection)
    if isinstance(value, Jsonb):
        # As its text, cast by the jsonb[] (psycopg's wrapper has no array form), encoded as Django would.
        return (value.dumps or json.dumps)(value.obj)
    return value
