"""The resumable-upload protocol over HTTP, shared by its two doors: the admin's
drop zone (session, second factor, CSRF token) and the REST API (a token).

    POST   <base>/            {"case", "filename", "size", "relative_path"?, "kind"?}
                              → 201, Location: <base>/<id>/, the upload's status
    HEAD   <base>/<id>/       → 200, Upload-Offset and Upload-Length (what the server holds)
    GET    <base>/<id>/       → 200, the status, with the item once filed (its state,
                                SHA-256 and any item already holding the same bytes)
    PATCH  <base>/<id>/       Upload-Offset: n, Content-Type: application/offset+octet-stream
                              → 200, the status with the new Upload-Offset
    DELETE <base>/<id>/       → 204, the pieces removed; it never becomes an item

Errors are JSON {"detail", "code"} with 400, 403, 404 (not yours, or none), 409
(the offset is not the server's: the answer's Upload-Offset says where to go on),
410 (expired or cancelled), 413 and 415. The writes are evidence/resumable.py.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from catalogue.models import Case
from evidence import resumable
from evidence.models import EvidenceItem, ResumableUpload
from evidence.selectors import item_rows_holding

PIECE_TYPE = "application/offset+octet-stream"
# Files already filed: their pipeline has nothing more to do.
SETTLED = {EvidenceItem.State.SEALED, EvidenceItem.State.FAILED, EvidenceItem.State.QUARANTINED,
           EvidenceItem.State.REFERENCE}


class Door:
    """How one door names things: the case a client gives, and the addresses it is given back."""

    via = "service"

    def find_case(self, request: HttpRequest, given) -> Case | None:
        raise NotImplementedError

    def upload_url(self, upload: ResumableUpload) -> str:
        raise NotImplementedError

    def item_url(self, item_id) -> str:
        raise NotImplementedError


def error(status: int, code: str, message: str, upload: ResumableUpload | None = None) -> JsonResponse:
    response = JsonResponse({"detail": message, "code": code}, status=status)
    if upload is not None:
        response["Upload-Offset"] = str(upload.offset)
        response["Upload-Length"] = str(upload.size)
    response["Cache-Control"] = "no-store"
    return response


def status_of(door: Door, request: HttpRequest, upload: ResumableUpload) -> dict:
    item = None
    if upload.item_id is not None:
        found = upload.item
        duplicates = []
        if found.sha256:
            duplicates = [{"exhibit": row["exhibit"], "url": door.item_url(row["id"])}
                          for row in item_rows_holding(request.user, found.sha256) if row["id"] != found.pk]
        item = {
            "id": str(found.pk), "exhibit": found.exhibit, "state": found.state,
            "state_display": found.get_state_display(), "settled": found.state in SETTLED,
            "error": found.error, "sha256": found.sha256, "url": door.item_url(found.pk), "duplicates": duplicates,
        }
    expires = upload.touched_at + timedelta(hours=settings.EVIDENCE_UPLOAD_EXPIRY_HOURS)
    return {
        "id": str(upload.pk), "url": door.upload_url(upload), "case": upload.case.reference,
        "filename": upload.filename, "relative_path": upload.relative_path, "kind": upload.kind,
        "size": upload.size, "offset": upload.offset, "state": upload.state,
        "chunk_size": settings.EVIDENCE_UPLOAD_CHUNK_SIZE,
        "expires_at": expires.isoformat() if upload.state == ResumableUpload.State.OPEN else None,
        "item": item,
    }


def respond(door: Door, request: HttpRequest, upload: ResumableUpload, status: int = 200) -> JsonResponse:
    response = JsonResponse(status_of(door, request, upload), status=status)
    response["Upload-Offset"] = str(upload.offset)
    response["Upload-Length"] = str(upload.size)
    response["Cache-Control"] = "no-store"
    return response


def create(door: Door, request: HttpRequest) -> HttpResponse:
    try:
        given = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return error(400, "parse_error", _("The body must be a JSON object."))
    if not isinstance(given, dict):
        return error(400, "parse_error", _("The body must be a JSON object."))
    case = door.find_case(request, given.get("case"))
    if case is None:
        return error(404, "not_found", _("No such case, or not one you may see."))
    try:
        upload = resumable.upload_create(
            actor=request.user, case=case, filename=str(given.get("filename") or ""),
            size=given.get("size"), relative_path=str(given.get("relative_path") or ""),
            kind=str(given.get("kind") or ""),
        )
    except (ValidationError, PermissionDenied) as exc:
        return error(*resumable.refusal(exc))
    response = respond(door, request, upload, status=201)
    response["Location"] = door.upload_url(upload)
    return response


def one(door: Door, request: HttpRequest, upload_id) -> HttpResponse:
    """HEAD, GET, PATCH or DELETE on one upload."""
    try:
        upload = resumable.upload_for(actor=request.user, upload_id=upload_id)
        if request.method in {"GET", "HEAD"}:
            response = respond(door, request, upload)
            if request.method == "HEAD":
                response.content = b""
            return response
        if request.method == "DELETE":
            resumable.upload_cancel(actor=request.user, upload=upload)
            return HttpResponse(status=204)
        if request.method == "PATCH":
            return _append(door, request, upload)
    except resumable.UploadError as exc:
        return error(exc.status, exc.code, str(exc), exc.upload)
    except (ValidationError, PermissionDenied) as exc:
        return error(*resumable.refusal(exc), upload)
    response = error(405, "method_not_allowed", _("Use HEAD, GET, PATCH or DELETE."))
    response["Allow"] = "HEAD, GET, PATCH, DELETE"
    return response


def _append(door: Door, request: HttpRequest, upload: ResumableUpload) -> HttpResponse:
    offset_text = request.headers.get("Upload-Offset", "").strip()
    if not offset_text.isdigit():
        return error(400, "invalid", _("Say where this piece goes: an Upload-Offset header, in bytes."), upload)
    # WSGI: an absent or empty CONTENT_LENGTH is a request without a body.
    length_text = (request.META.get("CONTENT_LENGTH") or "0").strip()
    if not length_text.isdigit():
        return error(400, "invalid", _("The Content-Length header is not a number of bytes."), upload)
    offset, length = int(offset_text), int(length_text)
    if length and request.content_type != PIECE_TYPE:  # an empty piece (retrying the filing) has no type
        return error(415, "unsupported_media_type",
                     _("Send a piece as %(type)s.") % {"type": PIECE_TYPE}, upload)
    upload = resumable.upload_append(actor=request.user, upload=upload, offset=offset, body=request,
                                     length=length, via=door.via)
    return respond(door, request, upload)


def answer(door: Door, request: HttpRequest, upload_id=None) -> HttpResponse:
    """The one entry point a door routes to: the collection, or one upload."""
    if upload_id is None:
        if request.method != "POST":
            response = error(405, "method_not_allowed", _("Use POST to begin an upload."))
            response["Allow"] = "POST"
            return response
        return create(door, request)
    return one(door, request, upload_id)

