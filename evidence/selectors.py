"""Reads of evidence, always through the case visibility rule."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import F, QuerySet

from catalogue import fixed_rows
from catalogue.models import Case
from catalogue.selectors import case_visibility
from catalogue.visibility import visibility_sql_on
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
    where, params = visibility_sql_on(user, "c")
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


def item_visible(user: AbstractBaseUser, pk) -> EvidenceItem | None:
    """The item `pk` with its case (as select_related("case") gives it), or None if there is
    none or `user` may not see it: items_visible_to's rule, as its own SQL (catalogue.visibility).

    One fixed statement (catalogue.fixed_rows): the same read as a queryset spent ~3 ms of
    CPU compiling 90 columns and an ordering, for every item an API request names.
    """
    q = connection.ops.quote_name
    where, params = visibility_sql_on(user, "c")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {fixed_rows.columns(EvidenceItem, 'i')}, {fixed_rows.columns(Case, 'c')} "
            f"FROM {q(EvidenceItem._meta.db_table)} i JOIN {q(Case._meta.db_table)} c ON c.{q('id')} = i.{q('case_id')} "
            f"WHERE i.{q('id')} = %s AND {where}",
            [EvidenceItem._meta.pk.get_db_prep_value(pk, connection), *params],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    item, case = fixed_rows.from_row((EvidenceItem, Case), row)
    item.case = case
    return item


def custody_of(item: EvidenceItem) -> QuerySet[CustodyEvent]:
    return CustodyEvent.objects.filter(item=item).order_by("seq")
