"""An item's custody log as a timeline a person reads: the action in words, who, when
(with its UTC offset, or "time unknown" where nobody said), the details that matter,
and every entry's hashes in full."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evidence.custody import PIPELINE_AGENT
from evidence.models import CustodyEvent

Action = CustodyEvent.Action

ACTION_WORDS = {
    Action.CAPTURE: _("Captured"),
    Action.TRANSFER: _("Fetched from its source"),
    Action.ACCESSION: _("Received into the archive"),
    Action.INGESTION: _("Ingested"),
    Action.MESSAGE_DIGEST_CALCULATION: _("Digests calculated"),
    Action.FIXITY_CHECK: _("Fixity checked"),
    Action.FORMAT_IDENTIFICATION: _("Format identified"),
    Action.METADATA_EXTRACTION: _("Metadata extracted"),
    Action.METADATA_MODIFICATION: _("Description changed"),
    Action.VALIDATION: _("Verification recorded"),
    Action.REPLICATION: _("Replicated"),
    Action.INDEXING: _("Indexed for search"),
    Action.DISSEMINATION: _("Viewed or copied out"),
    Action.PACKING: _("Packed for export"),
    Action.QUARANTINE: _("Quarantined"),
    Action.DEACCESSION: _("Withdrawn"),
    Action.DERIVATION: _("Derivative recorded"),
}

VIEW_WORDS = {
    "download": _("downloaded"),
    "inline": _("shown in the browser (viewer or player)"),
    "preview": _("preview shown"),
}

# What to show first for each action; the whole details are one click away.
KEY_DETAILS = {
    Action.CAPTURE: ["captured_by", "capture_place", "captured_at", "precision"],
    Action.TRANSFER: ["url", "final_url", "status", "bytes", "error"],
    Action.ACCESSION: ["via", "original_filename", "received_bytes", "declared_sha256", "source_url", "held_by"],
    Action.INGESTION: ["sealed", "content", "same_content_as", "retry", "previous_error", "error", "attempt"],
    Action.MESSAGE_DIGEST_CALCULATION: ["sha256", "size"],
    Action.FIXITY_CHECK: ["check", "expected_sha256", "computed_sha256", "declared_sha256", "problem", "tampering"],
    Action.FORMAT_IDENTIFICATION: ["media_type", "description", "extension_mismatch"],
    Action.METADATA_EXTRACTION: ["extractor", "parsed", "error", "text_chars"],
    Action.METADATA_MODIFICATION: ["changes", "fields", "reason"],
    Action.VALIDATION: ["kind", "summary", "signoff"],
    Action.INDEXING: ["case", "text_chars"],
    Action.DISSEMINATION: ["view", "via", "bytes", "range", "remote_addr", "recipient", "purpose"],
    Action.PACKING: ["recipient", "purpose", "package_sha256"],
    Action.QUARANTINE: ["reason"],
    Action.DEACCESSION: ["reason"],
    Action.DERIVATION: ["preview", "relation", "note", "sha256", "method", "error"],
}
_MORE = 6


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    action: str
    action_words: str
    outcome: str
    failed: bool
    actor: str
    occurred: str
    recorded: str
    key_details: list[tuple[str, str]]
    details_json: str
    prev_hash: str
    entry_hash: str
    log_index: int


def time_text(value: datetime | None) -> str:
    """A time in the site's zone with its UTC offset (2026-03-30 08:15:00 UTC+03:00), or 'time unknown'."""
    if value is None:
        return str(_("time unknown"))
    local = timezone.localtime(value)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} UTC{offset[:3]}:{offset[3:]}"


def actor_text(actor: str) -> str:
    kind, _sep, name = actor.partition(":")
    if kind == "user":
        return name
    if actor == PIPELINE_AGENT:
        return str(_("the ingest pipeline (%(agent)s)") % {"agent": name})
    if kind == "agent":
        return str(_("system agent %(agent)s") % {"agent": name})
    return actor


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(v) for v in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "—" if value is None or value == "" else str(value)


def key_details(event: CustodyEvent) -> list[tuple[str, str]]:
    details = event.details or {}
    keys = [k for k in KEY_DETAILS.get(event.action, []) if k in details and details[k] not in ("", None, [], {})]
    if not keys:
        keys = [k for k, v in sorted(details.items()) if not isinstance(v, (dict, list)) and v not in ("", None)][:_MORE]
    rows = []
    for key in keys:
        value = details[key]
        if event.action == Action.DISSEMINATION and key == "view":
            value = VIEW_WORDS.get(value, value)
        rows.append((key.replace("_", " "), _value(value)))
    return rows


def action_words(event: CustodyEvent) -> str:
    if event.action == Action.DERIVATION and (event.details or {}).get("preview"):
        return str(_("Preview made (a display copy, not the exhibit)") if event.outcome == CustodyEvent.Outcome.SUCCESS
                   else _("Preview attempted"))
    return str(ACTION_WORDS.get(event.action, event.action))


def timeline(events) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            seq=e.seq, action=e.action, action_words=action_words(e),
            outcome=e.get_outcome_display(), failed=e.outcome == CustodyEvent.Outcome.FAILURE,
            actor=actor_text(e.actor), occurred=time_text(e.occurred_at), recorded=time_text(e.recorded_at),
            key_details=key_details(e),
            details_json=json.dumps(e.details, indent=2, ensure_ascii=False, sort_keys=True),
            prev_hash=e.prev_hash, entry_hash=e.entry_hash, log_index=e.log_index,
        )
        for e in events
    ]
