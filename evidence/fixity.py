"""Fixity: re-hash stored content against the *proven* digests and record the result.

One check (`check_item`) serves the scheduled sweep (beat, every
EVIDENCE_FIXITY_INTERVAL_HOURS), the API's verify and, without recording,
verify_integrity. It hashes the object stored under the SHA-256 that the
item's custody chain recorded at sealing (evidence/proven.py), never the one
in the item's columns, and reports any column that disagrees with the chain as
tampering: an insider who wrote forged bytes under a new name and pointed the
columns at them fails here, and nothing records a success for them.

A mismatch, a missing object or tampering quarantines the item: its bytes
can no longer be vouched for. An unreadable store (an I/O error) is recorded
as a failed check but quarantines nothing, since the bytes may well be intact.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from evidence import content_store, proven, storage
from evidence.custody import PIPELINE_AGENT, custody_append
from evidence.models import CustodyEvent, EvidenceItem

Action = CustodyEvent.Action
Outcome = CustodyEvent.Outcome
State = EvidenceItem.State
_CHUNK = 500


def fixity_sweep() -> dict[str, int]:
    """Check and record every sealed item not checked within the interval.
    Each object is read once however many items hold it."""
    hours = settings.EVIDENCE_FIXITY_INTERVAL_HOURS
    due = timezone.now() - timedelta(hours=hours * 0.9)  # a little early, so that no run is skipped
    recent = CustodyEvent.objects.filter(item=OuterRef("pk"), action=Action.FIXITY_CHECK, occurred_at__gte=due)
    items = EvidenceItem.objects.filter(state=State.SEALED).exclude(Exists(recent)).order_by("sha256", "pk")
    summary = {"objects": 0, "items": 0, "failures": 0}
    objects: dict[tuple[str, int | None], dict[str, Any]] = {}
    chunk: list[EvidenceItem] = []

    def run(batch: list[EvidenceItem]) -> None:
        records = proven.proven_digests_many(item.pk for item in batch)
        for item in batch:
            verdict = check_item(item, records.get(item.pk), objects=objects)
            summary["items"] += 1
            summary["failures"] += 0 if verdict["ok"] else 1
            record_fixity(item, verdict, check="scheduled")
        summary["objects"] = len(objects)

    for item in items.only(*proven.COLUMNS, "pk", "exhibit", "state").iterator(chunk_size=_CHUNK):
        chunk.append(item)
        if len(chunk) == _CHUNK:
            run(chunk)
            chunk = []
    run(chunk)
    return summary


def check_object(sha256: str, size: int | None) -> dict[str, Any]:
    """Hash the object stored under ``sha256`` and compare it with that digest and ``size``."""
    name = storage.content_name(sha256)
    try:
        actual, actual_size = content_store.object_sha256(name)
    except FileNotFoundError:
        return {"ok": False, "object": name, "problem": "the stored object is missing",
                "actual_sha256": None, "actual_size": None}
    except OSError as exc:
        return {"ok": False, "object": name, "problem": f"unreadable: {exc}", "transient": True,
                "actual_sha256": None, "actual_size": None}
    ok = actual == sha256 and (size is None or actual_size == size)
    return {"ok": ok, "object": name, "actual_sha256": actual, "actual_size": actual_size,
            "problem": "" if ok else "the stored bytes do not have the digest proven at sealing"}


def check_item(item: EvidenceItem, record: proven.Proven | None, *,
               objects: dict | None = None) -> dict[str, Any]:
    """The verdict on an item's stored bytes against its proven record (nothing is written).

    ``objects`` caches object checks by (sha256, size) across items that share content.
    """
    started = timezone.now()
    tampering = proven.column_problems(item, record)
    verdict: dict[str, Any] = {"checked_at": started, "tampering": tampering}
    if record is None or not record.sha256:
        return {**verdict, "ok": False, "object": None, "expected_sha256": None, "expected_size": None,
                "actual_sha256": None, "actual_size": None,
                "problem": "the custody chain records no digest calculation for this item, "
                           "so there is nothing proven to check the bytes against"}
    key = (record.sha256, record.size)
    result = objects.get(key) if objects is not None else None
    if result is None:
        result = check_object(record.sha256, record.size)
        if objects is not None:
            objects[key] = result
    verdict.update(result, expected_sha256=record.sha256, expected_size=record.size,
                   proven_by={"custody_seq": record.seq, "log_index": record.log_index})
    if tampering:
        verdict.update(ok=False, transient=False, problem="; ".join(filter(None, [*tampering, result["problem"]])))
    return verdict


def record_fixity(item: EvidenceItem, verdict: dict[str, Any], *, check: str,
                  user: AbstractBaseUser | None = None, details: dict[str, Any] | None = None) -> CustodyEvent:
    """Append the check's outcome to the item's chain; quarantine a sealed item that failed it.

    The entry's `expected` is the proven digest, never a column, so a success
    is written only for bytes that have the digest the chain holds.
    """
    recorded = {k: v for k, v in verdict.items() if k not in ("ok", "checked_at", "transient")}
    if not recorded.get("tampering"):
        recorded.pop("tampering", None)
    with transaction.atomic():
        event = custody_append(
            item=item, action=Action.FIXITY_CHECK, user=user, agent=None if user else PIPELINE_AGENT,
            outcome=Outcome.SUCCESS if verdict["ok"] else Outcome.FAILURE, occurred_at=verdict["checked_at"],
            details={**(details or {}), "check": check, "algorithm": "sha256", **recorded},
        )
        if not verdict["ok"] and not verdict.get("transient"):
            quarantine(item, f"Fixity check ({check}) failed: {verdict['problem']}.")
    return event


def quarantine(item: EvidenceItem, reason: str) -> bool:
    """Quarantine a sealed item (in the caller's transaction); False if it is not sealed now."""
    locked = EvidenceItem.objects.select_for_update().only("pk", "state").get(pk=item.pk)
    if locked.state != State.SEALED:
        return False
    custody_append(item=item, action=Action.QUARANTINE, agent=PIPELINE_AGENT, details={"reason": reason})
    EvidenceItem.objects.filter(pk=item.pk).update(state=State.QUARANTINED, error=reason)
    item.state, item.error = State.QUARANTINED, reason
    return True
