"""Reads of case records. `case_visibility` is the one rule of who sees what:
the admin, the API, search, hash lookup and exports all start from it, through
`cases_visible_to` or (for what hangs off a case) `case_visibility(user, "case__")`."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet, Value

from catalogue.models import Actor, Case, CaseSource, CrimeCategory, Place, VictimCount
from catalogue.roles import LEGAL, REVIEWER, user_access


def case_visibility(user: AbstractBaseUser, prefix: str = "") -> Q | None:
    """The rule itself, as a condition on cases (or, with prefix "case__", on
    what hangs off a case); None for a superuser, who sees everything.

    Open cases to anyone holding a role; restricted cases to the owning team;
    confidential cases to the owning team's reviewers and legal staff and to
    whoever filed them.

    Roles and teams are read first (one query, user_access) and written into
    the condition as values: a flat condition compiles in a fraction of the
    time of the same rule as sub-selects, and lets the planner estimate it.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    access = user_access(user)
    if not access.roles:
        return Q(pk__in=[])
    visible = Q(**{f"{prefix}sensitivity": Case.Sensitivity.OPEN})
    if access.team_ids:
        own_team = Q(**{f"{prefix}team_id__in": access.team_ids})
        if access.roles & {REVIEWER, LEGAL}:
            hidden_kinds = [Case.Sensitivity.RESTRICTED, Case.Sensitivity.CONFIDENTIAL]
            visible |= own_team & Q(**{f"{prefix}sensitivity__in": hidden_kinds})
        else:
            visible |= own_team & (
                Q(**{f"{prefix}sensitivity": Case.Sensitivity.RESTRICTED})
                | Q(**{f"{prefix}sensitivity": Case.Sensitivity.CONFIDENTIAL, f"{prefix}created_by_id": user.pk})
            )
    return visible


def cases_visible_to(user: AbstractBaseUser) -> QuerySet[Case]:
    """The cases `user` may see (the rule is case_visibility)."""
    rule = case_visibility(user)
    return Case.objects.all() if rule is None else Case.objects.filter(rule)


def case_get_visible(user: AbstractBaseUser, reference: str) -> Case | None:
    return cases_visible_to(user).filter(reference=reference).first()


def case_list_facts(case_ids: list[int]) -> tuple[dict[int, list[dict]], dict[int, list[str]]]:
    """The places ({id, name, country}) and crime codes of a page of cases, in one query.

    A list row needs three columns of each; Django's prefetch builds a model and
    a related manager per row and per link, which cost more than the page's SQL
    (bench/bench_api.py), so the links are read as plain tuples.
    """
    if not case_ids:
        return {}, {}
    places = Case.places.through.objects.filter(case_id__in=case_ids).values_list(
        "case_id", Value("p"), "place_id", "place__name", "place__country", Value(0),
    )
    codes = Case.categories.through.objects.filter(case_id__in=case_ids).values_list(
        "case_id", Value("c"), "crimecategory_id", "crimecategory__code", Value(""), "crimecategory__position",
    )
    places_of: dict[int, list] = defaultdict(list)
    codes_of: dict[int, list] = defaultdict(list)
    for case_id, kind, pk, name, country, sort_key in places.union(codes, all=True):
        if kind == "p":
            places_of[case_id].append((sort_key, pk, {"id": pk, "name": name, "country": country}))
        else:
            codes_of[case_id].append((sort_key, pk, name))
    # The models' own orderings: places by name, crimes by their place in the Statute.
    return (
        {case_id: [row for *_, row in sorted(rows, key=lambda r: (r[2]["name"], r[1]))]
         for case_id, rows in places_of.items()},
        {case_id: [code for *_, code in sorted(rows, key=lambda r: r[:2])] for case_id, rows in codes_of.items()},
    )


def case_detail_facts(case: Case) -> dict[str, list[dict]]:
    """What a case's detail shows beside its own columns, as plain rows, one
    query each: prefetching model instances cost about 4 ms a detail, more than
    all its SQL (bench/bench_api.py). Orders are the models' own, or filing order."""
    return {
        "places": list(Place.objects.filter(cases=case).values(
            "id", "name", "aliases", "admin_area", "country", "latitude", "longitude", "precision")),
        "categories": list(CrimeCategory.objects.filter(cases=case).values("code", "group", "name")),
        "perpetrators": list(Actor.objects.filter(cases=case).values("id", "name", "kind", "affiliation")),
        "sources": list(CaseSource.objects.filter(case=case).order_by("pk").values(
            "source_id", "source__name", "source__kind", "reliability", "credibility", "statement", "reported_on")),
        "victim_counts": list(VictimCount.objects.filter(case=case).order_by("pk").values(
            "category", "count", "source__name", "as_of", "note")),
    }
