"""The preview task: a thin door onto evidence.previews, queued once an item is sealed."""

from __future__ import annotations

from celery import shared_task

from evidence import previews


@shared_task(bind=True, acks_late=True, max_retries=5)
def make_previews(self, item_id: str) -> str:
    """Make the display copies a sealed item needs (idempotent)."""
    try:
        return previews.make_previews(item_id)
    except OSError as exc:
        if self.request.is_eager:
            return f"not made: {exc}"  # no backoff in-process; the page says there is no preview yet
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc
