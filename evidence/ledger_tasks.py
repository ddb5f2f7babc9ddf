"""Celery tasks for the Merkle log: thin doors onto evidence.sequencer, evidence.signing
and evidence.timestamps.

These tasks (and the export builder) are the only signers: web requests read
the latest head and never sign.
"""

from __future__ import annotations

from celery import shared_task

from evidence import sequencer, signing, timestamps


@shared_task(name="evidence.ledger_tasks.sign_tree_head", acks_late=True)
def sign_tree_head() -> int:
    """Sign a new tree head if the log has grown since the last one (run by beat); returns its size."""
    return signing.sign_tree_head().tree_size


@shared_task(name="evidence.ledger_tasks.integrate_log", acks_late=True, ignore_result=True)
def integrate_log() -> int | None:
    """Integrate queued custody entries, a head per batch (beat, and nudged after appends).

    Returns how many were integrated, or None when another worker holds the lease.
    """
    done = sequencer.run()
    return None if done is None else done.integrated


@shared_task(name="evidence.ledger_tasks.stamp_pending_heads", acks_late=True)
def stamp_pending_heads() -> int:
    """Time-stamp heads signed while the TSA was down (run by beat); returns how many were stamped."""
    return timestamps.stamp_pending_heads()
