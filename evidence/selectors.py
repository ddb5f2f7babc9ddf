"""Reads of evidence, always through the case visibility rule."""

from __future__ import annotations

import functools

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import F, QuerySet

from catalogue.models import Case
from catalogue.selectors import case_visibility
from catalogue.visibility import visibility_sql
from evidence.models import CustodyEvent, EvidenceItem


def items_visible_to(user: AbstractBaseUser) -> QuerySet[EvidenceItem]:
    # The rule through the join to the case, not `case__in=<cases query>`: a
    # nested queryset costs about a millisecond to build and compile (bench_api).
    rule = case_visibility(user, "case__")
    return EvidenceItem.objects.all() if rule is None else EvidenceItem.objects.filter(rule)


# The columns a list row shows (evidence.api.serializers.EvidenceItemSerializer).
LIST_COLUMNS = (
    "id", "exhibit", "kind", "title", "state", "sha256", "size", "media_type", "source_url",
    "held_by", "captured_at", "captured_at_precision", "created_at", "sealed_at", "withdrawn",
    "graphic_content", "risk_to_person",
)


def items_for_listing(items: QuerySet[EvidenceItem]) -> QuerySet[dict]:
    """List rows as plain dicts of what a row shows, with the case's reference
    beside them: no model instances (a page of them cost more than its SQL,
    bench/bench_api.py) and not the whole case row."""
    return items.values(*LIST_COLUMNS, case_reference=F("case__reference"))


def item_rows_holding(user: AbstractBaseUser, sha256: str) -> list[dict]:
    """The items holding content with this SHA-256 among those the user may see,
    as list rows (the shape of items_for_listing), by exhibit.

    One fixed statement through EvidenceItem.objects.raw(), which converts the
    columns as the ORM does, with the visibility rule's own SQL: the hash
    lookup is the API's most frequent question ("do we hold this file?"), and
    building the same query as a queryset cost twice what the database spends
    on it (bench/bench_api.py).
    """
    q = connection.ops.quote_name
    where, params = visibility_sql(user, *(f"c.{q(column)}" for column in ("sensitivity", "team_id", "created_by_id")))
    columns = [EvidenceItem._meta.get_field(name).column for name in LIST_COLUMNS]
    sql = (
        f"SELECT {', '.join(f'i.{q(column)}' for column in columns)}, c.{q('reference')} AS case_reference "
        f"FROM {q(EvidenceItem._meta.db_table)} i JOIN {q(Case._meta.db_table)} c ON c.{q('id')} = i.{q('case_id')} "
        f"WHERE i.{q('sha256')} = %s AND {where} ORDER BY i.{q('exhibit')}, i.{q('id')}"
    )
    return [
        {**{name: getattr(item, name) for name in LIST_COLUMNS}, "case_reference": item.case_reference}
        for item in EvidenceItem.objects.raw(sql, [sha256, *params])
    ]


@functools.cache
def _item_with_case_statement() -> tuple[str, tuple[tuple[type, tuple[str, ...], tuple]], ...]:
    """The SELECT of item_visible (everything before its WHERE), and per model its fields and
    the converters of each column, written once."""
    q = connection.ops.quote_name
    parts, models = [], []
    for model, alias in ((EvidenceItem, "i"), (Case, "c")):
        fields = model._meta.concrete_fields
        parts.append(", ".join(f"{alias}.{q(field.column)}" for field in fields))
        converters = []
        for position, field in enumerate(fields):
            column = field.get_col(model._meta.db_table)
            found = (*connection.ops.get_db_converters(column), *column.get_db_converters(connection))
            if found:
                converters.append((position, column, found))
        models.append((model, tuple(field.attname for field in fields), tuple(converters)))
    sql = (f"SELECT {', '.join(parts)} FROM {q(EvidenceItem._meta.db_table)} i "
           f"JOIN {q(Case._meta.db_table)} c ON c.{q('id')} = i.{q('case_id')} WHERE i.{q('id')} = %s AND ")
    return sql, tuple(models)


def item_visible(user: AbstractBaseUser, pk) -> EvidenceItem | None:
    """The item `pk` with its case (as select_related("case") gives it), or None if there is
    none or `user` may not see it: items_visible_to's rule, as its own SQL (catalogue.visibility).

    One fixed statement on a plain cursor, the instances built by Model.from_db with the
    ORM's converters: the same read as a queryset spent ~3 ms of CPU compiling 90 columns
    and an ordering, for every item an API request names (bench/api_cpu.py).
    """
    select, models = _item_with_case_statement()
    q = connection.ops.quote_name
    where, params = visibility_sql(user, *(f"c.{q(column)}" for column in ("sensitivity", "team_id", "created_by_id")))
    with connection.cursor() as cursor:
        cursor.execute(select + where, [EvidenceItem._meta.pk.get_db_prep_value(pk, connection), *params])
        row = cursor.fetchone()
    if row is None:
        return None
    instances, start = [], 0
    for model, fields, converters in models:
        values = list(row[start:start + len(fields)])
        start += len(fields)
        for position, column, found in converters:
            for convert in found:
                values[position] = convert(values[position], column, connection)
        instances.append(model.from_db(connection.alias, fields, values))
    item, case = instances
    item.case = case
    return item


def custody_of(item: EvidenceItem) -> QuerySet[CustodyEvent]:
    return CustodyEvent.objects.filter(item=item).order_by("seq")
