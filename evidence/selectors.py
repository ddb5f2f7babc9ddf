"""Reads of evidence, always through the case visibility rule."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, QuerySet

from catalogue.selectors import case_visibility
from evidence.models import CustodyEvent, EvidenceItem


def items_visible_to(user: AbstractBaseUser) -> QuerySet[EvidenceItem]:
    # The rule through the join to the case, not `case__in=<cases query>`: a
    # nested queryset costs about a millisecond to build and compile (bench_api).
    rule = case_visibility(user, "case__")
    return EvidenceItem.objects.all() if rule is None else EvidenceItem.objects.filter(rule)


def items_holding(user: AbstractBaseUser, sha256: str) -> QuerySet[EvidenceItem]:
    """Items whose content has this SHA-256, among those the user may see."""
    return items_visible_to(user).filter(sha256=sha256)


# The columns a list row shows (evidence.api.serializers.EvidenceItemSerializer).
LIST_COLUMNS = (
    "id", "exhibit", "kind", "title", "state", "sha256", "size", "media_type", "source_url",
    "held_by", "captured_at", "created_at", "sealed_at", "withdrawn",
)


def items_for_listing(items: QuerySet[EvidenceItem]) -> QuerySet[dict]:
    """List rows as plain dicts of what a row shows, with the case's reference
    beside them: no model instances (a page of them cost more than its SQL,
    bench/bench_api.py) and not the whole case row."""
    return items.values(*LIST_COLUMNS, case_reference=F("case__reference"))


def custody_of(item: EvidenceItem) -> QuerySet[CustodyEvent]:
    return CustodyEvent.objects.filter(item=item).order_by("seq")
