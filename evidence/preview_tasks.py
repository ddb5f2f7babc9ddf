"""The preview tasks: thin doors onto evidence.previews, queued once items are sealed."""

from __future__ import annotations

from celery import shared_task

from evidence import previews

RETRY_SECONDS = 30


@shared_task(bind=True, acks_late=True, max_retries=5)
def make_previews(self, item_id: str) -> str:
    """Make the display copies a sealed item needs (idempotent)."""
    try:
        return previews.make_previews(item_id)
    except OSError as exc:
        if self.request.is_eager:
            return f"not made: {exc}"  # no backoff in-process; the page says there is no preview yet
        raise self.retry(exc=exc, countdown=RETRY_SECONDS * 2**self.request.retries) from exc


@shared_task(bind=True, acks_late=True)
def make_previews_for(self, item_ids: list[str]) -> dict[str, str]:
    """The display copies of the items one ingest batch sealed: one message for the batch, not
    one per item. An item whose content could not be read is handed to `make_previews` alone,
    with its backoff; a redelivered message finds the others done before (idempotent)."""
    outcomes = {}
    for item_id in item_ids:
        try:
            outcomes[item_id] = previews.make_previews(item_id)
        except OSError as exc:
            if self.request.is_eager:
                outcomes[item_id] = f"not made: {exc}"
                continue
            make_previews.apply_async((item_id,), countdown=RETRY_SECONDS)
            outcomes[item_id] = f"retried alone: {exc}"
    return outcomes
