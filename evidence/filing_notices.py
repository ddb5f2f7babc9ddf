"""What the admin tells a person who has just filed an item: the truth about it.

A quarantined or failed item is a warning, never a green "added successfully", and a file
already held is pointed out with a link to the item that holds it (filing it again is still
allowed: evidence is never refused for being a copy, but the person should know).

The notices are written once the filing has committed and, where tasks run in-process, once
the pipeline has run: an on_commit callback queued after the pipeline's own.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from evidence.models import EvidenceItem
from evidence.selectors import items_visible_to

State = EvidenceItem.State
PENDING = "_filing_success_pending"


def hold_success_message(request) -> None:
    """The add page's own "added successfully" waits for the notice (see ModelAdmin.message_user)."""
    setattr(request, PENDING, [])


def held_success(request, message, level) -> bool:
    """Keep the add page's success message back; True if it was kept."""
    pending = getattr(request, PENDING, None)
    if pending is None or level != messages.SUCCESS:
        return False
    pending.append(message)
    return True


def after_filing(request, item: EvidenceItem) -> None:
    """Tell the person what became of `item`, once the filing (and an in-process pipeline) has run."""
    declared = item.declared_sha256
    transaction.on_commit(lambda: _notify(request, item.pk, declared))


def _link(item) -> str:
    return format_html('<a href="{}">{}</a>', reverse("admin:evidence_evidenceitem_change", args=[item.pk]),
                       item.exhibit)


def _same_bytes(request, item: EvidenceItem, declared: str) -> list[EvidenceItem]:
    digests = [d for d in {item.sha256, declared} if d]
    if not digests:
        return []
    return list(items_visible_to(request.user).filter(Q(sha256__in=digests) | Q(declared_sha256__in=digests))
                .exclude(pk=item.pk).only("pk", "exhibit").order_by("created_at")[:10])


def _notify(request, item_id, declared: str) -> None:
    item = EvidenceItem.objects.filter(pk=item_id).first()
    pending = getattr(request, PENDING, None) or []
    if item is None:
        return
    if item.state == State.QUARANTINED:
        messages.warning(request, format_html(
            _("{} was filed but is quarantined: {} The file is kept exactly as received; its custody log "
              "records both digests."), _link(item), item.error or _("its digests do not match.")))
    elif item.state == State.FAILED:
        messages.warning(request, format_html(
            _("{} was filed but its ingest failed: {} Once the cause is fixed, retry it from the evidence "
              "list (action “Retry failed items”)."), _link(item), item.error))
    else:
        for message in pending:
            messages.success(request, message)
        if item.state in (State.RECEIVED, State.PROCESSING):
            messages.info(request, format_html(
                _("{} is being sealed: its digests are computed and checked by the pipeline; its page shows "
                  "the outcome."), _link(item)))
    same = _same_bytes(request, item, declared)
    if same:
        digest = item.sha256 or declared
        messages.warning(request, format_html(
            _("{} is the same file (SHA-256 {}…) as {} already held. It was filed all the same: evidence is "
              "never refused for being a copy; link or withdraw it if it was filed by mistake."),
            _link(item), digest[:12], format_html_join(", ", "{}", ((_link(other),) for other in same))))
