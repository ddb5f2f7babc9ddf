"""The custody chain: append entries, and verify a chain from what is stored.

Each entry's `entry_hash` is SHA-256 over the canonical JSON of the entry
(sorted keys, UTF-8, no insignificant whitespace, UTC ISO 8601 times) with
the previous entry's hash, so changing, removing or reordering any entry
breaks every hash after it. Each entry is also a leaf of the global Merkle
log (evidence/log_store.py): the writer queues it (its row, with no log index
yet) and the sequencer (evidence/sequencer.py) integrates it in a batch soon
after, so writers to different items never wait on one another.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from evidence.models import CustodyEvent, EvidenceItem

GENESIS_HASH = "0" * 64
PIPELINE_AGENT = "agent:evidence-pipeline/1.0"
# An entry's `occurred_at` when nobody said when its event happened. Not None,
# which callers have always passed to mean "now": an unknown time must be asked for.
TIME_UNKNOWN = "unknown"


def utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_body(*, item_id: str, seq: int, action: str, outcome: str, actor: str,
               occurred_at: datetime | str | None, recorded_at: datetime | str, details: dict,
               prev_hash: str) -> dict[str, Any]:
    """The fields an entry's hash covers, in the form that is hashed (an unknown time is JSON null)."""
    return {
        "item": str(item_id),
        "seq": seq,
        "action": action,
        "outcome": outcome,
        "actor": actor,
        "occurred_at": occurred_at if occurred_at is None or isinstance(occurred_at, str) else utc_iso(occurred_at),
        "recorded_at": recorded_at if isinstance(recorded_at, str) else utc_iso(recorded_at),
        "details": details,
        "prev_hash": prev_hash,
    }


def entry_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body)).hexdigest()


def leaf_bytes(body: dict[str, Any], entry_hash_hex: str) -> bytes:
    """What the Merkle log commits to for one entry: its body and its hash."""
    return canonical_json({**body, "entry_hash": entry_hash_hex})


def event_body(event: CustodyEvent) -> dict[str, Any]:
    return entry_body(
        item_id=event.item_id, seq=event.seq, action=event.action, outcome=event.outcome,
        actor=event.actor, occurred_at=event.occurred_at, recorded_at=event.recorded_at,
        details=event.details, prev_hash=event.prev_hash,
    )


def actor_label(user: AbstractBaseUser | None, agent: str | None = None) -> str:
    if agent:
        return agent
    if user is None:
        return PIPELINE_AGENT
    return f"user:{user.get_username()}"


def custody_append(
    *,
    item: EvidenceItem | str,
    action: str,
    outcome: str = CustodyEvent.Outcome.SUCCESS,
    user: AbstractBaseUser | None = None,
    agent: str | None = None,
    details: dict[str, Any] | None = None,
    occurred_at: datetime | str | None = None,
) -> CustodyEvent:
    """Append one entry to an item's chain, atomically, and queue it for the Merkle log.

    `occurred_at` defaults to now; TIME_UNKNOWN records that nobody knows when.
    """
    entry = {"action": action, "outcome": outcome, "details": details, "occurred_at": occurred_at}
    return custody_append_many(item=item, entries=[entry], user=user, agent=agent)[0]


def custody_append_many(
    *,
    item: EvidenceItem | str,
    entries: list[dict[str, Any]],
    user: AbstractBaseUser | None = None,
    agent: str | None = None,
) -> list[CustodyEvent]:
    """Append entries (dicts of action, outcome, details, occurred_at) in order, atomically.

    An entry's `occurred_at` is the recording time when absent or None, and null
    when it is TIME_UNKNOWN.

    The item's row is locked so that concurrent writers to one chain queue up:
    `seq` never repeats or skips. Nothing global is locked: the entries wait,
    `log_index` null, for the sequencer (evidence/sequencer.py), which a commit
    nudges. With LEDGER_INTEGRATE_IN_WRITER (the embedded default) they are
    integrated here instead, in this transaction. A batch costs the same
    handful of queries as one entry, which is what lets the pipeline seal an item quickly.

    On PostgreSQL the append is one statement (evidence/custody_pg.py): outside a
    transaction it autocommits by itself, inside one it joins it. Elsewhere (SQLite)
    it is the portable BEGIN, lock, read, INSERT, COMMIT.
    """
    from evidence import custody_pg

    item_id = item.pk if isinstance(item, EvidenceItem) else uuid.UUID(str(item))
    actor = actor_label(user, agent)
    actor_user = user if user is not None and user.is_authenticated else None
    prepared = [_prepared(entry) for entry in entries]
    if connection.vendor == "postgresql" and all(custody_pg.takes(e["occurred_at"]) for e in prepared):
        return _append_in_database(item_id=item_id, actor=actor, actor_user=actor_user, entries=prepared)
    return _append_portable(item_id=item_id, actor=actor, actor_user=actor_user, entries=prepared)


def _prepared(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry's fields as they are stored and hashed (the recording time is added by the append)."""
    details = json.loads(json.dumps(entry.get("details") or {}, default=str))  # as the JSON column returns it
    occurred_now = not entry.get("occurred_at")
    return {
        "action": entry["action"],
        "outcome": entry.get("outcome") or CustodyEvent.Outcome.SUCCESS,
        "details": details,
        "canonical_details": canonical_json(details).decode("utf-8"),
        "occurred_now": occurred_now,
        "occurred_at": None if occurred_now or entry["occurred_at"] == TIME_UNKNOWN else entry["occurred_at"],
    }


def _append_in_database(*, item_id: uuid.UUID, actor: str, actor_user, entries: list[dict[str, Any]]) -> list[CustodyEvent]:
    """PostgreSQL: one statement (evidence/custody_pg.py), which autocommits outside a transaction."""
    from evidence import custody_pg, sequencer

    if settings.LEDGER_INTEGRATE_IN_WRITER:
        with transaction.atomic(savepoint=False):
            created = custody_pg.append(item_id=item_id, actor=actor, actor_user=actor_user, entries=entries)
            assigned = sequencer.integrate_in_writer()
        for event in created:
            event.log_index = assigned.get(event.pk)
        return created
    created = custody_pg.append(item_id=item_id, actor=actor, actor_user=actor_user, entries=entries)
    transaction.on_commit(sequencer.after_append)  # at once if the append autocommitted
    return created


def _append_portable(*, item_id: uuid.UUID, actor: str, actor_user, entries: list[dict[str, Any]]) -> list[CustodyEvent]:
    """Any database: lock the item, read the chain's last entry, insert, in one transaction."""
    from evidence import sequencer

    # No savepoint: a failed append must abort the caller's whole transaction.
    with transaction.atomic(savepoint=False):
        EvidenceItem.objects.select_for_update().only("id").get(pk=item_id)
        last = CustodyEvent.objects.filter(item_id=item_id).order_by("-seq").only("seq", "entry_hash").first()
        seq = last.seq if last else 0
        prev = last.entry_hash if last else GENESIS_HASH
        # Stored times keep microseconds on every backend we support, so the
        # canonical form read back later equals the one hashed now.
        recorded_at = timezone.now()
        events = []
        for entry in entries:
            seq += 1
            occurred_at = recorded_at if entry["occurred_now"] else entry["occurred_at"]
            body = entry_body(
                item_id=item_id, seq=seq, action=entry["action"], outcome=entry["outcome"], actor=actor,
                occurred_at=occurred_at, recorded_at=recorded_at, details=entry["details"], prev_hash=prev,
            )
            digest = entry_hash(body)
            events.append(CustodyEvent(
                item_id=item_id, seq=seq, action=entry["action"], outcome=entry["outcome"], actor=actor,
                actor_user=actor_user, occurred_at=occurred_at, recorded_at=recorded_at, details=entry["details"],
                prev_hash=prev, entry_hash=digest,
            ))
            prev = digest
        created = CustodyEvent.objects.bulk_create(events)
        if settings.LEDGER_INTEGRATE_IN_WRITER:
            assigned = sequencer.integrate_in_writer()
            for event in created:
                event.log_index = assigned.get(event.pk)
        else:
            transaction.on_commit(sequencer.after_append)
        return created


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    length: int
    broken_seq: int | None = None
    problem: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "length": self.length, "broken_seq": self.broken_seq, "problem": self.problem}


def verify_entries(entries: list[dict[str, Any]]) -> ChainReport:
    """Check a chain given as dicts (body fields plus `entry_hash`), in order.

    Pure: the same check runs on exported logs. Reports the first broken entry.
    """
    prev = GENESIS_HASH
    for position, entry in enumerate(entries, start=1):
        if entry["seq"] != position:
            return ChainReport(False, len(entries), entry["seq"], f"expected seq {position}, found {entry['seq']}")
        if entry["prev_hash"] != prev:
            return ChainReport(False, len(entries), entry["seq"], "prev_hash does not match the previous entry's hash")
        body = {k: entry[k] for k in ("item", "seq", "action", "outcome", "actor", "occurred_at", "recorded_at", "details", "prev_hash")}
        if entry_hash(body) != entry["entry_hash"]:
            return ChainReport(False, len(entries), entry["seq"], "entry_hash does not match the entry's content")
        prev = entry["entry_hash"]
    return ChainReport(True, len(entries))


def event_as_entry(event: CustodyEvent) -> dict[str, Any]:
    return {**event_body(event), "entry_hash": event.entry_hash, "log_index": event.log_index}


def verify_chain(item: EvidenceItem | str) -> ChainReport:
    item_id = item.pk if isinstance(item, EvidenceItem) else item
    events = CustodyEvent.objects.filter(item_id=item_id).order_by("seq")
    return verify_entries([event_as_entry(e) for e in events])
