"""Derived items: a copy, excerpt, translation, transcript, redaction or enhancement of another item.

The link is made once, when the derivative is filed (evidence_register), and
names the source by id and by the SHA-256 its custody chain proves (evidence/proven.py),
so a court can tell which bytes the derivative was made from even if the source is
later quarantined. Only a sealed source can be linked: an unsealed one has no digest
yet, and a link "to be completed later" would be a record nobody re-checks.
Both items get a `derivation` custody entry in the filing's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q

from catalogue.case_changes import StateConflict
from evidence import proven
from evidence.custody import custody_append
from evidence.models import CustodyEvent, EvidenceItem
from evidence.selectors import items_visible_to

METHOD_MAX = 5000


class SourceNotLinkable(StateConflict):
    """The source has no sealed bytes whose digest the link could record (the API answers 409)."""


@dataclass(frozen=True)
class Link:
    source: EvidenceItem
    relation: str
    source_sha256: str
    digest_seq: int
    digest_log_index: int
    method: str
    made_by: str

    def item_fields(self) -> dict[str, Any]:
        return {"derived_from": self.source, "relation": self.relation, "derived_from_sha256": self.source_sha256,
                "derivation_method": self.method, "derived_by": self.made_by}


def _sealed_digest(source: EvidenceItem) -> proven.Proven:
    if source.state != EvidenceItem.State.SEALED or not source.sha256:
        raise SourceNotLinkable(
            f"{source.exhibit} is {source.state}, not sealed: a derivative is linked to the digest of sealed "
            "bytes. File it once the source is sealed."
        )
    record = proven.proven_digests(source)
    if record is None or proven.column_problems(source, record):
        raise SourceNotLinkable(
            f"The digests of {source.exhibit} disagree with its custody record, so no derivative can be linked "
            "to them. Run verify_integrity."
        )
    return record


def link_plan(*, actor: AbstractBaseUser, derived_from: Any, relation: str, method: str, made_by: str,
              errors: dict[str, str]) -> Link | None:
    """Check a requested link before anything is written; field problems go into ``errors``.

    A source the filer may not see is refused exactly as one that does not exist.
    """
    relation, method, made_by = relation or "", (method or "").strip(), (made_by or "").strip()
    if derived_from in (None, ""):
        for name, value in (("relation", relation), ("method", method), ("made_by", made_by)):
            if value:
                errors[name] = "Only a derived item has this: give `derived_from` (the source item's id) too."
        return None
    if not relation:
        errors["relation"] = ("Say what this item is of its source: one of "
                              + ", ".join(EvidenceItem.Relation.values) + ".")
    elif relation not in EvidenceItem.Relation.values:
        errors["relation"] = f"{relation!r} is not a relation; one of {', '.join(EvidenceItem.Relation.values)}."
    if len(method) > METHOD_MAX:
        errors["method"] = f"The method is {len(method)} characters; at most {METHOD_MAX}."
    if len(made_by) > EvidenceItem._meta.get_field("derived_by").max_length:
        errors["made_by"] = "Who made it is at most 200 characters."
    source = None
    try:
        source_id = derived_from.pk if isinstance(derived_from, EvidenceItem) else uuid.UUID(str(derived_from))
    except ValueError:
        errors["derived_from"] = "Not an item id (a UUID)."
    else:
        source = items_visible_to(actor).select_related(None).filter(pk=source_id).first()
        if source is None:
            errors["derived_from"] = "No evidence item with this id, or not one you may see."
    if errors or source is None:
        return None
    record = _sealed_digest(source)
    return Link(source=source, relation=relation, source_sha256=record.sha256, digest_seq=record.seq,
                digest_log_index=record.log_index, method=method, made_by=made_by)


def link_record(*, item: EvidenceItem, link: Link, actor: AbstractBaseUser) -> None:
    """Write the link's custody entries on both items (inside the filing's transaction)."""
    # Locked by the append below; re-read so a source quarantined since the check is not linked.
    source = EvidenceItem.objects.select_for_update().get(pk=link.source.pk)
    if source.state != EvidenceItem.State.SEALED:
        raise SourceNotLinkable(f"{source.exhibit} was {source.state} before the link was written; not linked.")
    custody_append(item=item, action=CustodyEvent.Action.DERIVATION, user=actor, details={
        "role": "derivative", "derived_from": str(source.pk), "source_exhibit": source.exhibit,
        "relation": link.relation, "source_sha256": link.source_sha256,
        # Where the source's chain proves that digest: the entry a verifier checks it against.
        "source_digest_seq": link.digest_seq, "source_digest_log_index": link.digest_log_index,
        "method": link.method, "made_by": link.made_by,
    })
    custody_append(item=source, action=CustodyEvent.Action.DERIVATION, user=actor, details={
        "role": "source", "derivative": str(item.pk),
        # The exhibit number names the derivative's case: kept off a chain that readers
        # of another case may see.
        **({"derivative_exhibit": item.exhibit} if item.case_id == source.case_id else {}),
        "relation": link.relation, "source_sha256": link.source_sha256, "made_by": link.made_by,
    })


def links_visible(item: EvidenceItem, user: AbstractBaseUser) -> dict[str, Any]:
    """An item's source (id, or None when the viewer may not see it) and its derivatives the viewer
    may see, as {id, exhibit, relation}, by exhibit: one query."""
    related = Q(derived_from_id=item.pk)
    if item.derived_from_id:
        related |= Q(pk=item.derived_from_id)
    rows = items_visible_to(user).filter(related).order_by("exhibit").values("id", "exhibit", "relation",
                                                                            "derived_from_id")
    source_visible = False
    derivatives = []
    for row in rows:
        if row["id"] == item.derived_from_id:
            source_visible = True
        if row["derived_from_id"] == item.pk:
            derivatives.append({"id": str(row["id"]), "exhibit": row["exhibit"], "relation": row["relation"]})
    return {"derived_from": str(item.derived_from_id) if source_visible else None, "derivatives": derivatives}
