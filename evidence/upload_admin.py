"""The admin's drop zone: many files, or a folder, into one case, each filed as an item.

A page per case (/admin/evidence/evidenceitem/upload/?case=<id>), linked from
the case page and the item list, and the resumable-upload protocol behind it
(evidence/upload_protocol.py) under /admin/evidence/evidenceitem/upload/files/.
The browser's script (evidence/static/evidence/upload.js) sends each file in
pieces and, after a dropped connection or a reload, asks the server how much
it holds and goes on from there. The page's words come from the template, so
they are translated with the rest of the admin.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from catalogue.models import Case
from catalogue.selectors import cases_visible_to
from evidence import upload_protocol
from evidence.models import EvidenceItem

CASE_CHOICES = 200  # the chooser lists this many of the newest visible cases


class AdminDoor(upload_protocol.Door):
    via = "admin"

    def find_case(self, request, given) -> Case | None:
        if not str(given or "").isdigit():
            return None
        return cases_visible_to(request.user).filter(pk=int(given)).first()

    def upload_url(self, upload) -> str:
        return reverse("admin:evidence_upload_file", args=[upload.pk])

    def item_url(self, item_id) -> str:
        return reverse("admin:evidence_evidenceitem_change", args=[item_id])


DOOR = AdminDoor()


class UploadAdminMixin:
    """Adds the drop zone's page and protocol to the EvidenceItem admin."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        own = [
            path("upload/", wrap(self.upload_view), name="evidence_evidenceitem_upload"),
            path("upload/files/", wrap(self.upload_files_view), name="evidence_upload_files"),
            path("upload/files/<uuid:upload_id>/", wrap(self.upload_files_view), name="evidence_upload_file"),
        ]
        return own + super().get_urls()

    def _require_filer(self, request) -> None:
        from evidence.admin import can_file  # noqa: PLC0415 - evidence.admin imports this module

        if not can_file(request.user):
            raise PermissionDenied(_("Only investigators can file evidence."))

    def upload_files_view(self, request, upload_id=None):
        from evidence.admin import can_file  # noqa: PLC0415 - evidence.admin imports this module

        if not can_file(request.user):
            return upload_protocol.error(403, "permission_denied", _("Only investigators can file evidence."))
        return upload_protocol.answer(DOOR, request, upload_id)

    def upload_view(self, request):
        self._require_filer(request)
        visible = cases_visible_to(request.user)
        given = request.GET.get("case", "")
        case = visible.filter(pk=int(given)).first() if given.isdigit() else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Upload files into %(case)s") % {"case": case.reference} if case else _("Upload files"),
            "case": case,
            "case_unknown": bool(given) and case is None,
            "cases": [] if case else visible.only("id", "reference", "title").order_by("-id")[:CASE_CHOICES],
            "create_url": reverse("admin:evidence_upload_files"),
            "chunk_size": settings.EVIDENCE_UPLOAD_CHUNK_SIZE,
            "max_size": settings.EVIDENCE_MAX_UPLOAD_SIZE,
            "kinds": EvidenceItem.Kind.choices,
            "expiry_hours": settings.EVIDENCE_UPLOAD_EXPIRY_HOURS,
        }
        return TemplateResponse(request, "admin/evidence/evidenceitem/upload.html", context)
