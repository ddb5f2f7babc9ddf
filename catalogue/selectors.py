"""Reads of case records. Who sees what is one rule (catalogue.visibility): the
admin, the API, search, hash lookup and exports all start from it, through
`cases_visible_to` or (for what hangs off a case) `case_visibility(user, "case__")`."""

from __future__ import annotations

import functools
from collections import defaultdict

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from catalogue import fixed_rows
from catalogue.models import Actor, Case, CaseSource, CrimeCategory, Place, Source, Team, VictimCount
from catalogue.roles import INVESTIGATOR, user_access
from catalogue.visibility import VisibleTo, visibility_sql_on


def case_visibility(user: AbstractBaseUser, prefix: str = "") -> VisibleTo | None:
    """The rule (catalogue.visibility) as a filter condition on cases or, with
    prefix "case__", on what hangs off a case; None for a superuser, who sees everything."""
    return None if user.is_authenticated and user.is_active and user.is_superuser else VisibleTo(user, prefix)


def cases_visible_to(user: AbstractBaseUser) -> QuerySet[Case]:
    """The cases `user` may see."""
    rule = case_visibility(user)
    return Case.objects.all() if rule is None else Case.objects.filter(rule)


# The columns a list row shows (catalogue.api.serializers.CaseListSerializer), with the id: the keyset.
LIST_COLUMNS = ("id", "reference", "title", "status", "sensitivity", "incident_start", "incident_end",
                "date_precision", "created_at", "updated_at")


def cases_for_listing(cases: QuerySet[Case]) -> QuerySet[dict]:
    """List rows as plain dicts of what a row shows, with the team's slug beside them: no
    model instances (a page of 50 cases and their teams cost ~2 ms of CPU to build)."""
    return cases.values(*LIST_COLUMNS, team_slug=F("team__slug"))


def case_visible_with_team(user: AbstractBaseUser, reference: str) -> Case | None:
    """The case `reference` with its team (as select_related("team") gives it), or None if there
    is none or `user` may not see it: cases_visible_to's rule, as its own SQL, in one fixed
    statement (catalogue.fixed_rows; the queryset cost ~2 ms of CPU to build and compile)."""
    q = connection.ops.quote_name
    where, params = visibility_sql_on(user, "c")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {fixed_rows.columns(Case, 'c')}, {fixed_rows.columns(Team, 't')} "
            f"FROM {q(Case._meta.db_table)} c JOIN {q(Team._meta.db_table)} t ON t.{q('id')} = c.{q('team_id')} "
            f"WHERE c.{q('reference')} = %s AND {where}",
            [reference, *params],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    case, team = fixed_rows.from_row((Case, Team), row)
    case.team = team
    return case


# What filing needs of the case it files into: its id, its reference (the exhibit number's
# prefix, the custody entry and the answer name it), and the columns the visibility rule reads.
FILING_COLUMNS = ("id", "reference", "sensitivity", "team_id", "created_by_id")


def case_visible_for_filing(user: AbstractBaseUser, reference: str) -> Case | None:
    """The case `reference` with only FILING_COLUMNS read (any other field loads when first
    used, as with .only()), or None if there is none or `user` may not see it: cases_visible_to's
    rule, as its own SQL, in one fixed statement. As a queryset (.defer("search_text").first())
    it cost ~0.5 ms of CPU to build and compile on every filing (bench/bench_filing.py); the
    case's search text, which grows with every exhibit sealed, is never read."""
    q = connection.ops.quote_name
    where, params = visibility_sql_on(user, "c")
    # In the model's field order, which Model.from_db expects of a partial row.
    names = [field.attname for field in Case._meta.concrete_fields if field.attname in FILING_COLUMNS]
    columns = [Case._meta.get_field(name).column for name in names]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(f'c.{q(column)}' for column in columns)} FROM {q(Case._meta.db_table)} c "
            f"WHERE c.{q('reference')} = %s AND {where}",
            [reference, *params],
        )
        row = cursor.fetchone()
    # None of these columns needs a converter (integers and text on every backend).
    return None if row is None else Case.from_db(connection.alias, names, row)


def case_get_visible(user: AbstractBaseUser, reference: str) -> Case | None:
    return cases_visible_to(user).filter(reference=reference).first()


@functools.cache
def _list_facts_statement() -> str:
    q = connection.ops.quote_name
    places, codes = Case.places.through._meta.db_table, Case.categories.through._meta.db_table
    # The items live in the evidence app, which catalogue must not import.
    items = Case._meta.get_field("evidence").related_model
    return (
        f"SELECT t.{q('case_id')}, 'p', x.{q('id')}, x.{q('name')}, x.{q('country')}, 0 "
        f"FROM {q(places)} t JOIN {q(Place._meta.db_table)} x ON x.{q('id')} = t.{q('place_id')} "
        f"WHERE t.{q('case_id')} IN ({{ids}}) "
        f"UNION ALL SELECT t.{q('case_id')}, 'c', x.{q('id')}, x.{q('code')}, '', x.{q('position')} "
        f"FROM {q(codes)} t JOIN {q(CrimeCategory._meta.db_table)} x ON x.{q('id')} = t.{q('crimecategory_id')} "
        f"WHERE t.{q('case_id')} IN ({{ids}}) "
        # The evidence count per case, here rather than a correlated subquery in the
        # page's query: building and compiling that took 1.5 ms of CPU per list.
        f"UNION ALL SELECT i.{q('case_id')}, 'n', count(*), '', '', 0 FROM {q(items._meta.db_table)} i "
        f"WHERE i.{q('case_id')} IN ({{ids}}) GROUP BY i.{q('case_id')} "
        # The models' own orderings, in the database's collation: places by
        # name, crimes by their place in the Statute.
        f"ORDER BY 2, 6, 4, 3"
    )


def case_list_facts(case_ids: list[int]) -> tuple[dict[int, list[dict]], dict[int, list[str]], dict[int, int]]:
    """The places ({id, name, country}), crime codes and evidence counts of a page of cases, in one query.

    A list row needs three columns of each. Django's prefetch builds a model and
    a related manager per row and per link, and even a values() union spent
    longer being built than run (bench/bench_api.py); so this is one fixed
    statement on a plain cursor. Its columns are integers and text, which every
    driver returns as they are; the ids are our own integer keys.
    """
    if not case_ids:
        return {}, {}, {}
    ids = ", ".join(str(int(case_id)) for case_id in case_ids)
    with connection.cursor() as cursor:
        cursor.execute(_list_facts_statement().format(ids=ids))
        rows = cursor.fetchall()
    places_of: dict[int, list[dict]] = defaultdict(list)
    codes_of: dict[int, list[str]] = defaultdict(list)
    counts: dict[int, int] = {}
    for case_id, kind, pk, name, country, _position in rows:
        if kind == "p":
            places_of[case_id].append({"id": pk, "name": name, "country": country})
        elif kind == "c":
            codes_of[case_id].append(name)
        else:
            counts[case_id] = int(pk)
    return places_of, codes_of, counts


@functools.cache
def _detail_statements() -> dict[str, tuple[type, str]]:
    """The five reads of case_detail_facts, written once from the models' metadata."""
    q = connection.ops.quote_name

    def linked(model, through, target_column: str, order: str) -> tuple[type, str]:
        return model, (
            f"SELECT x.* FROM {q(model._meta.db_table)} x JOIN {q(through._meta.db_table)} t "
            f"ON t.{q(target_column)} = x.{q('id')} WHERE t.{q('case_id')} = %s ORDER BY {order}, x.{q('id')}"
        )

    def graded(model, extra: str) -> tuple[type, str]:
        return model, (
            f"SELECT x.*, {extra} FROM {q(model._meta.db_table)} x JOIN {q(Source._meta.db_table)} s "
            f"ON s.{q('id')} = x.{q('source_id')} WHERE x.{q('case_id')} = %s ORDER BY x.{q('id')}"
        )

    return {
        "places": linked(Place, Case.places.through, "place_id", f"x.{q('name')}"),
        "categories": linked(CrimeCategory, Case.categories.through, "crimecategory_id", f"x.{q('position')}"),
        "perpetrators": linked(Actor, Case.perpetrators.through, "actor_id", f"x.{q('name')}"),
        "sources": graded(CaseSource, f"s.{q('name')} AS source_name, s.{q('kind')} AS source_kind"),
        "victim_counts": graded(VictimCount, f"s.{q('name')} AS source_name"),
    }


def case_detail_facts(case: Case) -> dict[str, list]:
    """What a case's detail shows beside its own columns: its places, crimes and
    perpetrators in the models' own order, its sources (graded) and victim
    figures in filing order, each with the source's name.

    Fixed statements through Model.objects.raw(), which still converts each
    column as the ORM does: building and compiling these five as querysets took
    2 ms of a 9 ms detail, more than all of its SQL (bench/bench_api.py).
    """
    return {
        name: list(model.objects.raw(sql, [case.pk])) for name, (model, sql) in _detail_statements().items()
    }


# --- shared records: actors, places and sources follow the cases that use them ---------


def _links(model: type) -> list[tuple[type, str]]:
    """The rows that tie a shared record to a case: (model with a `case` key, column naming the record)."""
    if model is Actor:
        return [(Case.perpetrators.through, "actor_id")]
    if model is Place:
        # A capture place hangs off an item, and so off the item's case (evidence is
        # reached through the reverse relation: catalogue does not import it).
        return [(Case.places.through, "place_id"), (Case._meta.get_field("evidence").related_model, "capture_place_id")]
    if model is Source:
        return [(CaseSource, "source_id"), (VictimCount, "source_id")]
    raise ValueError(f"{model.__name__} is not a shared record.")


def _used(model: type, **case_filter) -> Q:
    """The record is used by a case matching `case_filter` (a Q or lookups, given as `rule`)."""
    rule = case_filter.pop("rule", None)
    used = Q()
    for link, column in _links(model):
        rows = link.objects.filter(**{column: OuterRef("pk")}, **case_filter)
        used |= Q(Exists(rows.filter(rule() if rule else Q())))
    return used


def shared_records_visible_to(user: AbstractBaseUser, model: type) -> QuerySet:
    """The actors, places or sources `user` may see: those used by a case they may
    see, and those no case uses yet (to be picked for a first case). A record used
    only by cases hidden from them is hidden too. Superusers see all."""
    if case_visibility(user) is None:
        return model.objects.all()
    return model.objects.filter(_used(model, rule=lambda: case_visibility(user, "case__")) | ~_used(model))


def shared_records_changeable_by(user: AbstractBaseUser, model: type) -> QuerySet:
    """The records `user` may change: investigators, where their team uses the record
    (or no case uses it yet), among those they may see; superusers, all."""
    if case_visibility(user) is None:
        return model.objects.all()
    access = user_access(user)
    if INVESTIGATOR not in access.roles:
        return model.objects.none()
    own_team = _used(model, case__team_id__in=access.team_ids) if access.team_ids else Q(pk__in=[])
    return shared_records_visible_to(user, model).filter(own_team | ~_used(model))


def actors_visible_to(user: AbstractBaseUser) -> QuerySet[Actor]:
    return shared_records_visible_to(user, Actor)


def places_visible_to(user: AbstractBaseUser) -> QuerySet[Place]:
    return shared_records_visible_to(user, Place)


def sources_visible_to(user: AbstractBaseUser) -> QuerySet[Source]:
    return shared_records_visible_to(user, Source)
