"""Reads of evidence, always through the case visibility rule."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from catalogue.selectors import cases_visible_to
from evidence.models import CustodyEvent, EvidenceItem


def items_visible_to(user: AbstractBaseUser) -> QuerySet[EvidenceItem]:
    return EvidenceItem.objects.filter(case__in=cases_visible_to(user))


def items_holding(user: AbstractBaseUser, sha256: str) -> QuerySet[EvidenceItem]:
    """Items whose content has this SHA-256, among those the user may see."""
    return items_visible_to(user).filter(sha256=sha256).select_related("case")


def custody_of(item: EvidenceItem) -> QuerySet[CustodyEvent]:
    return CustodyEvent.objects.filter(item=item).order_by("seq")
