"""Celery tasks: thin doors onto evidence.pipeline. They take ids, never bytes.

All are acks_late (a worker that dies mid-task leaves the message to be
redelivered after the broker's visibility timeout) and idempotent, so a
redelivery or a duplicate finds the work done and changes nothing.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from evidence import (
    batch,
    fixity,
    pipeline,
    preview_tasks,  # noqa: F401  (autodiscovery reads tasks.py only: this registers make_previews)
)

MAX_RETRIES = 8


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def ingest(self, item_id: str) -> str:
    """Turn a received item into a sealed exhibit."""
    # In-process (no broker) a filing seals its own item only, never other people's. A worker
    # claims more when a burst is queued (evidence/batch.py, Appetite).
    eager = self.request.is_eager
    try:
        outcome = pipeline.ingest(item_id, fill=0 if eager else batch.appetite.batch() - 1,
                                  learn=None if eager else batch.appetite)
    except pipeline.TransientError as exc:
        # In-process (no broker) there is no backoff to wait on: fail visibly, retry by hand.
        if self.request.is_eager or self.request.retries >= self.max_retries:
            return pipeline.give_up(item_id, reason=str(exc))
        raise self.retry(exc=exc, countdown=pipeline.retry_backoff(self.request.retries)) from exc
    redelivered = (self.request.delivery_info or {}).get("redelivered")
    if outcome == "busy" and not self.request.is_eager and redelivered:
        # This message came back from a worker that died holding the item (a prefork
        # child killed, or the visibility timeout), and the claim is not stale yet. The
        # follow-up finds the item sealed if a live worker has it, or the claim stale,
        # and takes over, minutes rather than a sweep later. A first delivery that finds
        # the item busy is the common case in a burst (another task's batch took it):
        # no follow-up, or a burst would queue one per item; should that batch's worker
        # die, its own message comes back redelivered, and any task's fill and the
        # sweeper take stale claims too.
        ingest.apply_async((item_id,), countdown=settings.EVIDENCE_CLAIM_STALE_SECONDS + 5)
    return outcome


@shared_task(acks_late=True)
def sweep_stuck() -> int:
    """Re-queue items the broker lost or a dead worker held (beat, every few minutes)."""
    return len(pipeline.sweep_stuck())


@shared_task(acks_late=True)
def sweep_orphaned_uploads() -> int:
    """Remove staged files no item refers to (beat, hourly)."""
    return len(pipeline.sweep_orphaned_uploads())


@shared_task(acks_late=True)
def fixity_sweep() -> dict[str, int]:
    """Re-hash stored content and record fixity checks (beat, every EVIDENCE_FIXITY_INTERVAL_HOURS)."""
    return fixity.fixity_sweep()
