"""The custody append on PostgreSQL: one call of `evidence_custody_append` (migration 0020).

What the portable path in evidence/custody.py does in five statements (BEGIN,
lock the item, read the chain's last entry, INSERT, COMMIT), this does in one:
the function locks, reads and inserts where the data is and computes each
entry_hash there, over canonical-JSON bytes prepared here. Outside a
transaction the call autocommits; inside one it joins it.

Canonical JSON sorts the keys: action, actor, details, item, occurred_at,
outcome, prev_hash, recorded_at, seq. The function knows the previous hash,
the seq and the recording time (read under the item's lock), so for each entry
this sends the bytes before occurred_at's value, that value (or nothing, for
"when it was recorded"), and the bytes after it up to prev_hash's opening
quote; the function splices in the rest.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.db import DatabaseError, connection, transaction

from evidence.custody import utc_iso
from evidence.models import CustodyEvent, EvidenceItem

SQL = ("SELECT id, seq, recorded_at, prev_hash, entry_hash "
       "FROM evidence_custody_append(%s::uuid, %s::text, %s::bigint, %s::jsonb)")
NO_ITEM = "P0002"  # the function's no_data_found: there is no such item


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def takes(occurred_at: datetime | None) -> bool:
    """Whether the function stores this occurred_at exactly as the portable path would.

    It sends the time as the text that is hashed (evidence.custody.utc_iso). A
    naive datetime is hashed by the portable path in the host's zone and stored
    by Django in settings.TIME_ZONE, and a year before 1000 is not written with
    four digits: such callers keep that path.
    """
    if occurred_at is None:
        return True
    return (isinstance(occurred_at, datetime) and occurred_at.tzinfo is not None
            and occurred_at.astimezone(UTC).year >= 1000)


def append(*, item_id, actor: str, actor_user, entries: list[dict[str, Any]]) -> list[CustodyEvent]:
    """Append ``entries`` to the item's chain; returns them as saved instances.

    Each entry holds action, outcome, details (already normalised as the JSON
    column returns it, and its canonical form as ``canonical_details``),
    occurred_at (an aware datetime, None for unknown) and ``occurred_now``
    (True: it happened when it was recorded).
    """
    item = str(item_id)
    head = f'"item":{_json(item)},"occurred_at":'
    sent = []
    for entry in entries:
        one = {
            "action": entry["action"], "outcome": entry["outcome"], "details": entry["details"],
            "before": f'{{"action":{_json(entry["action"])},"actor":{_json(actor)},'
                      f'"details":{entry["canonical_details"]},{head}',
            "after": f',"outcome":{_json(entry["outcome"])},"prev_hash":"',
        }
        if not entry["occurred_now"]:
            when = None if entry["occurred_at"] is None else utc_iso(entry["occurred_at"])
            one["occurred_at"] = when
            one["occurred"] = _json(when)
        sent.append(one)
    params = [item, actor, actor_user.pk if actor_user is not None else None, json.dumps(sent)]
    try:
        if connection.in_atomic_block:
            # Joins the caller's transaction. The block costs no statement; it makes a
            # failure here doom that transaction, as the portable path's does (a caught
            # database error would otherwise let the caller's COMMIT quietly roll back).
            with transaction.atomic(savepoint=False), connection.cursor() as cursor:
                cursor.execute(SQL, params)
                returned = cursor.fetchall()
        else:
            with connection.cursor() as cursor:
                cursor.execute(SQL, params)
                returned = cursor.fetchall()
    except DatabaseError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == NO_ITEM:
            raise EvidenceItem.DoesNotExist(f"There is no evidence item {item}.") from exc
        raise
    alias = connection.alias
    attnames = [field.attname for field in CustodyEvent._meta.concrete_fields]
    events = []
    for (pk, seq, recorded_at, prev_hash, digest), entry in zip(returned, entries, strict=True):
        row = {
            "id": pk, "item_id": item_id, "seq": seq, "action": entry["action"], "outcome": entry["outcome"],
            "actor": actor, "actor_user_id": actor_user.pk if actor_user is not None else None,
            "occurred_at": recorded_at if entry["occurred_now"] else entry["occurred_at"],
            "recorded_at": recorded_at, "details": entry["details"], "prev_hash": prev_hash, "entry_hash": digest,
            "log_index": None,
        }
        # As a queryset builds a row it read (a field added to the model must be added here).
        event = CustodyEvent.from_db(alias, attnames, [row[name] for name in attnames])
        if actor_user is not None:
            event.actor_user = actor_user
        events.append(event)
    return events
