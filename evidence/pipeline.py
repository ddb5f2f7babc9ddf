"""The ingest pipeline: a received item becomes a sealed exhibit.

fetch the URL (if any) → digests in one pass → compare with the declared
SHA-256 → content store → format identification → metadata extraction →
search index → sealed. Celery tasks (evidence/tasks.py) are thin doors onto
`ingest`, `retry` and `sweep_stuck` here (fixity over time: evidence/fixity.py).

Why it is safe to run twice, or to be killed at any point:
- A worker claims an item with a conditional UPDATE that bumps `attempts`
  (received → processing, or a processing claim gone stale); it keeps
  `claimed_at` fresh while it works, and every write it makes is guarded by
  "still processing, still my attempt". A second worker, or a redelivered
  task, finds nothing to claim and leaves.
- The steps' custody events are written in one transaction with the final
  state (each keeps the time its step happened as `occurred_at`), so a worker
  killed half-way leaves no partial log, and the next attempt writes each
  event exactly once. The one exception is the fetch, committed on its own
  with the staged bytes, so that a resume archives what was fetched rather
  than fetching again.
- Content reaches the store only under its digest and only whole
  (evidence/content_store.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import tempfile
import time
import uuid
from datetime import timedelta
from typing import Any, Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from evidence import content_store, fetch, identify, metadata, storage
from evidence.custody import PIPELINE_AGENT, custody_append
from evidence.hashing import CHUNK_SIZE, digest_stream
from evidence.models import CustodyEvent, EvidenceItem

log = logging.getLogger(__name__)
Action = CustodyEvent.Action
Outcome = CustodyEvent.Outcome
State = EvidenceItem.State


class TransientError(Exception):
    """Storage or database trouble worth retrying later (with backoff)."""


class ClaimLost(Exception):
    """Another attempt took the item over: this one stops without writing."""


# --- claiming ---------------------------------------------------------------


def claim(item_id: str) -> int | None:
    """Take the item for one attempt; returns the attempt number, or None if
    it is done, failed, or held by a live worker."""
    from evidence.batch import claim_batch

    return claim_batch(item_id, fill=0).get(_uuid(item_id))


def _uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _mine(item_id, attempt: int):
    return EvidenceItem.objects.filter(pk=item_id, state=State.PROCESSING, attempts=attempt)


def _lock_mine(item_id, attempt: int) -> EvidenceItem:
    item = EvidenceItem.objects.select_for_update().select_related("case").filter(pk=item_id).first()
    if item is None or item.state != State.PROCESSING or item.attempts != attempt:
        raise ClaimLost(f"attempt {attempt} on {item_id} was superseded")
    return item


# --- one attempt --------------------------------------------------------------


class Attempt:
    """One worker's pass over one item."""

    def __init__(self, item: EvidenceItem, attempt: int, claims=None) -> None:
        from evidence.batch import Claims

        self.item = item
        self.attempt = attempt
        self.events: list[dict[str, Any]] = []
        self.step = Action.INGESTION
        self.facts: dict[str, Any] = {}
        # The claims of every item in this worker's batch, kept fresh together.
        self.claims = claims if claims is not None else Claims({item.pk: attempt})
        self.ending: tuple[str, str] | None = None

    # progress and bookkeeping

    def hashing_progress(self, done: int) -> None:
        delay = settings.EVIDENCE_HASH_CHUNK_DELAY  # a test hook: time to kill a worker mid-hash
        if delay:
            time.sleep(delay)
        self.heartbeat(done)

    def heartbeat(self, _done: int = 0) -> None:
        """Keep the claims fresh; stop if a later attempt has taken this item over."""
        self.claims.refresh(self.item.pk)

    def record(self, action: str, outcome: str = Outcome.SUCCESS, **details: Any) -> None:
        self.events.append({"action": action, "outcome": outcome, "details": details,
                            "occurred_at": timezone.now()})

    # the steps

    def run(self) -> str:
        """Every step, then the ending, committed for this item alone."""
        if not self.prepare():
            return State.FAILED
        return self.finish(*self.ending)

    def prepare(self) -> bool:
        """Every step up to the ending, which is left in `self.ending` (state, error) for
        `finish` or a batch's one commit (evidence/batch.py). False: the attempt already
        recorded its failure."""
        if self.item.source_url and not self.item.staged_name:
            self.step = Action.TRANSFER
            self.fetch()
        if not self.item.staged_name:
            self.fail("There is no staged content to ingest (no upload and no fetched copy).")
            return False
        self.step = Action.MESSAGE_DIGEST_CALCULATION
        try:
            digests = self.digest()
        except FileNotFoundError:
            self.fail(f"The staged content {self.item.staged_name} is missing from storage.")
            return False
        self.facts.update(digests.as_dict())
        self.record(Action.MESSAGE_DIGEST_CALCULATION, algorithms=["sha256", "sha512", "sha1", "md5"],
                    **digests.as_dict())
        mismatch = False
        if self.item.declared_sha256:
            self.step = Action.FIXITY_CHECK
            mismatch = self.item.declared_sha256 != digests.sha256
            self.record(Action.FIXITY_CHECK, Outcome.FAILURE if mismatch else Outcome.SUCCESS,
                        check="declared", declared_sha256=self.item.declared_sha256, computed_sha256=digests.sha256)
        self.step = Action.INGESTION
        stored = content_store.put(self.item.staged_name, digests.sha256, digests.size)
        self.facts["content"] = {"name": stored.name, "created": stored.created}
        if mismatch:
            reason = (f"The declared SHA-256 {self.item.declared_sha256} does not match the "
                      f"{digests.size} bytes received, whose SHA-256 is {digests.sha256}.")
            self.record(Action.QUARANTINE, Outcome.SUCCESS, reason=reason, content=stored.name)
            self.ending = (State.QUARANTINED, reason)
            return True
        with self.local_copy(stored.name) as path:
            self.step = Action.FORMAT_IDENTIFICATION
            found = identify.identify(path=path, original_filename=self.item.original_filename)
            self.facts["media_type"] = found["media_type"]
            self.facts["format"] = found
            self.record(Action.FORMAT_IDENTIFICATION, **found)
            self.step = Action.METADATA_EXTRACTION
            extracted, text = metadata.extract(path, found["media_type"], timeout=settings.EVIDENCE_METADATA_TIMEOUT)
            self.facts["metadata"] = {**extracted, "format": {k: found[k] for k in (
                "description", "extension", "extension_media_type", "extension_mismatch")}}
            self.facts["text"] = text
            parsed = extracted.get("parsed")
            self.record(Action.METADATA_EXTRACTION, Outcome.FAILURE if parsed is False else Outcome.SUCCESS,
                        extractor=extracted.get("extractor"), parsed=parsed, error=extracted.get("error", ""),
                        text_chars=len(text))
        self.ending = (State.SEALED, "")
        return True

    def fetch(self) -> None:
        try:
            got = fetch.fetch(self.item.source_url, progress=self.heartbeat)
        except fetch.FetchError as exc:
            self.fail(str(exc), url=self.item.source_url, hops=exc.hops)
            raise _Stop() from None
        try:
            with open(got.path, "rb") as handle:
                staged = storage.stage_upload(handle, os.path.basename(got.final_url) or "fetched")
        finally:
            os.unlink(got.path)
        try:
            with transaction.atomic():
                item = _lock_mine(self.item.pk, self.attempt)
                item.staged_name = staged
                item.save(update_fields=["staged_name"])
                custody_append(item=item, action=Action.TRANSFER, agent=PIPELINE_AGENT,
                               occurred_at=got.started_at, details={"url": self.item.source_url, **got.record()})
        except BaseException:
            storage.discard(staged)
            raise
        self.item.staged_name = staged

    def digest(self):
        path = storage.local_path(self.item.staged_name)
        if path is not None:
            with open(path, "rb", buffering=0) as handle:
                # The test hook's delay paces hashing by its progress calls, which the
                # mapped threads do not wait for: with it, one reader, chunk by chunk.
                paced = bool(settings.EVIDENCE_HASH_CHUNK_DELAY)
                return digest_stream(handle, progress=self.hashing_progress, mapped=not paced)
        with storage.open_name(self.item.staged_name) as handle:
            return digest_stream(handle, progress=self.hashing_progress)

    @contextlib.contextmanager
    def local_copy(self, name: str) -> Iterator[str]:
        """A path to the content: the stored file itself, or a temporary copy of a remote object."""
        path = storage.local_path(name)
        if path is not None:
            yield path
            return
        handle, temp = tempfile.mkstemp(prefix="evidence-extract-")
        try:
            with os.fdopen(handle, "wb") as out, storage.open_name(name) as src:
                while chunk := src.read(CHUNK_SIZE):
                    out.write(chunk)
            yield temp
        finally:
            os.unlink(temp)

    # endings

    def finish(self, state: str, error: str = "") -> str:
        from evidence.batch import finish_many

        self.ending = (state, error)
        if finish_many([self]):
            raise ClaimLost(f"attempt {self.attempt} on {self.item.pk} was superseded")
        return state

    def fail(self, reason: str, **details: Any) -> str:
        """A failure that retrying on its own would not fix: visible, with a way to retry."""
        with transaction.atomic():
            item = _lock_mine(self.item.pk, self.attempt)
            custody_append(item=item, action=self.step, outcome=Outcome.FAILURE, agent=PIPELINE_AGENT, details={
                "error": reason, "attempt": self.attempt, "retry": "evidence.pipeline.retry", **details,
                **({"digests": {k: self.facts[k] for k in ("sha256", "size")}} if "sha256" in self.facts else {}),
            })
            EvidenceItem.objects.filter(pk=item.pk).update(state=State.FAILED, error=reason, claimed_at=None)
        return State.FAILED

    def release(self) -> None:
        """Hand the item back for a later attempt (a transient error): no custody entry,
        nothing happened to the evidence."""
        _mine(self.item.pk, self.attempt).update(state=State.RECEIVED, claimed_at=None)


class _Stop(Exception):
    """The attempt already recorded its ending."""


def _discard_quietly(name: str) -> None:
    try:
        storage.discard(name)
    except OSError:
        log.warning("Could not remove the staged file %s; it is no longer referenced.", name)


# --- entry points -------------------------------------------------------------


def ingest(item_id: str, *, fill: int = 0, learn=None) -> str:
    """Run the pipeline for one item and, with `fill`, for up to that many other
    items waiting (evidence/batch.py; `learn`, a batch.Appetite, sizes the next
    claim). Returns the item's state afterwards, or "busy" when a live worker
    holds it. Raises TransientError to be retried."""
    from evidence.batch import ingest_batch

    return ingest_batch(item_id, fill=fill, learn=learn)


def give_up(item_id: str, reason: str) -> str:
    """After the last retry of a transient error: mark the item failed, visibly."""
    attempt = claim(item_id)
    if attempt is None:
        return EvidenceItem.objects.filter(pk=item_id).values_list("state", flat=True).first() or "missing"
    item = EvidenceItem.objects.get(pk=item_id)
    return Attempt(item, attempt).fail(f"Gave up after repeated transient errors: {reason}")


def retry_backoff(retries: int) -> int:
    """Seconds before retry number `retries` + 1: exponential, capped, jittered."""
    # Capped below the visibility timeout: a delayed retry is held un-acked meanwhile.
    return min(300, 5 * 2**retries) + random.randint(0, 5)


def retry(*, actor: AbstractBaseUser, item: EvidenceItem) -> EvidenceItem:
    """Re-queue a failed item, recording who asked in its custody log.
    Quarantined items are evidence of a mismatch and are never retried."""
    from catalogue.roles import INVESTIGATOR, user_has_role
    from catalogue.selectors import cases_visible_to

    if not (actor.is_superuser or user_has_role(actor, INVESTIGATOR)):
        raise PermissionDenied("Only investigators can retry the ingest of an item.")
    if not cases_visible_to(actor).filter(pk=item.case_id).exists():
        raise PermissionDenied("You cannot retry an item on a case you cannot see.")
    with transaction.atomic():
        locked = EvidenceItem.objects.select_for_update().get(pk=item.pk)
        if locked.state != State.FAILED:
            raise ValidationError({"state": f"Only a failed item can be retried; this one is {locked.state}."})
        # What happened is a request: the attempt it starts records its own outcome (a transfer or
        # digest entry by the pipeline agent). Logged as "ingestion", it read as a sealed item.
        failed = (CustodyEvent.objects.filter(item=locked, outcome=Outcome.FAILURE).order_by("-seq")
                  .values_list("action", flat=True).first())
        custody_append(item=locked, action=Action.INGESTION_START, user=actor, details={
            "retry": True, "requested_by": actor.get_username(), "queued_again": True,
            "after_failed_step": failed or "", "previous_error": locked.error,
            "previous_attempts": locked.attempts,
        })
        now = timezone.now()
        EvidenceItem.objects.filter(pk=locked.pk).update(state=State.RECEIVED, error="", claimed_at=None, queued_at=now)
        from evidence.tasks import ingest as ingest_task

        transaction.on_commit(lambda: ingest_task.delay(str(locked.pk)))
    locked.refresh_from_db()
    return locked


def sweep_stuck() -> list[str]:
    """Re-queue items left received or processing (claim gone stale) for longer than
    EVIDENCE_SWEEP_AFTER_SECONDS: the broker lost the message (a Redis restart
    without persistence) or every worker holding it died. Idempotent ingest
    makes a needless re-queue harmless."""
    from evidence.tasks import ingest as ingest_task

    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.EVIDENCE_SWEEP_AFTER_SECONDS)
    stale = now - timedelta(seconds=settings.EVIDENCE_CLAIM_STALE_SECONDS)
    stuck = (
        EvidenceItem.objects.annotate(last_queued=Coalesce("queued_at", "created_at"))
        .filter(last_queued__lt=cutoff)
        .filter(Q(state=State.RECEIVED) | Q(state=State.PROCESSING) & (Q(claimed_at__lt=stale) | Q(claimed_at=None)))
    )
    requeued = []
    for item_id in stuck.values_list("pk", flat=True)[:1000]:
        # Conditional, so two sweepers never queue one item twice in a round.
        if EvidenceItem.objects.filter(pk=item_id).filter(Q(queued_at=None) | Q(queued_at__lt=cutoff)).update(
            queued_at=now
        ):
            ingest_task.delay(str(item_id))
            requeued.append(str(item_id))
    if requeued:
        log.warning("sweep: re-queued %d stuck item(s)", len(requeued))
    return requeued


def sweep_orphaned_uploads() -> list[str]:
    """Remove staged files no item refers to, once older than EVIDENCE_ORPHAN_UPLOAD_HOURS.

    They are what a crash leaves between staging bytes and committing the item
    that names them (an upload, or a fetched copy), or a staged file whose item
    was sealed but whose removal failed. No item names them, so no submission
    is lost; the age keeps a filing still in its transaction safe. Each removal
    is logged.
    """
    cutoff = timezone.now() - timedelta(hours=settings.EVIDENCE_ORPHAN_UPLOAD_HOURS)
    old = [name for name, modified in storage.staged_files() if modified < cutoff]
    named = set(EvidenceItem.objects.filter(staged_name__in=old).values_list("staged_name", flat=True))
    removed = []
    for name in old:
        if name not in named:
            log.warning("sweep: removing %s, a staged file no item refers to", name)
            _discard_quietly(name)
            removed.append(name)
    return removed
