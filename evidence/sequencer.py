"""The sequencer: integrates queued custody entries into the Merkle log, in batches.

As in Trillian and Tessera, a writer never integrates its entry into the tree
inside its own transaction. `custody_append_many` locks the item, chains the
entry and inserts it with ``log_index`` null: that row is the queue. One
sequencer at a time, holding the database lease below, takes the oldest
pending entries, gives them the next log indexes, writes the tree's nodes and
the new size in one transaction, and then signs one head for the batch
(evidence.signing, so the sequencer runs only where the signer may: a worker,
the export builder, never a web request).

Guarantees, and what gives each:
- No gap, none twice: a batch locks the LogState row, reads its size, and sets
  consecutive indexes from there in the same transaction that grows it; the
  custody trigger lets ``log_index`` be set only from null, once, and the
  column is unique. A second integrator, even one whose lease ran out while it
  was stalled, waits on that lock and then sees the new size and no longer
  sees the entries as pending.
- A sequencer killed mid-batch: its transaction never commits, so the next
  holder redoes the whole batch; killed after the commit but before signing,
  the next holder signs the head (a batch is integrated whether or not a head
  covers it yet; the API reports entries after the latest head as pending).
- One sequencer: the lease is a row (name, holder, expiry) that a candidate
  takes with one conditional UPDATE, so it works for the application role,
  which owns nothing, and on SQLite alike. A holder renews it per batch and
  releases it when done; one that dies holds it until it expires
  (LEDGER_SEQUENCER_LEASE_SECONDS), and the next beat tick on any worker then
  takes it over. The expiry uses each host's clock: keep them in NTP.
- The order of an item's entries: a writer appends under the item's row lock,
  so a later entry of one item is inserted after the earlier one committed and
  has a higher id; batches go in id order, so each chain's entries take
  increasing log indexes.

The embedded default (SQLite, tasks in-process, LEDGER_INTEGRATE_IN_WRITER on)
integrates in the writer's transaction instead, without the lease or a head:
SQLite lets one writer in at a time anyway, and nothing signs in a request.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from evidence import ledger, log_store
from evidence.custody import entry_body, leaf_bytes
from evidence.models import CustodyEvent, LogState, SequencerLease, TreeHead

logger = logging.getLogger(__name__)

LEASE = "log-sequencer"


class IntegrationTimeout(RuntimeError):
    """Entries were still pending when the wait for the sequencer ran out."""


@dataclass
class Run:
    """What one sequencer run did."""

    holder: str
    integrated: int = 0
    batches: int = 0
    tree_size: int = 0
    heads: list[int] = field(default_factory=list)  # tree sizes of the heads it signed
    lost_lease: bool = False


def default_holder() -> str:
    return f"{socket.gethostname()}/{os.getpid()}/{threading.get_ident()}"


# --- the lease ------------------------------------------------------------------


def acquire(holder: str, seconds: float | None = None) -> bool:
    """Take (or renew) the lease for ``holder`` if it is free, expired or already its own."""
    seconds = settings.LEDGER_SEQUENCER_LEASE_SECONDS if seconds is None else seconds
    now = timezone.now()
    with transaction.atomic():
        if not SequencerLease.objects.filter(name=LEASE).exists():
            # The first run ever; a concurrent first run may win this insert, which is fine.
            SequencerLease.objects.bulk_create([SequencerLease(name=LEASE)], ignore_conflicts=True)
        taken = SequencerLease.objects.filter(name=LEASE).filter(
            Q(holder=holder) | Q(holder="") | Q(expires_at__isnull=True) | Q(expires_at__lt=now)
        ).update(holder=holder, expires_at=now + timedelta(seconds=seconds), acquired_at=now)
    return taken == 1


def renew(holder: str, seconds: float | None = None) -> bool:
    """Extend the lease if ``holder`` still has it (never takes it from another)."""
    seconds = settings.LEDGER_SEQUENCER_LEASE_SECONDS if seconds is None else seconds
    now = timezone.now()
    return SequencerLease.objects.filter(name=LEASE, holder=holder).update(
        expires_at=now + timedelta(seconds=seconds)
    ) == 1


def release(holder: str) -> None:
    SequencerLease.objects.filter(name=LEASE, holder=holder).update(holder="", expires_at=None)


def lease_holder() -> tuple[str, object] | None:
    """(holder, expires_at) of a lease that is held, or None."""
    lease = SequencerLease.objects.filter(name=LEASE).exclude(holder="").first()
    return (lease.holder, lease.expires_at) if lease else None


# --- integration ------------------------------------------------------------------


def pending_count() -> int:
    return CustodyEvent.objects.filter(log_index__isnull=True).count()


# What a leaf commits to (evidence.custody.leaf_bytes), read as plain values: no model instances.
LEAF_FIELDS = ("id", "item_id", "seq", "action", "outcome", "actor", "occurred_at", "recorded_at", "details",
               "prev_hash", "entry_hash")


def integrate_batch(limit: int | None = None) -> dict[int, int]:
    """Integrate up to ``limit`` pending entries, oldest first; returns {event id: log index}.

    Call inside a transaction: it locks LogState until that commits. The nodes,
    the new size and every entry's index are written together or not at all.
    """
    state, _ = LogState.objects.select_for_update().get_or_create(pk=1)
    pending = CustodyEvent.objects.filter(log_index__isnull=True).order_by("id").values_list(*LEAF_FIELDS)
    rows = list(pending[:limit] if limit else pending)
    if not rows:
        return {}
    first = state.size
    log_store.integrate_leaf_hashes(first, [_leaf_hash(row) for row in rows])
    assigned = {row[0]: first + offset for offset, row in enumerate(rows)}
    _set_log_indexes(assigned)
    if settings.LEDGER_SEQUENCER_BATCH_DELAY:
        time.sleep(settings.LEDGER_SEQUENCER_BATCH_DELAY)  # a test hook: time to kill a sequencer mid-batch
    return assigned


def _leaf_hash(row: tuple) -> bytes:
    """The leaf hash of a stored entry, as evidence.signing.entry_leaf_hash computes it from the model."""
    _pk, item_id, seq, action, outcome, actor, occurred_at, recorded_at, details, prev_hash, digest = row
    body = entry_body(item_id=item_id, seq=seq, action=action, outcome=outcome, actor=actor,
                      occurred_at=occurred_at, recorded_at=recorded_at, details=details, prev_hash=prev_hash)
    return ledger.leaf_hash(leaf_bytes(body, digest))


def _set_log_indexes(assigned: dict[int, int]) -> None:
    """Give each entry its log index, in one statement on PostgreSQL.

    The trigger allows exactly this change (null to a value, nothing else);
    CustodyEvent.save and the queryset's update refuse every change. Every row
    must change: under the LogState lock none can have been integrated by another.
    """
    table = connection.ops.quote_name(CustodyEvent._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The indexes are consecutive: send the ids (as text, which the driver quotes
            # once rather than per element) and the first index.
            cursor.execute(
                f"UPDATE {table} AS e SET log_index = %s + v.n - 1 "
                "FROM unnest(string_to_array(%s, ',')::bigint[]) WITH ORDINALITY AS v(id, n) "
                "WHERE e.id = v.id AND e.log_index IS NULL",
                [next(iter(assigned.values())), ",".join(map(str, assigned))],
            )
            changed = cursor.rowcount
        else:
            cursor.executemany(
                f"UPDATE {table} SET log_index = %s WHERE id = %s AND log_index IS NULL",
                [(index, pk) for pk, index in assigned.items()],
            )
            changed = len(assigned)  # executemany's rowcount is not the sum on every driver
    if changed != len(assigned):
        raise RuntimeError(f"{len(assigned) - changed} of the batch's entries were no longer pending.")


def _head_behind() -> bool:
    head = TreeHead.objects.order_by("-tree_size").values_list("tree_size", flat=True).first()
    return (head or 0) < log_store.size()


def run(*, holder: str | None = None, sign: bool = True, batch: int | None = None,
        seconds: float | None = None) -> Run | None:
    """Integrate what is pending, a batch at a time, signing one head per batch.

    Returns None at once when another sequencer holds the lease (it is doing
    the work). Stops when nothing is pending, after ``seconds``, or if the
    lease was lost. Call it outside a transaction, as a worker does.
    """
    from evidence import signing

    holder = holder or default_holder()
    batch = batch or settings.LEDGER_SEQUENCER_BATCH
    seconds = settings.LEDGER_SEQUENCER_RUN_SECONDS if seconds is None else seconds
    if not acquire(holder):
        return None
    done = Run(holder=holder)
    deadline = time.monotonic() + seconds
    try:
        if sign and _head_behind():
            # A holder that died between a batch's commit and its head: sign for that batch now.
            done.heads.append(signing.sign_tree_head().tree_size)
        while True:
            # Renewed in its own short transaction, so that a candidate asking for the lease
            # is told at once that it is held rather than waiting on this row for the batch.
            if not renew(holder):
                done.lost_lease = True
                logger.warning("The sequencer %s lost its lease; the next holder carries on.", holder)
                break
            with transaction.atomic():
                assigned = integrate_batch(batch)
            if not assigned:
                break
            done.integrated += len(assigned)
            done.batches += 1
            if sign:
                done.heads.append(signing.sign_tree_head().tree_size)
            if len(assigned) < batch or time.monotonic() > deadline:
                break
    finally:
        if not done.lost_lease:
            release(holder)
    done.tree_size = log_store.size()
    return done


def integrate_pending(*, sign: bool = True, timeout: float | None = None, holder: str | None = None) -> int:
    """Make sure every entry pending now is integrated (and, with ``sign``, under a signed head).

    Runs the sequencer here if the lease is free, else waits for the holder; by
    default long enough for a dead holder's lease to expire and be taken over here.
    For the export builder, the signer's tasks and tests; never a web request
    (it may sign). Returns the log's size. Raises IntegrationTimeout.
    """
    timeout = 2 * settings.LEDGER_SEQUENCER_LEASE_SECONDS + 10 if timeout is None else timeout
    target = CustodyEvent.objects.filter(log_index__isnull=True).aggregate(last=Max("id"))["last"]
    deadline = time.monotonic() + timeout
    while True:
        run(holder=holder, sign=sign)
        still = target is not None and CustodyEvent.objects.filter(log_index__isnull=True, id__lte=target).exists()
        if not still and not (sign and _head_behind()):
            return log_store.size()
        if time.monotonic() > deadline:
            raise IntegrationTimeout(
                f"Custody entries are still waiting for the sequencer after {timeout:.0f} s "
                f"(lease: {lease_holder()})."
            )
        time.sleep(0.05)


def integrate_in_writer() -> dict[int, int]:
    """The embedded default: integrate in the writer's own transaction (no lease, no head)."""
    return integrate_batch()


# --- after an append --------------------------------------------------------------

_last_trigger = 0.0
_trigger_lock = threading.Lock()
TRIGGER_EVERY = 0.2  # seconds: at most this often per process, beat covers the rest


def after_append() -> None:
    """On the writer's commit: ask a worker to integrate now rather than at the next beat tick.

    Never runs the sequencer here: with tasks run in-process that would sign
    a head inside a web request. One message per process every TRIGGER_EVERY
    seconds at most, so a burst of appends costs the broker little.
    """
    global _last_trigger
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    with _trigger_lock:
        now = time.monotonic()
        if now - _last_trigger < TRIGGER_EVERY:
            return
        _last_trigger = now
    from evidence import ledger_tasks

    try:
        ledger_tasks.integrate_log.delay()
    except Exception:  # the broker being down must not fail a committed append; beat covers it
        logger.warning("Could not queue the sequencer after an append; beat will run it.", exc_info=True)
