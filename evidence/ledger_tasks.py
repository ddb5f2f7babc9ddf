"""Celery tasks for the Merkle log: thin doors onto evidence.signing."""

from __future__ import annotations

from celery import shared_task

from evidence import signing


@shared_task(name="evidence.ledger_tasks.sign_tree_head", acks_late=True)
def sign_tree_head() -> int:
    """Sign a new tree head if the log has grown since the last one (run by beat); returns its size."""
    return signing.sign_tree_head().tree_size
