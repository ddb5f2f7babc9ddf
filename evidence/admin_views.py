"""The admin's doors onto an item's bytes, and its "Verify now".

Each finds the item through the same visibility rule as the API (an item you
may not see is a 404), refuses bytes the custody chain does not prove
(evidence/dissemination.py), and records a dissemination entry before the
first byte leaves:
- download: every request is recorded, and the stored bytes are re-hashed
  against the proven digest first;
- inline (the PDF viewer, the audio and video players) and preview (an image's
  thumbnail): one entry per person, item and kind of view within
  EVIDENCE_VIEW_RECORD_WINDOW_SECONDS, since a player asks for many byte
  ranges while one person listens once; the bytes are re-hashed when an entry
  is written.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from catalogue.api.views import remote_addr
from catalogue.roles import LEGAL, REVIEWER, user_has_role
from evidence import content_store, previews, storage
from evidence.api.content import Unsatisfiable, content_response, download_name, parse_range
from evidence.api.verification import verify_item, verify_wait
from evidence.dissemination import NotServed, recently_recorded, record_dissemination, refuse_unless_servable
from evidence.models import EvidenceItem
from evidence.selectors import items_visible_to

# Shown in the browser itself: only what a browser plays or renders without running our
# origin's script (never HTML or SVG, which could). Anything else is downloaded.
INLINE_TYPES = ("application/pdf",)
INLINE_PREFIXES = ("audio/", "video/")


def shows_inline(item: EvidenceItem) -> bool:
    return item.media_type in INLINE_TYPES or item.media_type.startswith(INLINE_PREFIXES)


def can_verify(user) -> bool:
    """Reviewers and legal staff (and superusers): "Verify now" on the item page."""
    return user.is_superuser or user_has_role(user, REVIEWER) or user_has_role(user, LEGAL)


def visible_item(model_admin, request, object_id: str) -> EvidenceItem:
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    try:
        pk = uuid.UUID(str(object_id))
    except ValueError:
        raise Http404(_("No evidence item with this id, or not one you may see.")) from None
    item = items_visible_to(request.user).filter(pk=pk).select_related("case").first()
    if item is None:
        raise Http404(_("No evidence item with this id, or not one you may see."))
    return item


def client_facts(request, view: str) -> dict[str, Any]:
    return {"via": "admin", "view": view, "remote_addr": remote_addr(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300]}


def _refused(exc: NotServed) -> HttpResponse:
    text = "\n".join([exc.message, *exc.problems])
    return HttpResponse(text, status=exc.status, content_type="text/plain; charset=utf-8")


def _stream(request, item: EvidenceItem, *, view: str, window: int):
    range_header = request.META.get("HTTP_RANGE")
    try:
        span = parse_range(range_header, item.size or 0)
    except Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{item.size}"
        return response
    if request.method == "HEAD":
        return content_response(item, None, span)
    first, last = span if span is not None else (0, (item.size or 0) - 1)
    recorded = window and recently_recorded(item=item, user=request.user, view=view, seconds=window)
    # Re-hashed when an entry is written (every download; the first view in a window).
    refuse_unless_servable(item, rehash=not recorded, user=request.user)
    try:
        stream = storage.open_content(item.sha256)
    except OSError:
        raise NotServed(_("The stored content cannot be read just now; try again later."), status=503) from None
    try:
        record_dissemination(item=item, user=request.user, repeat_window_seconds=window, details={
            **client_facts(request, view), "range": range_header or None,
            "first_byte": first, "last_byte": last, "bytes": last - first + 1,
        })
    except BaseException:
        stream.close()
        raise
    return content_response(item, stream, span)


def download(model_admin, request, object_id: str):
    item = visible_item(model_admin, request, object_id)
    change_url = reverse("admin:evidence_evidenceitem_change", args=[item.pk])
    try:
        return _stream(request, item, view="download", window=0)
    except NotServed as exc:
        messages.error(request, " ".join([exc.message, *exc.problems]))
        return HttpResponseRedirect(change_url)


def inline(model_admin, request, object_id: str):
    item = visible_item(model_admin, request, object_id)
    if not shows_inline(item):
        raise Http404(_("This kind of file is not shown in the browser; download it instead."))
    try:
        response = _stream(request, item, view="inline", window=settings.EVIDENCE_VIEW_RECORD_WINDOW_SECONDS)
    except NotServed as exc:
        return _refused(exc)
    response["Content-Disposition"] = content_disposition_header(False, download_name(item))
    # Framed by the item page only (the PDF viewer): our own origin, nobody else's.
    response["X-Frame-Options"] = "SAMEORIGIN"
    response._csp_replace = {"frame-ancestors": ["'self'"]}
    return response


def thumbnail(model_admin, request, object_id: str):
    item = visible_item(model_admin, request, object_id)
    try:
        refuse_unless_servable(item, rehash=False)
    except NotServed as exc:
        return _refused(exc)
    made = previews.thumbnail_object(item)
    if made is None:
        raise Http404(_("No preview has been made for this item."))
    sha256, size = made
    try:
        content_store.verify_object(storage.content_name(sha256), sha256, size)
    except (content_store.StoredObjectMismatch, FileNotFoundError):
        return _refused(NotServed(_("The preview's stored bytes do not match its custody record; it is not shown. "
                                    "The exhibit itself is not affected: re-make the preview.")))
    record_dissemination(item=item, user=request.user,
                         repeat_window_seconds=settings.EVIDENCE_VIEW_RECORD_WINDOW_SECONDS,
                         details={**client_facts(request, "preview"), "preview": previews.THUMBNAIL,
                                  "preview_sha256": sha256})
    with storage.open_content(sha256) as handle:
        data = handle.read()
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def verify(model_admin, request, object_id: str):
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    item = visible_item(model_admin, request, object_id)
    if not can_verify(request.user):
        raise PermissionDenied(_("Only reviewers and legal staff can verify an item from this page."))
    change_url = reverse("admin:evidence_evidenceitem_change", args=[item.pk])
    # The API's per-item budget: one counter, whichever door is used.
    wait = verify_wait(item)
    if wait is not None:
        messages.warning(request, _(
            "%(exhibit)s has been verified %(limit)d times in this minute; each check is recorded in its custody "
            "log. Try again in %(wait)d s.") % {"exhibit": item.exhibit,
                                                "limit": settings.EVIDENCE_VERIFY_PER_ITEM_PER_MINUTE, "wait": wait})
        return HttpResponseRedirect(change_url)
    report = verify_item(item=item, user=request.user, details=client_facts(request, "verify"))
    lines = _report_lines(report)
    if report["ok"]:
        messages.success(request, _("%(exhibit)s verified: %(lines)s") % {"exhibit": item.exhibit,
                                                                          "lines": "; ".join(lines)})
    else:
        messages.error(request, _("%(exhibit)s failed verification: %(lines)s") % {"exhibit": item.exhibit,
                                                                                   "lines": "; ".join(lines)})
    return HttpResponseRedirect(change_url)


def _report_lines(report: dict[str, Any]) -> list[str]:
    chain, fixity, log, head = report["chain"], report["fixity"], report["log"], report["signed_head"]
    lines = [
        _("custody chain intact (%(n)d entries)") % {"n": chain["length"]} if chain["ok"]
        else _("custody chain broken at entry %(seq)s: %(problem)s") % {"seq": chain["broken_seq"],
                                                                         "problem": chain["problem"]},
    ]
    if fixity.get("checked"):
        lines.append(_("stored bytes match the digest proven at sealing (recorded as entry %(seq)s)")
                     % {"seq": fixity["event_seq"]} if fixity["ok"]
                     else _("stored bytes: %(problem)s") % {"problem": fixity["problem"]})
    else:
        lines.append(str(fixity.get("problem") or _("no stored bytes to check")))
    lines.append(_("every entry in the global log (%(n)d checked)") % {"n": log["checked"]} if log["ok"]
                 else _("global log: %(problem)s") % {"problem": "; ".join(p["problem"] for p in log["problems"])})
    if not head["ok"]:
        lines.append(_("signed tree head: %(problem)s") % {"problem": head["problem"]})
    elif head.get("entries_pending"):
        lines.append(_("%(n)d entries wait for the next signed tree head") % {"n": head["entries_pending"]})
    else:
        lines.append(_("every entry proven under the latest signed tree head"))
    return [str(line) for line in lines]
