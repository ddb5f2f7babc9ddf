"""The item page's exhibit panel and custody timeline: the admin mixin that serves them.

The change form template (admin/evidence/evidenceitem/change_form.html) puts
the panel above the fields and the timeline below them, each in a block of
its own, so other panels (a map) can be added beside them.
"""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.urls import path, reverse

from evidence import admin_views, chain_status, metadata_display, previews
from evidence.custody_timeline import timeline
from evidence.dissemination import NotServed, refuse_unless_servable
from evidence.models import CustodyEvent, EvidenceItem


def viewer_kind(item: EvidenceItem) -> str:
    """How the page shows the item: image (its thumbnail), pdf, audio, video, or none (download only)."""
    media_type = item.media_type or ""
    if media_type.startswith("image/"):
        return "image"
    if media_type == "application/pdf":
        return "pdf"
    if media_type.startswith("audio/"):
        return "audio"
    if media_type.startswith("video/"):
        return "video"
    return "none"


def exhibit_context(request, item: EvidenceItem) -> dict:
    events = list(CustodyEvent.objects.filter(item_id=item.pk).order_by("seq"))
    refusal = ""
    held = item.state in (EvidenceItem.State.SEALED, EvidenceItem.State.QUARANTINED) and bool(item.sha256)
    if held:
        try:
            refuse_unless_servable(item, rehash=False)
        except NotServed as exc:
            refusal = " ".join([exc.message, *exc.problems])
    thumbnail = None
    if viewer_kind(item) == "image":
        thumbnail = next((e for e in reversed(events) if e.action == CustodyEvent.Action.DERIVATION
                          and (e.details or {}).get("preview") == previews.THUMBNAIL), None)
    urls = {name: reverse(f"admin:evidence_evidenceitem_{name}", args=[item.pk])
            for name in ("download", "inline", "thumbnail", "verify")}
    return {
        "exhibit": {
            "held": held, "servable": held and not refusal, "refusal": refusal, "kind": viewer_kind(item),
            "thumbnail_entry": thumbnail, "urls": urls, "metadata": metadata_display.sections(item.metadata),
            "media_type": item.media_type,
        },
        "custody_timeline": timeline(events),
        "chain_status": chain_status.item_chain_status(item, events),
        "can_verify": admin_views.can_verify(request.user),
    }


class ExhibitAdminMixin:
    """Adds the exhibit's views (download, inline, thumbnail, verify) and the page's context."""

    change_form_template = "admin/evidence/evidenceitem/change_form.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view

        def door(view):
            return wrap(lambda request, object_id: view(self, request, object_id))

        return [
            path("<path:object_id>/download/", door(admin_views.download), name="evidence_evidenceitem_download"),
            path("<path:object_id>/inline/", door(admin_views.inline), name="evidence_evidenceitem_inline"),
            path("<path:object_id>/thumbnail/", door(admin_views.thumbnail), name="evidence_evidenceitem_thumbnail"),
            path("<path:object_id>/verify/", door(admin_views.verify), name="evidence_evidenceitem_verify"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = dict(extra_context or {})
        item = self.get_object(request, unquote(object_id))
        if item is not None:
            extra.update(exhibit_context(request, item))
        return super().change_view(request, object_id, form_url, extra)
