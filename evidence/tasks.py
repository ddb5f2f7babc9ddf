"""Celery tasks: thin doors onto evidence.pipeline. They take ids, never bytes."""

from __future__ import annotations

from celery import shared_task

from evidence import pipeline


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(pipeline.TransientError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def ingest(self, item_id: str) -> str:
    """Turn a received item into a sealed exhibit (idempotent: a redelivery finds the work done)."""
    return pipeline.ingest(item_id)
