"""Query filters for the evidence list."""

from __future__ import annotations

import django_filters
from django.db import connection
from django.db.models import Q
from rest_framework.exceptions import ValidationError

from catalogue.api.filters import FilterSet
from evidence.hashing import normalise_sha256
from evidence.models import CaseEvidenceLink, EvidenceItem

# Strict: "graphic=perhaps" is a 400, not silently ignored as a BooleanFilter would.
BOOLEAN = [("true", "true"), ("false", "false")]


class EvidenceFilter(FilterSet):
    case = django_filters.CharFilter(method="filter_case", label="The case's reference, e.g. UA-2022-0007: its "
                                                                "own items and those linked to it.")
    kind = django_filters.MultipleChoiceFilter(choices=EvidenceItem.Kind.choices, distinct=False)
    state = django_filters.MultipleChoiceFilter(choices=EvidenceItem.State.choices, distinct=False)
    sha256 = django_filters.CharFilter(method="filter_sha256", label="SHA-256 of the content (64 hex characters).")
    media_type = django_filters.CharFilter(
        method="filter_media_type", label="e.g. video/mp4; a trailing slash (video/) matches the whole type."
    )
    q = django_filters.CharFilter(method="filter_q", label="Full text over exhibit, title, description, file name, extracted text.")
    graphic = django_filters.ChoiceFilter(field_name="graphic_content", choices=BOOLEAN, method="filter_flag",
                                          label="true: items flagged as graphic content; false: the others.")
    risk = django_filters.ChoiceFilter(field_name="risk_to_person", choices=BOOLEAN, method="filter_flag",
                                       label="true: items flagged as a risk to a person; false: the others.")
    verification = django_filters.ChoiceFilter(
        method="filter_verification",
        choices=[("unverified", "no sign-off"), ("partial", "one sign-off"), ("verified", "signed off by two people")],
        label="Verification per exhibit: unverified, partial (one sign-off) or verified (two people).",
    )

    class Meta:
        model = EvidenceItem
        fields: list[str] = []

    def filter_case(self, queryset, name, value):
        # Which items show is still the list's own rule (their owning case), so a link shows nobody
        # a new item; and only links to a case the viewer may see count, or naming a hidden case
        # would tell which visible items are linked to it.
        #
        # The case and the linked items are looked up first, so that the list is `case_id = … OR
        # id IN (…)`, two index scans. As `case__reference = … OR EXISTS (links)` the planner could
        # use no index for either side, walked the items in exhibit order and took seconds at
        # 1,000,000 items (bench/bench_http.py); two lookups by unique key take a fraction of a ms.
        # Both in one fixed statement on a plain cursor (as two querysets they cost ~2 ms of CPU
        # to build and compile); the links under the visibility rule's own SQL.
        from catalogue.models import Case
        from catalogue.visibility import visibility_sql_on

        q = connection.ops.quote_name
        # The rule on the linked (named) case: the items' own rule is the list's queryset.
        rule, params = visibility_sql_on(self.request.user, "k")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1, {q('id')}, NULL FROM {q(Case._meta.db_table)} WHERE {q('reference')} = %s "
                f"UNION ALL SELECT 2, NULL, l.{q('item_id')} FROM {q(CaseEvidenceLink._meta.db_table)} l "
                f"JOIN {q(Case._meta.db_table)} k ON k.{q('id')} = l.{q('case_id')} "
                f"WHERE k.{q('reference')} = %s AND {rule}",
                [value, value, *params],
            )
            rows = cursor.fetchall()
        case_ids = [case_id for kind, case_id, _ in rows if kind == 1]
        to_uuid = EvidenceItem._meta.pk.to_python  # a UUID on PostgreSQL, 32 hex digits on SQLite
        item_ids = [to_uuid(item_id) for kind, _, item_id in rows if kind == 2]
        return queryset.filter(Q(case_id__in=case_ids) | Q(pk__in=item_ids))

    def filter_flag(self, queryset, name, value):
        return queryset.filter(**{name: value == "true"})

    def filter_sha256(self, queryset, name, value):
        try:
            return queryset.filter(sha256=normalise_sha256(value))
        except ValueError as exc:
            raise ValidationError({"sha256": str(exc)}) from None

    def filter_media_type(self, queryset, name, value):
        value = value.strip().lower()
        if value.endswith("/"):
            return queryset.filter(media_type__startswith=value)
        return queryset.filter(media_type=value)

    def filter_q(self, queryset, name, value):
        from catalogue.search import search_items

        return search_items(queryset, value)

    def filter_verification(self, queryset, name, value):
        from evidence.verification_records import filter_by_status

        return filter_by_status(queryset, value)
