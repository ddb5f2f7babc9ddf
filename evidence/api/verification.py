"""Re-check one item on request: its custody chain, its stored bytes, and each
custody entry's leaf in the global Merkle log. The fixity check is itself
recorded as a custody entry, like the scheduled ones."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from catalogue.api.throttling import count_in_window
from evidence import fixity, ledger, log_store, proven, signing
from evidence.custody import event_body, leaf_bytes, verify_chain
from evidence.models import CustodyEvent, EvidenceItem


def check_fixity(*, item: EvidenceItem, user: AbstractBaseUser, details: dict[str, Any]) -> dict[str, Any]:
    """Re-hash the stored bytes against the digests proven at sealing and record the
    outcome (a failure is evidence too, and quarantines the item)."""
    if not proven.has_sealed_bytes(item):
        return {"ok": None, "checked": False,
                "problem": f"The item is {item.state}: there are no sealed bytes to check."}
    was_quarantined = item.state == EvidenceItem.State.QUARANTINED
    verdict = fixity.check_item(item, proven.proven_digests(item))
    with transaction.atomic():
        event = fixity.record_fixity(item, verdict, check="on request", user=user, details=details)
    report = {k: v for k, v in verdict.items() if k not in ("checked_at", "transient")}
    report.update(checked=True, event_seq=event.seq, problem=verdict["problem"], state=item.state)
    if was_quarantined and report["ok"]:
        # The bytes are what was received, but the item stays out of use until someone decides.
        report.update(ok=False, problem=f"The item is quarantined: {item.error}")
    return report


def check_log(events: list[CustodyEvent]) -> dict[str, Any]:
    """Each entry's leaf as stored equals the leaf recomputed from the entry, and
    is included in the log's current tree (RFC 9162 inclusion proof). Entries
    the sequencer has not integrated yet are pending, not a fault."""
    tree_size = log_store.size()
    root = log_store.root(tree_size)
    problems: list[dict[str, Any]] = []
    pending = [e.seq for e in events if e.log_index is None]
    events = [e for e in events if e.log_index is not None]
    indexes = [e.log_index for e in events if 0 <= e.log_index < tree_size]
    try:
        stored = log_store.leaves(indexes)
        proofs = log_store.inclusion_proofs(indexes, tree_size)
    except (log_store.LogIntegrityError, log_store.TreeSizeError) as exc:
        return {"ok": False, "tree_size": tree_size, "root": root.hex(), "checked": 0, "pending": pending,
                "problems": [{"seq": None, "log_index": None, "problem": str(exc)}]}
    for event in events:
        where = {"seq": event.seq, "log_index": event.log_index}
        if event.log_index not in stored:
            problems.append({**where, "problem": "The entry's log index is beyond the log."})
            continue
        leaf = ledger.leaf_hash(leaf_bytes(event_body(event), event.entry_hash))
        if leaf != stored[event.log_index]:
            problems.append({**where, "problem": "The log holds another leaf at this index than the entry gives."})
        elif not ledger.verify_inclusion(leaf, event.log_index, tree_size, proofs[event.log_index], root):
            problems.append({**where, "problem": "The inclusion proof does not lead to the log's root."})
    return {"ok": not problems, "tree_size": tree_size, "root": root.hex(), "checked": len(events),
            "pending": pending, "problems": problems}


def verify_wait(item: EvidenceItem) -> int | None:
    """Count one verification of the item against its budget of EVIDENCE_VERIFY_PER_ITEM_PER_MINUTE,
    shared by the API and the admin's "Verify now" (each check writes a custody entry). Returns the
    whole seconds to wait when the budget is spent, else None."""
    count, wait = count_in_window(f"verify:item:{item.pk}", 60)
    if count > settings.EVIDENCE_VERIFY_PER_ITEM_PER_MINUTE:
        return max(math.ceil(wait), 1)
    return None


def verify_item(*, item: EvidenceItem, user: AbstractBaseUser, details: dict[str, Any]) -> dict[str, Any]:
    fixity_report = check_fixity(item=item, user=user, details=details)
    # After the fixity entry, so the chain and log checks cover it too.
    chain = verify_chain(item).as_dict()
    log = check_log(list(CustodyEvent.objects.filter(item=item).order_by("seq")))
    # The current root proves the entries are in our log; the signed head proves
    # it to an outsider who holds our public key.
    signed_head = signing.check_item_against_head(item)
    return {
        "item": str(item.pk), "exhibit": item.exhibit,
        "ok": bool(chain["ok"] and log["ok"] and signed_head["ok"] and fixity_report["ok"] is not False),
        "chain": chain, "fixity": fixity_report, "log": log, "signed_head": signed_head,
    }
