"""Several items per ingest task: one claim, one commit for their endings.

A burst of filings queues one `ingest` message per item. The worker that
takes one also claims up to `fill` other items waiting (oldest first; on
PostgreSQL with SKIP LOCKED, so two workers take disjoint batches; more
while a burst is queued, see `Appetite`), takes each through the steps of
evidence/pipeline.py, and commits the endings of the batch together: one
locking read, one UPDATE of the items (evidence/row_updates.py), each
item's custody entries through `custody_append_many`, then one search index
update per case, and one preview message for the items that need a display
copy. The messages of items that another task's batch took find them sealed
(or held) in their one claim statement and change nothing.

Each item keeps the guarantees of a single attempt:
- the claim is the same conditional claim (received, or a stale processing
  claim; `attempts` bumped), so an item is only ever in one live batch;
- nothing of an item is written before its batch's commit (the fetch of a
  URL excepted, as for one item), so a worker killed at any point leaves each
  item of its batch either sealed, with every entry once, or processing with
  a claim that goes stale and is retaken: by the killed task's redelivered
  message, by any other task's fill, or by the sweeper;
- the commit writes only the items still held by this attempt (state and
  `attempts` checked under the row lock); one retaken meanwhile is left to
  its new holder.

Statements (tests/test_pipeline_batch.py and tests/test_pipeline_sealing.py
hold the bounds; bench/profile_sealing.py counts them in a burst): an item
costs its custody append (3 as custody.py stands), its message's claim (1)
and a share of its batch's 8 (0.13 at 64 items): 4.15 a sealed item in a
burst of 64 KiB files, against 5.5 before these cuts.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import operator
import time
import uuid
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from catalogue.search import index_case_add, item_text
from evidence import capture_place, content_store, previews
from evidence.custody import PIPELINE_AGENT, custody_append_many
from evidence.models import CustodyEvent, EvidenceItem
from evidence.pipeline import Attempt, ClaimLost, TransientError, _discard_quietly, _Stop, _uuid, retry_backoff
from evidence.row_updates import update_rows

log = logging.getLogger(__name__)
Action = CustodyEvent.Action
State = EvidenceItem.State

# A fill item that keeps meeting transient errors is failed visibly after this many
# attempts, as a single item is after the task's last retry (evidence/tasks.py).
MAX_ATTEMPTS = 9
_TRANSIENT = (OSError, OperationalError, InterfaceError)
# What an attempt's ending writes to its item: nothing a person edits.
ENDING_FIELDS = ["sha256", "sha512", "sha1", "md5", "size", "media_type", "metadata", "extracted_text", "state",
                 "error", "staged_name", "claimed_at", "sealed_at"]


# --- claiming ------------------------------------------------------------------


def claim_batch(item_id: str | uuid.UUID, fill: int = 0) -> dict[uuid.UUID, int]:
    """Claim the item and up to `fill` other staged items that are waiting (received,
    or held by a claim gone stale), in one statement. Returns {id: attempt}."""
    return claim_with_state(item_id, fill)[0]


def claim_with_state(item_id: str | uuid.UUID, fill: int = 0) -> tuple[dict[uuid.UUID, int], str | None]:
    """`claim_batch`, and the item's state when it was not claimed (None if there is no such
    item). On PostgreSQL in the same statement: most messages of a burst find their item
    sealed by another task's batch, and this is all such a message costs the database."""
    table = connection.ops.quote_name(EvidenceItem._meta.db_table)
    pk_field = EvidenceItem._meta.pk
    now = timezone.now()
    stale = now - timedelta(seconds=settings.EVIDENCE_CLAIM_STALE_SECONDS)
    claimed_at = EvidenceItem._meta.get_field("claimed_at")
    own = pk_field.get_db_prep_value(_uuid(item_id), connection)
    stamp, stale_stamp = (claimed_at.get_db_prep_value(v, connection) for v in (now, stale))
    takeable = ("(state = %s OR (state = %s AND (claimed_at IS NULL OR claimed_at < %s)))")
    takeable_args = [State.RECEIVED, State.PROCESSING, stale_stamp]
    # PostgreSQL: rows another claimer is locking right now are skipped, not waited for.
    # SQLite has one writer at a time, so there is nothing to skip.
    skip = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    # Each part a sub-select of its own: PostgreSQL takes no FOR UPDATE on a UNION's arm.
    picked = f"SELECT id FROM (SELECT id FROM {table} WHERE id = %s AND {takeable}{skip}) AS own"
    args = [own, *takeable_args]
    if fill > 0:
        picked += (f" UNION ALL SELECT id FROM (SELECT id FROM {table} WHERE id <> %s AND staged_name <> '' "
                   f"AND {takeable} ORDER BY created_at LIMIT %s{skip}) AS more")
        args += [own, *takeable_args, fill]
    if skip:
        # A CTE, evaluated once: as `WHERE id IN (... LIMIT n FOR UPDATE SKIP LOCKED)` PostgreSQL
        # may rescan the sub-select, and a burst's first claim then took hundreds of items.
        # The last arm reads the statement's snapshot, from before the UPDATE: the item's
        # state as it was, had this statement not claimed it.
        sql = (f"WITH picked AS ({picked}), claimed AS (UPDATE {table} AS item SET state = %s, claimed_at = %s, "
               f"attempts = item.attempts + 1 FROM picked WHERE item.id = picked.id AND {takeable} "
               f"RETURNING item.id, item.attempts) "
               f"SELECT id, attempts, NULL FROM claimed UNION ALL SELECT id, NULL, state FROM {table} "
               f"WHERE id = %s AND NOT EXISTS (SELECT 1 FROM claimed WHERE claimed.id = %s)")
        params = [*args, State.PROCESSING, stamp, *takeable_args, own, own]
    else:
        sql = (f"UPDATE {table} SET state = %s, claimed_at = %s, attempts = attempts + 1 "
               f"WHERE id IN ({picked}) AND {takeable} RETURNING id, attempts, NULL")
        params = [State.PROCESSING, stamp, *args, *takeable_args]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    held = {pk_field.to_python(pk): attempts for pk, attempts, _ in rows if attempts is not None}
    own_id = _uuid(item_id)
    if own_id in held:
        return held, None
    states = [state for pk, attempts, state in rows if attempts is None]
    if not skip:
        states = list(EvidenceItem.objects.filter(pk=own_id).values_list("state", flat=True))
    return held, states[0] if states else None


class Claims:
    """The claims one task holds, kept fresh together while it works through them."""

    def __init__(self, held: dict[uuid.UUID, int]) -> None:
        self.held = dict(held)
        self._beat = time.monotonic()

    def _mine(self):
        return EvidenceItem.objects.filter(
            functools.reduce(operator.or_, (Q(pk=pk, attempts=n) for pk, n in self.held.items())),
            state=State.PROCESSING,
        )

    def refresh(self, item_id: uuid.UUID) -> None:
        """Every few seconds, move every held claim on; ClaimLost if `item_id`'s was retaken."""
        if time.monotonic() - self._beat < max(1.0, settings.EVIDENCE_CLAIM_STALE_SECONDS / 5):
            return
        if self.held and self._mine().update(claimed_at=timezone.now()) != len(self.held):
            still = set(self._mine().values_list("pk", flat=True))
            self.held = {pk: n for pk, n in self.held.items() if pk in still}
        self._beat = time.monotonic()
        if item_id not in self.held:
            raise ClaimLost(f"the claim on {item_id} was superseded")

    def drop(self, item_id: uuid.UUID) -> None:
        """The item's attempt has ended (committed): its row is no longer ours to refresh."""
        self.held.pop(item_id, None)


# --- how much to claim ---------------------------------------------------------------


class Appetite:
    """How many waiting items a worker's next task claims beside its own.

    EVIDENCE_INGEST_BATCH to start with. A claim that came back full says a burst is
    queued: the next one takes enough items for about EVIDENCE_INGEST_BATCH_BYTES at the
    sizes just sealed, up to EVIDENCE_INGEST_BATCH_MAX, so that a burst of small files
    pays each batch's fixed cost (its claim, its commit, the case's search index, whose
    text PostgreSQL re-parses whole) over many items, while a burst of large files is
    not held by one worker that the others could have shared. A claim that was not full
    (the queue is short) goes back to EVIDENCE_INGEST_BATCH, so that two workers share
    a small burst. One per worker process; nothing it decides is a guarantee.
    """

    def __init__(self) -> None:
        self.size: int | None = None

    def batch(self) -> int:
        base = max(1, settings.EVIDENCE_INGEST_BATCH)
        return base if self.size is None else self.size

    def learn(self, asked: int, took: int, item_bytes: list[int]) -> None:
        """After a claim of `asked` items that took `took`, whose sealed sizes were `item_bytes`."""
        base = max(1, settings.EVIDENCE_INGEST_BATCH)
        most = max(base, settings.EVIDENCE_INGEST_BATCH_MAX)
        if took < asked or not item_bytes or base == 1:
            self.size = None
            return
        mean = max(1, sum(item_bytes) // len(item_bytes))
        self.size = max(base, min(most, 2 * (asked + 1), settings.EVIDENCE_INGEST_BATCH_BYTES // mean))


appetite = Appetite()


# --- the batch's one commit ----------------------------------------------------------


def finish_many(runs: list[Attempt]) -> set[uuid.UUID]:
    """Commit the endings (`run.ending`) of prepared attempts in one transaction.

    Returns the ids of those whose claim was retaken meanwhile: nothing is written for them.
    """
    if not runs:
        return set()
    by_id = {run.item.pk: run for run in runs}
    with transaction.atomic():
        # Read under the lock with the claim: what a person may have changed since the batch
        # was loaded (a capture place given meanwhile is never overwritten by the GPS's).
        rows = (EvidenceItem.objects.select_for_update().filter(pk__in=list(by_id)).order_by("pk")
                .values_list("pk", "state", "attempts", "staged_name", "capture_place_id", "capture_position_source"))
        current = {pk: rest for pk, *rest in rows}
        lost = {pk for pk, run in by_id.items() if tuple(current.get(pk, (None, None))[:2]) != (State.PROCESSING,
                                                                                                run.attempt)}
        mine = [run for run in runs if run.item.pk not in lost]
        if not mine:
            return lost
        now = timezone.now()
        # Which other exhibits already hold each content: those sealed before, then
        # those earlier in this batch (as if the batch had been sealed one by one).
        same: dict[str, list[str]] = defaultdict(list)
        shas = {run.facts["sha256"] for run in mine if run.ending[0] == State.SEALED}
        if shas:
            for sha, exhibit in (EvidenceItem.objects.filter(sha256__in=shas).exclude(pk__in=list(by_id))
                                 .order_by("created_at").values_list("sha256", "exhibit")):
                same[sha].append(exhibit)
        additions: dict[int, list[str]] = defaultdict(list)
        items, entries, positioned = [], {}, []
        for run in mine:
            state, error = run.ending
            item, facts = run.item, run.facts
            item.sha256, item.sha512, item.sha1, item.md5 = (facts[k] for k in ("sha256", "sha512", "sha1", "md5"))
            item.size = facts["size"]
            item.media_type = facts.get("media_type", "")
            item.metadata = facts.get("metadata", {})
            item.extracted_text = facts.get("text", "")
            item.state, item.error, item.staged_name, item.claimed_at = state, error, "", None
            item.sealed_at = now if state == State.SEALED else None
            items.append(item)
            events = list(run.events)
            item.capture_place_id, item.capture_position_source = current[item.pk][3:5]
            # The capture position from EXIF GPS, when the file has one: written with the others below.
            gps_entries = capture_place.fill_from_gps(item, save=False)
            if gps_entries:
                positioned.append(item)
            events += gps_entries
            if state == State.SEALED:
                text = item_text(exhibit=item.exhibit, title=item.title, description=item.description,
                                 filename=item.original_filename, text=item.extracted_text)
                if text:
                    additions[item.case_id].append(text)
                events.append({"action": Action.INDEXING,
                               "details": {"case": item.case.reference, "text_chars": len(item.extracted_text)}})
                events.append({"action": Action.INGESTION, "details": {
                    "sealed": True, "content": facts["content"]["name"],
                    "object_created": facts["content"]["created"], "same_content_as": list(same[item.sha256]),
                    "attempt": run.attempt,
                }})
                same[item.sha256].append(item.exhibit)
            entries[item.pk] = events
        update_rows(items, ENDING_FIELDS)
        update_rows(positioned, capture_place.FIELDS)
        for run in mine:
            custody_append_many(item=run.item, entries=entries[run.item.pk], agent=PIPELINE_AGENT)
        # Last before the commit: the case's row is shared by every batch of a burst filed to one
        # case, and its lock is held from here to the commit; taken first, two workers' endings
        # ran one after the other. In the order of the cases' ids, so two batches that share
        # cases lock them in one order and never deadlock.
        cases = {run.item.case_id: run.item.case for run in mine}
        for case_id in sorted(additions):
            index_case_add(cases[case_id], "\n".join(additions[case_id]))
        staged = [current[run.item.pk][2] for run in mine]
        transaction.on_commit(lambda: [_discard_quietly(name) for name in staged if name])
        # Once the ending has committed, so that the preview's worker finds the item sealed;
        # only for the items that need a display copy, in one message for the batch.
        wanted = [str(item.pk) for item in items if previews.needs_previews(item)]
        if wanted:
            transaction.on_commit(lambda: _queue_previews(wanted))
    for run in mine:
        run.claims.drop(run.item.pk)
    return lost


def _queue_previews(item_ids: list[str]) -> None:
    """Display copies for the items a batch sealed that need one, its batch-mates' too (evidence/previews.py)."""
    from evidence.preview_tasks import make_previews_for

    make_previews_for.delay(item_ids)


# --- one task ------------------------------------------------------------------------


class _Transient(Exception):
    pass


def _prepare(run: Attempt) -> str | None:
    """Run the steps; None when ready to commit, else how the attempt ended on its own."""
    try:
        return None if run.prepare() else State.FAILED
    except _Stop:
        return State.FAILED
    except ClaimLost:
        log.info("ingest: %s was taken over by a later attempt", run.item.pk)
        return "superseded"
    except content_store.StoredObjectMismatch as exc:
        return run.fail(str(exc))
    except _TRANSIENT as exc:
        reason = f"{type(exc).__name__}: {exc}"
        with contextlib.suppress(DatabaseError):
            run.release()
        raise _Transient(reason) from exc
    except Exception as exc:
        log.exception("ingest: unexpected error on %s", run.item.pk)
        with contextlib.suppress(ClaimLost, DatabaseError):
            return run.fail(f"Unexpected error during {run.step}: {type(exc).__name__}: {exc}")
        raise


def ingest_batch(item_id: str, *, fill: int = 0, learn: Appetite | None = None) -> str:
    """Run the pipeline for the item and up to `fill` other waiting items; with `learn`,
    tell it how full the claim was and what sizes were sealed (a worker's task does).

    Returns the item's state afterwards ("busy" if a live worker holds it, "missing",
    "superseded"). Raises TransientError, after committing the rest of the batch, when
    the item itself met a transient error; a fill item that did is handed back and
    queued again with backoff.
    """
    own = _uuid(item_id)
    held, current = claim_with_state(own, fill)
    outcome = None
    sizes: list[int] = []
    if learn is not None:
        took = len(held) - (own in held)
        finally_learn = functools.partial(learn.learn, fill, took, sizes)  # the sizes are filled in below
    else:
        finally_learn = None
    if own not in held:
        if current is None:
            log.warning("ingest: no evidence item %s", item_id)
        outcome = "missing" if current is None else "busy" if current == State.PROCESSING else current
        if not held:
            if finally_learn:
                finally_learn()
            return outcome
    # Not the case's search text: up to MAX_SEARCH_TEXT characters nothing here reads.
    loaded = EvidenceItem.objects.select_related("case").defer("case__search_text").in_bulk(list(held))
    order = sorted(held, key=lambda pk: (pk != own, loaded[pk].created_at))
    claims = Claims(held)
    budget = settings.EVIDENCE_INGEST_BATCH_BYTES
    ready: list[Attempt] = []
    ready_bytes = 0
    own_error: str | None = None
    unexpected: BaseException | None = None

    def commit() -> None:
        nonlocal ready, ready_bytes, outcome, own_error
        try:
            lost = finish_many(ready)
        except _TRANSIENT as exc:
            # Nothing was written: hand every item back, as a single attempt would.
            reason = f"{type(exc).__name__}: {exc}"
            for run in ready:
                claims.drop(run.item.pk)
                with contextlib.suppress(DatabaseError):
                    run.release()
                if run.item.pk == own:
                    own_error = reason
                else:
                    _requeue_or_give_up(run, reason)
            ready, ready_bytes = [], 0
            return
        for run in ready:
            if run.item.pk == own:
                outcome = "superseded" if own in lost else run.ending[0]
        ready, ready_bytes = [], 0

    for pk in order:
        run = Attempt(loaded[pk], held[pk], claims=claims)
        try:
            ended = _prepare(run)
        except _Transient as exc:
            claims.drop(pk)
            if pk == own:
                own_error = str(exc)
            else:
                _requeue_or_give_up(run, str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 - raised once the rest of the batch is committed
            claims.drop(pk)
            unexpected = exc
            continue
        if ended is not None:
            claims.drop(pk)
            if pk == own:
                outcome = ended
            continue
        ready.append(run)
        # Commit every EVIDENCE_INGEST_BATCH_BYTES, so a batch of large files does not hold
        # finished work uncommitted for long.
        ready_bytes += run.facts.get("size") or 0
        sizes.append(run.facts.get("size") or 0)
        if ready_bytes >= budget:
            commit()
    commit()
    if finally_learn:
        finally_learn()
    if unexpected is not None:
        raise unexpected
    if own_error is not None:
        raise TransientError(own_error)
    return outcome


def _requeue_or_give_up(run: Attempt, reason: str) -> None:
    """A fill item met a transient error: it was handed back; queue it again with backoff,
    or, after MAX_ATTEMPTS, fail it visibly as a single item's last retry would."""
    from evidence.tasks import ingest as ingest_task

    if run.attempt >= MAX_ATTEMPTS:
        from evidence.pipeline import give_up

        with contextlib.suppress(DatabaseError):
            give_up(str(run.item.pk), reason)
        return
    ingest_task.apply_async((str(run.item.pk),), countdown=retry_backoff(run.attempt - 1))
