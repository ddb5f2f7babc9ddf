"""Verification per exhibit (Berkeley Protocol): analyses of an item, and the sign-offs that make it verified.

An analysis records who examined the item, how (method), what they found
(result) and how sure they are (low, medium, high). A sign-off is a person
confirming the analyses on record, with a note. An item is *verified* once two
different people have signed it off; one sign-off is *partial*. Both kinds of
record are written with a `validation` custody entry on the item, in the same
transaction, naming what was done.

Who may: an investigator or reviewer of the case's own team (or a superuser)
who can see the item. Legal users read; they neither analyse nor sign.

Not the fixity check: that is evidence/api/verification.py ("is this the file?").
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalogue.case_changes import StateConflict
from catalogue.roles import INVESTIGATOR, REVIEWER, user_access
from evidence.custody import custody_append, utc_iso
from evidence.models import CustodyEvent, EvidenceItem, ExhibitAnalysis, ExhibitSignOff
from evidence.selectors import items_visible_to

UNVERIFIED, PARTIAL, VERIFIED = "unverified", "partial", "verified"
STATUSES = (UNVERIFIED, PARTIAL, VERIFIED)
SIGNOFFS_NEEDED = 2
# The Protocol's stage for each kind: geolocation and chronolocation are content analysis.
STAGE = {
    ExhibitAnalysis.Kind.SOURCE: "source",
    ExhibitAnalysis.Kind.TECHNICAL: "technical",
    ExhibitAnalysis.Kind.CONTENT: "content",
    ExhibitAnalysis.Kind.GEOLOCATION: "content",
    ExhibitAnalysis.Kind.CHRONOLOCATION: "content",
}
TEXT_MAX = 10000


class AlreadySignedOff(StateConflict):
    """This person has already signed the item off (the API answers 409)."""


def status_for(signoff_count: int) -> str:
    if signoff_count >= SIGNOFFS_NEEDED:
        return VERIFIED
    return PARTIAL if signoff_count else UNVERIFIED


def _signoff_count() -> Coalesce:
    counted = (ExhibitSignOff.objects.filter(item=OuterRef("pk")).order_by().values("item")
               .annotate(n=Count("id")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_signoff_count(items: QuerySet[EvidenceItem]) -> QuerySet[EvidenceItem]:
    """Each item with `signoff_count`, in the same statement (a subquery, no query per row)."""
    return items.annotate(signoff_count=_signoff_count())


def filter_by_status(items: QuerySet, status: str) -> QuerySet:
    """Items (or list rows) of one verification status; the count is a subquery, not a column of the rows."""
    counted = items.alias(signoff_count=_signoff_count())
    if status == VERIFIED:
        return counted.filter(signoff_count__gte=SIGNOFFS_NEEDED)
    if status == PARTIAL:
        return counted.filter(signoff_count__gt=0, signoff_count__lt=SIGNOFFS_NEEDED)
    if status == UNVERIFIED:
        return counted.filter(signoff_count=0)
    raise ValueError(f"Not a verification status: {status!r}")


def _may_verify(actor: AbstractBaseUser, item: EvidenceItem) -> EvidenceItem:
    """The item, re-read through the visibility rule and locked, if `actor` may analyse and sign it."""
    if not actor.is_authenticated:
        raise PermissionDenied("Sign in first.")
    found = (items_visible_to(actor).select_related("case").select_for_update(of=("self",))
             .filter(pk=item.pk).first())
    if found is None:
        raise PermissionDenied("You cannot verify an item you cannot see.")
    if not actor.is_superuser:
        access = user_access(actor)
        if not access.roles & {INVESTIGATOR, REVIEWER}:
            raise PermissionDenied("Only investigators and reviewers record analyses and sign items off.")
        if found.case.team_id not in access.team_ids:
            raise PermissionDenied("Only the case's own team records analyses and signs its items off.")
    if found.withdrawn:
        raise StateConflict(f"{found.exhibit} has been withdrawn: it is not analysed or signed off any more.")
    return found


def _text(errors: dict[str, str], name: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        errors[name] = "This cannot be blank."
    elif len(value) > TEXT_MAX:
        errors[name] = f"At most {TEXT_MAX} characters."
    return value


def analysis_record(*, actor: AbstractBaseUser, item: EvidenceItem, kind: str, method: str, result: str,
                    confidence: str) -> ExhibitAnalysis:
    """Record one analysis of the item, with its custody entry."""
    errors: dict[str, str] = {}
    if kind not in ExhibitAnalysis.Kind.values:
        errors["kind"] = f"One of {', '.join(ExhibitAnalysis.Kind.values)}."
    if confidence not in ExhibitAnalysis.Confidence.values:
        errors["confidence"] = f"One of {', '.join(ExhibitAnalysis.Confidence.values)}."
    method, result = _text(errors, "method", method), _text(errors, "result", result)
    with transaction.atomic():
        item = _may_verify(actor, item)
        if errors:
            raise ValidationError(errors)
        analysis = ExhibitAnalysis(item=item, kind=kind, method=method, result=result, confidence=confidence,
                                   analyst=actor, recorded_at=timezone.now())
        analysis.full_clean(exclude=["item", "analyst"])
        analysis.save(force_insert=True)
        custody_append(item=item, action=CustodyEvent.Action.VALIDATION, user=actor, details={
            "verification": "analysis", "analysis_id": analysis.pk, "kind": kind, "stage": STAGE[kind],
            "method": method, "result": result, "confidence": confidence,
        }, occurred_at=analysis.recorded_at)
    return analysis


def signoff_record(*, actor: AbstractBaseUser, item: EvidenceItem, note: str) -> ExhibitSignOff:
    """Sign the item's analyses off. Refused for a second sign-off by the same person, and with no analyses."""
    errors: dict[str, str] = {}
    note = _text(errors, "note", note)
    with transaction.atomic():
        item = _may_verify(actor, item)  # locked: two sign-offs of one item queue up here
        if errors:
            raise ValidationError(errors)
        if ExhibitSignOff.objects.filter(item=item, signer=actor).exists():
            raise AlreadySignedOff(f"You have already signed {item.exhibit} off; a second person must sign it.")
        analyses = list(ExhibitAnalysis.objects.filter(item=item).order_by("id").values_list("id", flat=True))
        if not analyses:
            raise StateConflict(f"{item.exhibit} has no analyses yet: there is nothing to sign off.")
        before = ExhibitSignOff.objects.filter(item=item).count()
        signoff = ExhibitSignOff.objects.create(item=item, signer=actor, note=note, analyses=analyses,
                                                signed_at=timezone.now())
        custody_append(item=item, action=CustodyEvent.Action.VALIDATION, user=actor, details={
            "verification": "signoff", "signoff_id": signoff.pk, "note": note, "analyses": analyses,
            "signoffs": before + 1, "status": status_for(before + 1),
        }, occurred_at=signoff.signed_at)
    return signoff


def verification_of(item: EvidenceItem) -> dict[str, Any]:
    """The item's verification record: status, analyses and sign-offs, oldest first (two queries)."""
    analyses = [
        {"id": row["id"], "kind": row["kind"], "stage": STAGE[row["kind"]], "method": row["method"],
         "result": row["result"], "confidence": row["confidence"], "analyst": row["analyst__username"],
         "recorded_at": utc_iso(row["recorded_at"])}
        for row in ExhibitAnalysis.objects.filter(item_id=item.pk).order_by("recorded_at", "id").values(
            "id", "kind", "method", "result", "confidence", "analyst__username", "recorded_at")
    ]
    signoffs = [
        {"id": row["id"], "signer": row["signer__username"], "note": row["note"], "analyses": row["analyses"],
         "signed_at": utc_iso(row["signed_at"])}
        for row in ExhibitSignOff.objects.filter(item_id=item.pk).order_by("signed_at", "id").values(
            "id", "signer__username", "note", "analyses", "signed_at")
    ]
    return {"status": status_for(len(signoffs)), "analyses": analyses, "signoffs": signoffs}
