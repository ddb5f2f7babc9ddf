"""Celery's door onto resumable uploads: expiring abandoned ones (beat, hourly)."""

from __future__ import annotations

from celery import shared_task

from evidence import resumable


@shared_task(acks_late=True)
def expire_uploads() -> int:
    """Expire uploads left unfinished past EVIDENCE_UPLOAD_EXPIRY_HOURS and remove their pieces."""
    return len(resumable.expire_stale_uploads())
