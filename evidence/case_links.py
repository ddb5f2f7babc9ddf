"""Links from an item to cases other than its own: one exhibit can bear on several allegations.

The item's `case` stays its owner: the exhibit number, who may see the item and the export
that packs it follow that case alone. A link is written once, by an investigator of the
linked case's team who can see both, with a reason and a `metadata_modification` custody
entry on the item in the same transaction (link_details says what it names). Readers learn of a link only through cases they
may see: a case hidden from them is never named.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from catalogue.case_changes import StateConflict
from catalogue.models import Case
from catalogue.roles import INVESTIGATOR, user_access
from catalogue.selectors import cases_visible_to
from evidence.custody import canonical_json, custody_append
from evidence.models import CaseEvidenceLink, CustodyEvent, EvidenceItem
from evidence.selectors import items_visible_to

REASON_MAX = 2000


class AlreadyLinked(StateConflict):
    """The item is already in that case, as its owner or by a link (the API answers 409)."""


@transaction.atomic
def item_link_case(*, actor: AbstractBaseUser, item: EvidenceItem, case: Case, reason: str) -> CaseEvidenceLink:
    """Link `item` to `case`, which is not its owning case. Investigators (or superusers) who can
    see both and are on the case's team; a reason is required; a second link is refused."""
    if not actor.is_superuser:
        access = user_access(actor)
        if INVESTIGATOR not in access.roles:
            raise PermissionDenied("Only investigators can link evidence to a case.")
        if case.team_id not in access.team_ids:
            raise PermissionDenied("Only investigators of the case's team can link evidence to it.")
    if not items_visible_to(actor).filter(pk=item.pk).exists() or not cases_visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionDenied("You cannot link an item or a case you cannot see.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this item bears on the case."})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"The reason is {len(reason)} characters; at most {REASON_MAX}."})
    if case.pk == item.case_id:
        raise AlreadyLinked(f"{item.exhibit} belongs to {case.reference}: it needs no link to its own case.")
    # The item's row is locked (as the custody append would), so two requests for the same
    # link queue and the second sees the first's row; the constraint backs this up.
    EvidenceItem.objects.select_for_update().only("id").get(pk=item.pk)
    if CaseEvidenceLink.objects.filter(case=case, item=item).exists():
        raise AlreadyLinked(f"{item.exhibit} is already linked to {case.reference}.")
    link = CaseEvidenceLink(case=case, item=item, linked_by=actor, linked_at=timezone.now(), reason=reason)
    link.full_clean(validate_constraints=False)
    link.save()
    custody_append(item=item, action=CustodyEvent.Action.METADATA_MODIFICATION, user=actor,
                   details=link_details(link))
    return link


def link_details(link: CaseEvidenceLink) -> dict[str, str | int]:
    """The custody entry's details. The item's chain is read by everyone who may see the item, and
    never changes: an open case is named with the reason; any other case is recorded by the link's
    id and the SHA-256 of its reference and reason, which those who may see it can recompute, so
    the chain neither names a case hidden from some of its readers nor leaves the link unrecorded."""
    if link.case.sensitivity == Case.Sensitivity.OPEN:
        return {"linked_to_case": link.case.reference, "reason": link.reason}
    named = canonical_json({"linked_to_case": link.case.reference, "reason": link.reason})
    return {"case_link": link.pk, "link_sha256": hashlib.sha256(named).hexdigest()}


def case_references_of(item: EvidenceItem, user: AbstractBaseUser) -> list[str]:
    """The item's owning case's reference, then the references of the cases it is linked to
    that `user` may see, by reference: one query."""
    linked = (cases_visible_to(user).filter(evidence_links__item=item).order_by("reference")
              .values_list("reference", flat=True))
    return [item.case.reference, *linked]
