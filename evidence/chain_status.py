"""One item's integrity at a glance, from the checks `manage.py verify_integrity` makes.

The chain (evidence.custody.verify_entries), the columns against the digests the
chain proved at sealing (evidence/proven.py), the stored bytes against that
digest (evidence.fixity.check_object), each entry's leaf in the global log
(evidence.api.verification.check_log), and the latest signed tree head
(evidence.signing.check_item_against_head). Nothing is recorded: this is a
reading, unlike "Verify now", which records its fixity check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from evidence import fixity, proven, signing
from evidence.api.verification import check_log
from evidence.custody import event_as_entry, verify_entries
from evidence.models import CustodyEvent, EvidenceItem

INTACT, PENDING, BROKEN = "intact", "pending", "broken"


@dataclass
class ChainStatus:
    state: str  # intact | pending | broken
    label: str
    checks: list[tuple[str, str]] = field(default_factory=list)  # (what, outcome in words)
    problems: list[str] = field(default_factory=list)


def item_chain_status(item: EvidenceItem, events: list[CustodyEvent] | None = None) -> ChainStatus:
    events = list(CustodyEvent.objects.filter(item_id=item.pk).order_by("seq")) if events is None else events
    problems: list[str] = []
    checks: list[tuple[str, str]] = []

    chain = verify_entries([event_as_entry(e) for e in events])
    if not events:
        problems.append(_("The custody log is empty."))
    elif chain.ok:
        checks.append((_("Custody chain"), _("%(n)d entries, each hash-linked to the one before") % {"n": chain.length}))
    else:
        problems.append(_("Custody chain broken at entry %(seq)s: %(problem)s")
                        % {"seq": chain.broken_seq, "problem": chain.problem})

    record = proven.from_entries(events)
    problems += proven.column_problems(item, record)
    if proven.has_sealed_bytes(item) and record is not None:
        if record.size is not None and record.size > settings.EVIDENCE_BADGE_REHASH_MAX_BYTES:
            checks.append((_("Stored bytes"), _last_fixity(events)))
        else:
            result = fixity.check_object(record.sha256, record.size)
            if result["ok"]:
                checks.append((_("Stored bytes"), _("re-hashed now: SHA-256 matches the digest proven at sealing")))
            else:
                problems.append(_("Stored bytes: %(problem)s") % {"problem": result["problem"]})
    else:
        checks.append((_("Stored bytes"), _("none held (the item is %(state)s)") % {"state": item.get_state_display()}))

    log = check_log(events)
    if log["ok"]:
        checks.append((_("Global log"), _("every entry is the leaf logged at its index, included in the log's root")))
    else:
        problems += [_("Global log, entry %(seq)s: %(problem)s") % p for p in log["problems"]]

    head = signing.check_item_against_head(item)
    problems += head["problems"]
    pending = bool(head.get("entries_pending"))
    if head["tree_size"]:
        checks.append((_("Signed tree head"), _("%(checked)d entries proven under the head signed at size %(size)d; "
                                                "%(pending)d pending")
                       % {"checked": head["entries_checked"], "size": head["tree_size"],
                          "pending": head["entries_pending"]}))
    else:
        checks.append((_("Signed tree head"), _("none signed yet: every entry is pending")))

    if problems:
        return ChainStatus(BROKEN, _("Integrity fault"), checks, problems)
    if pending:
        return ChainStatus(PENDING, _("Intact, log proof pending"), checks)
    return ChainStatus(INTACT, _("Intact"), checks)


def _last_fixity(events: list[CustodyEvent]) -> str:
    for event in reversed(events):
        if event.action == CustodyEvent.Action.FIXITY_CHECK:
            from evidence.custody_timeline import time_text

            return _("too large to re-hash on every page view; last fixity check %(when)s: %(outcome)s") % {
                "when": time_text(event.occurred_at), "outcome": event.outcome}
    return _("too large to re-hash on every page view, and never checked since sealing")
