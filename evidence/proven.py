"""The proven digests of an item: what its custody chain says was computed at sealing.

An item's digest columns are a convenience for search and display. The truth
is the chain's first successful `message_digest_calculation` entry: it is
hash-chained to the item's other entries and a leaf of the Merkle log under a
signed (and witnessed) head, so an insider who rewrites it must also rewrite
every later entry and the log, which the signed heads catch. Every fixity
check (the sweep, the API's verify, verify_integrity, export, downloads)
hashes the bytes stored under the *proven* SHA-256 and compares them with
the proven digests; a column that disagrees with the chain is tampering.

Only the first such entry counts: an entry appended later (which anyone
holding the application's credentials could write) cannot re-seal an item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from evidence.models import CustodyEvent, EvidenceItem

DIGEST_ACTION = CustodyEvent.Action.MESSAGE_DIGEST_CALCULATION
COLUMNS = ("sha256", "sha512", "sha1", "md5", "size")


@dataclass(frozen=True)
class Proven:
    """The digests an item's chain holds, and where (seq, log index) it holds them."""

    sha256: str
    sha512: str
    sha1: str
    md5: str
    size: int | None
    seq: int
    log_index: int
    entry_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "sha512": self.sha512, "sha1": self.sha1, "md5": self.md5,
                "size": self.size, "custody_seq": self.seq, "log_index": self.log_index}


def from_entries(entries: Iterable[Any]) -> Proven | None:
    """The proven digests from an item's entries (CustodyEvents or dicts), oldest first."""
    for entry in entries:
        get = entry.get if isinstance(entry, dict) else lambda key, e=entry: getattr(e, key)
        if get("action") != DIGEST_ACTION or get("outcome") != CustodyEvent.Outcome.SUCCESS:
            continue
        details = get("details") or {}
        size = details.get("size")
        return Proven(
            sha256=str(details.get("sha256", "")), sha512=str(details.get("sha512", "")),
            sha1=str(details.get("sha1", "")), md5=str(details.get("md5", "")),
            size=int(size) if isinstance(size, int) or (isinstance(size, str) and size.isdigit()) else None,
            seq=get("seq"), log_index=get("log_index"), entry_hash=get("entry_hash"),
        )
    return None


def _digest_entries(item_ids: Iterable) -> Iterable[CustodyEvent]:
    return (
        CustodyEvent.objects.filter(item_id__in=list(item_ids), action=DIGEST_ACTION,
                                    outcome=CustodyEvent.Outcome.SUCCESS)
        .only("item_id", "seq", "action", "outcome", "details", "log_index", "entry_hash")
        .order_by("item_id", "seq")
    )


def proven_digests(item: EvidenceItem) -> Proven | None:
    return from_entries(_digest_entries([item.pk]))


def proven_digests_many(item_ids: Iterable) -> dict[Any, Proven]:
    """Proven digests for many items in one query (None-less: items without one are absent)."""
    found: dict[Any, Proven] = {}
    for event in _digest_entries(item_ids):
        if event.item_id not in found:
            found[event.item_id] = from_entries([event])
    return found


def column_problems(item: EvidenceItem, proven: Proven | None) -> list[str]:
    """How the item's columns disagree with its proven record, in words (empty: they agree)."""
    if proven is None:
        if item.sha256:
            return ["tampering: the item has digests but its custody chain records no digest calculation"]
        return []
    problems = []
    for column in COLUMNS:
        recorded = getattr(proven, column)
        if column == "size" and recorded is None:
            continue
        if column != "size" and not recorded:
            continue  # an older entry that did not record this digest
        if getattr(item, column) != recorded:
            problems.append(
                f"tampering: the item's {column} column says {getattr(item, column)!r} but its custody chain "
                f"(entry {proven.seq}) recorded {recorded!r} when it was sealed"
            )
    return problems


def has_sealed_bytes(item: EvidenceItem) -> bool:
    return item.state in (EvidenceItem.State.SEALED, EvidenceItem.State.QUARANTINED) and bool(item.sha256)
