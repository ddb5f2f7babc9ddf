"""The access log as one hash chain: who read what cannot be quietly erased.

Every AccessLog row (a case read through the API or the admin, an identity
reveal, an export) takes the next `seq` (1, 2, ... contiguous) and
`entry_hash` = SHA-256 over the canonical JSON of the row's fields with the
previous row's hash (`prev_hash`; the first row's is 64 zeros). Canonical
JSON: sorted keys, compact separators, UTF-8, times as UTC ISO 8601 with
microseconds and Z; `entry_body` and `entry_hash` are pure, so the same check
runs offline on an exported log.

Appends are serialised on the single AccessLogState row (size, tip), locked
(SELECT ... FOR UPDATE) before the tip is read, so entries take consecutive
seqs in commit order. On PostgreSQL one call of catalogue_access_append
(catalogue/migrations/0014_access_append_function.py) locks, hashes and
inserts where the data is, in one round trip; elsewhere (SQLite) Python
does the same in three statements. The database refuses
UPDATE and DELETE on the log, and DELETE on the state row
(catalogue/migrations/0006_access_log_chain.py).

What `verify()` finds, on its own, in a database edited behind the triggers'
back: an edited entry (its fields no longer give its hash), a missing entry
(a gap in seq), an entry whose prev_hash is not its predecessor's hash, and a
state row that disagrees with the last entry. What it cannot find: the last
entries deleted and the state row rewritten to the new last entry (or the
whole chain recomputed from an edit onwards). What remains is a perfectly
good, shorter chain. Only a record of the tip kept outside the database's
reach shows that: `tip()` is what a signed witness of the tip records, and
`entry_hash_at(seq)` is how it is checked later (tests/test_access_log.py
shows the case verify() alone cannot tell).
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from catalogue.models import AccessLog, AccessLogState

GENESIS_HASH = "0" * 64
_CHUNK = 5000

# Field lengths of the AccessLog columns: values are cut to fit before they are
# hashed, so the hash covers what is stored.
_VIA, _ACTION, _REASON = 20, 40, 500


def utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def canonical_ip(value: Any) -> str | None:
    """One spelling per address: PostgreSQL's inet output and Python's may differ (IPv6)."""
    if value in (None, ""):
        return None
    return _canonical_ip(str(value))


@functools.lru_cache(maxsize=4096)
def _canonical_ip(value: str) -> str:
    # Cached: parsing was a fifth of verify()'s time, and the same addresses recur.
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return value


def entry_body(*, seq: int, case_id: int, user_id: int, at: datetime | str, via: str, action: str,
               remote_addr: str | None, reason: str, prev_hash: str) -> dict[str, Any]:
    """The fields an entry's hash covers, in the form that is hashed."""
    return {
        "seq": int(seq),
        "case": int(case_id),
        "user": int(user_id),
        "at": at if isinstance(at, str) else utc_iso(at),
        "via": via,
        "action": action,
        "remote_addr": canonical_ip(remote_addr),
        "reason": reason or "",
        "prev_hash": prev_hash,
    }


def entry_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body)).hexdigest()


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


_LOG = AccessLog._meta.db_table
_STATE = AccessLogState._meta.db_table
_COLUMNS = ("case_id", "user_id", "at", "via", "action", "remote_addr", "reason", "seq", "prev_hash", "entry_hash")


def _lock_state(cursor) -> tuple[int, str]:
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    select = f"SELECT size, tip FROM {_quote(_STATE)} WHERE id = 1{lock}"
    cursor.execute(select)
    row = cursor.fetchone()
    if row is None:
        # Only an emptied database lacks the row (the migration makes it, triggers keep it).
        cursor.execute(f"INSERT INTO {_quote(_STATE)} (id, size, tip) VALUES (1, 0, %s) ON CONFLICT DO NOTHING",
                       [GENESIS_HASH])
        cursor.execute(select)
        row = cursor.fetchone()
    return int(row[0]), row[1]


def append(*, user_id: int, case_ids: Iterable[int], via: str, action: str, remote_addr: str | None = None,
           reason: str = "", at: datetime | None = None) -> int:
    """Append one entry per case (same user, time, door and reason); returns the last one's seq (0 if none).

    The entries of one call are written by one INSERT, never bulk_create:
    model instances for a list page cost more than the page's own queries
    (bench/bench_api.py). On PostgreSQL the database function makes it; on
    SQLite it is built here, and only our own integers and hex digests are
    written into the statement, the rest being parameters. The FK on case_id
    refuses an unknown case.
    """
    case_ids = [int(pk) for pk in case_ids]
    if not case_ids:
        return 0
    at = at or timezone.now()
    entry = _Entry(user_id=int(user_id), at=at, via=via[:_VIA], action=action[:_ACTION],
                   remote_addr=canonical_ip(remote_addr), reason=(reason or "")[:_REASON])
    if connection.vendor == "postgresql":
        return _append_in_database(entry, case_ids)
    return _append_locked(entry, case_ids)


@dataclass(frozen=True)
class _Entry:
    """What the entries of one append share."""

    user_id: int
    at: datetime
    via: str
    action: str
    remote_addr: str | None
    reason: str

    def chain(self, case_ids: list[int], size: int, prev: str) -> tuple[list[str], str]:
        """The VALUES rows (case_id, seq, prev_hash, entry_hash) after (size, prev), and the new tip."""
        # One body, three fields changed per row: building it anew per row cost twice the hashing.
        body = entry_body(seq=size + 1, case_id=case_ids[0], user_id=self.user_id, at=utc_iso(self.at),
                          via=self.via, action=self.action, remote_addr=self.remote_addr, reason=self.reason,
                          prev_hash=prev)
        rows = []
        for seq, case_id in enumerate(case_ids, start=size + 1):
            body["seq"], body["case"], body["prev_hash"] = seq, case_id, prev
            digest = entry_hash(body)
            rows.append(f"({case_id}, {seq}, '{prev}', '{digest}')")
            prev = digest
        return rows, prev

    def pieces(self) -> tuple[str, str, str]:
        """The canonical JSON of an entry (canonical_json of entry_body) less the three fields that
        vary along a chain, for the database to splice them in: head + case + ',"prev_hash":"' +
        prev_hash + middle + seq + tail. tests/test_access_log.py holds it to canonical_json."""
        def value(v: Any) -> str:  # a scalar as canonical_json writes it
            return json.dumps(v, ensure_ascii=False)

        head = f'{{"action":{value(self.action)},"at":{value(utc_iso(self.at))},"case":'
        middle = f'","reason":{value(self.reason)},"remote_addr":{value(self.remote_addr)},"seq":'
        tail = f',"user":{int(self.user_id)},"via":{value(self.via)}}}'
        return head, middle, tail

    def insert(self, rows: list[str]) -> tuple[str, list]:
        """INSERT ... SELECT from the VALUES rows (columns column1..column4 on SQLite)."""
        ops = connection.ops
        sql = (f"INSERT INTO {_quote(_LOG)} ({', '.join(map(_quote, _COLUMNS))}) "
               f"SELECT column1, %s, %s, %s, %s, %s, %s, column2, column3, column4 "
               f"FROM (VALUES {', '.join(rows)}) AS v")
        return sql, [self.user_id, ops.adapt_datetimefield_value(self.at), self.via, self.action,
                     ops.adapt_ipaddressfield_value(self.remote_addr), self.reason]


def _append_locked(entry: _Entry, case_ids: list[int]) -> int:
    """Lock the state row, INSERT the entries, update the state: three statements in one transaction."""
    # No savepoint: a failed append must abort the caller's whole transaction.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        size, prev = _lock_state(cursor)
        rows, tip_hash = entry.chain(case_ids, size, prev)
        cursor.execute(*entry.insert(rows))
        cursor.execute(f"UPDATE {_quote(_STATE)} SET size = %s, tip = %s WHERE id = 1",
                       [size + len(case_ids), tip_hash])
    return size + len(case_ids)


def _append_in_database(entry: _Entry, case_ids: list[int]) -> int:
    """PostgreSQL: lock the state, hash and insert in one statement, catalogue_access_append
    (catalogue/migrations/0014_access_append_function.py, which says why).

    In autocommit (the API's reads) it is its own transaction; inside the caller's
    transaction the state row stays locked until that commits, as the locked path's does.
    """
    head, middle, tail = entry.pieces()
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT catalogue_access_append(%s::bigint[], %s, %s, %s, %s, %s::inet, %s, %s, %s, %s)",
            [case_ids, entry.user_id, ops.adapt_datetimefield_value(entry.at), entry.via, entry.action,
             entry.remote_addr, entry.reason, head, middle, tail],
        )
        return int(cursor.fetchone()[0])


def tip() -> tuple[int, str]:
    """(entries in the log, the last entry's hash); (0, 64 zeros) when empty."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT size, tip FROM {_quote(_STATE)} WHERE id = 1")
        row = cursor.fetchone()
    return (int(row[0]), row[1]) if row else (0, GENESIS_HASH)


def entry_hash_at(seq: int) -> str | None:
    return AccessLog.objects.filter(seq=seq).values_list("entry_hash", flat=True).first()


_FIELDS = ("seq", "case_id", "user_id", "at", "via", "action", "remote_addr", "reason", "prev_hash", "entry_hash")


def _rows(upto: int) -> Iterable[tuple]:
    """Rows with seq <= upto in seq order, one bounded range of seq per query: a range (not a
    LIMIT) keeps each query small whatever plan stale statistics lead PostgreSQL to."""
    for start in range(0, upto, _CHUNK):
        yield from (
            AccessLog.objects.filter(seq__gt=start, seq__lte=min(start + _CHUNK, upto))
            .order_by("seq").values_list(*_FIELDS)
        )


def _missing(first: int, last: int) -> str:
    return f"access-log entry {first} is missing" if first == last else f"access-log entries {first} to {last} are missing"


def verify(*, progress: Callable[[int, int], None] | None = None) -> list[str]:
    """Every fault in the stored chain, in words naming the entry's seq; [] if it is intact.

    O(n) in one pass, a chunk of rows at a time. The state is read first and
    the rows up to its size checked, so appends made meanwhile are not faults.
    `progress(done, total)` is called after each chunk.
    """
    size, tip_hash = tip()
    faults: list[str] = []
    expected, prev, done = 1, GENESIS_HASH, 0
    for seq, case_id, user_id, at, via, action, remote_addr, reason, prev_hash, stored_hash in _rows(size):
        if seq != expected:
            faults.append(f"{_missing(expected, seq - 1)}: entry {seq} follows entry {expected - 1}")
        elif prev_hash != prev:
            faults.append(f"access-log entry {seq}: prev_hash does not match the hash of entry {seq - 1}")
        body = entry_body(seq=seq, case_id=case_id, user_id=user_id, at=at, via=via, action=action,
                          remote_addr=remote_addr, reason=reason, prev_hash=prev_hash)
        if entry_hash(body) != stored_hash:
            faults.append(f"access-log entry {seq}: its fields no longer give its entry_hash (the entry was edited)")
        expected, prev, done = seq + 1, stored_hash, done + 1
        if progress is not None and done % _CHUNK == 0:
            progress(done, size)
    if progress is not None:
        progress(done, size)
    last = expected - 1
    if last < size:
        faults.append(f"{_missing(last + 1, size)}: the state records {size} entries")
    elif size and prev != tip_hash:
        faults.append(f"access-log entry {size}: its entry_hash is not the tip the state records")
    # The newest seq is read before the state again: a row committed before that
    # read was committed with its state, so a newer state can only be larger.
    newest = AccessLog.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    now_size, _ = tip()
    if newest > now_size:
        faults.append(f"access-log entry {newest}: beyond the {now_size} entries the state records")
    return faults
