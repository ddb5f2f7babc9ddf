"""Fixity over time: re-hash stored content and record a fixity check per item.

Run by beat every EVIDENCE_FIXITY_INTERVAL_HOURS (evidence.tasks.fixity_sweep).
A mismatch or a missing object quarantines the item: its bytes can no longer
be vouched for. An unreadable store (an I/O error) is recorded as a failed
check but quarantines nothing, since the bytes may well be intact.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from evidence import content_store, storage
from evidence.custody import PIPELINE_AGENT, custody_append
from evidence.models import CustodyEvent, EvidenceItem

Action = CustodyEvent.Action
Outcome = CustodyEvent.Outcome
State = EvidenceItem.State


def fixity_sweep() -> dict[str, int]:
    """Re-hash stored content and record a fixity check on every sealed item not
    checked within the interval. Each object is read once however many items hold it."""
    hours = settings.EVIDENCE_FIXITY_INTERVAL_HOURS
    due = timezone.now() - timedelta(hours=hours * 0.9)  # a little early, so that no run is skipped
    recent = CustodyEvent.objects.filter(item=OuterRef("pk"), action=Action.FIXITY_CHECK, occurred_at__gte=due)
    items = EvidenceItem.objects.filter(state=State.SEALED).exclude(Exists(recent)).order_by("sha256")
    summary = {"objects": 0, "items": 0, "failures": 0}
    current, verdict = None, None
    for item in items.only("pk", "sha256", "size").iterator(chunk_size=500):
        if item.sha256 != current:
            current, verdict = item.sha256, _check_object(item.sha256, item.size)
            summary["objects"] += 1
        summary["items"] += 1
        summary["failures"] += 0 if verdict["ok"] else 1
        record_fixity(item, verdict)
    return summary


def _check_object(sha256: str, size: int | None) -> dict[str, Any]:
    name = storage.content_name(sha256)
    started = timezone.now()
    try:
        actual, actual_size = content_store.object_sha256(name)
    except FileNotFoundError:
        return {"ok": False, "object": name, "expected_sha256": sha256, "problem": "the stored object is missing",
                "checked_at": started}
    except OSError as exc:
        return {"ok": False, "object": name, "expected_sha256": sha256, "problem": f"unreadable: {exc}",
                "checked_at": started, "transient": True}
    ok = actual == sha256 and (size is None or actual_size == size)
    return {"ok": ok, "object": name, "expected_sha256": sha256, "actual_sha256": actual,
            "expected_size": size, "actual_size": actual_size, "checked_at": started,
            "problem": "" if ok else "the stored bytes no longer match the digest"}


def record_fixity(item: EvidenceItem, verdict: dict[str, Any]) -> None:
    details = {k: v for k, v in verdict.items() if k not in ("ok", "checked_at")}
    with transaction.atomic():
        custody_append(item=item, action=Action.FIXITY_CHECK, agent=PIPELINE_AGENT,
                       outcome=Outcome.SUCCESS if verdict["ok"] else Outcome.FAILURE,
                       occurred_at=verdict["checked_at"], details={"check": "scheduled", **details})
        if not verdict["ok"] and not verdict.get("transient"):
            reason = f"Scheduled fixity check failed: {verdict['problem']}."
            custody_append(item=item, action=Action.QUARANTINE, agent=PIPELINE_AGENT, details={"reason": reason})
            EvidenceItem.objects.filter(pk=item.pk).update(state=State.QUARANTINED, error=reason)
