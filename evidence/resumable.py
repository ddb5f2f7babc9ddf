"""Resumable uploads: a large file sent in pieces, filed as one item when whole.

The protocol is tus 1.0's core in spirit (https://tus.io/protocols/resumable-upload):
create an upload with its size and name, append pieces each at the offset the
server holds, ask the server its offset after a dropped connection and go on
from there. When the last byte arrives the pieces are read back in order as one
stream and filed through evidence_register, exactly as a single upload is (the
same checks, custody entries and pipeline), with the name the browser gave,
folder included.

Until then nothing is evidence: the pieces wait as storage objects under
`uploads/<id>/` (never the content store), only the person who began an
upload may continue it, and an upload left without a piece for
EVIDENCE_UPLOAD_EXPIRY_HOURS is expired and its pieces removed, so a file
that never completes makes no item. A piece is accepted whole or not at all:
the offset moves only once all its bytes are stored.
"""

from __future__ import annotations

import io
import mimetypes
import tempfile
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import partial
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.models import Case
from evidence.models import EvidenceItem, ResumableUpload
from evidence.services import UploadTooLarge, _check_can_file, evidence_register

PIECES = "uploads"
READ_BLOCK = 64 * 1024
Kind = EvidenceItem.Kind


class UploadError(Exception):
    """A refused step of the protocol; `status` is the HTTP status the doors answer with."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, upload: ResumableUpload | None = None):
        super().__init__(message)
        self.upload = upload


class UploadNotFound(UploadError):
    status, code = 404, "not_found"


class UploadGone(UploadError):
    status, code = 410, "gone"


class OffsetMismatch(UploadError):
    status, code = 409, "offset_mismatch"


class PieceTooLarge(UploadError):
    status, code = 413, "too_large"


# --- kinds ------------------------------------------------------------------------

_DOCUMENT_TYPES = {"application/pdf", "application/msword", "application/rtf", "application/vnd.oasis.opendocument.text",
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
_DATASET_TYPES = {"text/csv", "application/json", "application/vnd.ms-excel",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def kind_for(filename: str) -> str:
    """The kind a file's name suggests; a first guess the investigator may correct on the item."""
    media_type, _encoding = mimetypes.guess_type(filename, strict=False)
    media_type = media_type or ""
    major = media_type.split("/")[0]
    if major in {Kind.IMAGE, Kind.VIDEO, Kind.AUDIO}:
        return major
    if media_type in _DATASET_TYPES:
        return Kind.DATASET
    if media_type in {"text/html", "application/xhtml+xml", "message/rfc822", "multipart/related"}:
        return Kind.WEBPAGE
    if media_type in _DOCUMENT_TYPES or major == "text":
        return Kind.DOCUMENT
    return Kind.OTHER


# --- writes -----------------------------------------------------------------------


def upload_create(*, actor: AbstractBaseUser, case: Case, filename: str, size: int, relative_path: str = "",
                  kind: str = "") -> ResumableUpload:
    """Begin an upload of `size` bytes into `case`. Refused (before any byte) to anyone
    who may not file on the case, and for a size over EVIDENCE_MAX_UPLOAD_SIZE."""
    _check_can_file(actor, case)
    filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    relative_path = (relative_path or "").replace("\\", "/").strip().lstrip("/")
    errors = {}
    if not filename:
        errors["filename"] = _("Give the file's name.")
    if relative_path and relative_path.rsplit("/", 1)[-1] != filename:
        errors["relative_path"] = _("The relative path must end with the file's name.")
    if any(ord(c) < 32 or ord(c) == 127 for c in filename + relative_path):
        errors["filename"] = _("The name holds control characters; give it as the file is named.")
    if len(relative_path) > 1000:
        errors["relative_path"] = _("The relative path is longer than 1000 characters.")
    if kind and kind not in Kind.values:
        errors["kind"] = _("Not a kind of evidence: %(kind)s.") % {"kind": kind}
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        errors["size"] = _("Give the file's size in bytes, a whole number.")
    elif size == 0:
        errors["size"] = _("The file is empty (0 bytes): there is nothing to preserve.")
    if errors:
        raise ValidationError(errors)
    if size > settings.EVIDENCE_MAX_UPLOAD_SIZE:
        raise UploadTooLarge({"size": _("The file is %(size)d bytes; the limit is %(limit)d bytes.")
                              % {"size": size, "limit": settings.EVIDENCE_MAX_UPLOAD_SIZE}})
    return ResumableUpload.objects.create(
        case=case, created_by=actor, filename=filename[-255:], relative_path=relative_path, size=size,
        kind=kind or kind_for(filename), touched_at=timezone.now(),
    )


def upload_for(*, actor: AbstractBaseUser, upload_id: str | uuid.UUID) -> ResumableUpload:
    """The actor's own upload. Another person's is as absent as one that never was (404);
    an expired or cancelled one is gone (410)."""
    try:
        upload = ResumableUpload.objects.select_related("case", "item").get(pk=upload_id, created_by=actor)
    except (ResumableUpload.DoesNotExist, ValueError, ValidationError):
        raise UploadNotFound(_("No such upload, or not one you began.")) from None
    if upload.state in {ResumableUpload.State.EXPIRED, ResumableUpload.State.CANCELLED}:
        raise UploadGone(_("This upload was abandoned and its pieces removed; start it again."), upload)
    return upload


def upload_append(*, actor: AbstractBaseUser, upload: ResumableUpload, offset: int, body: IO[bytes],
                  length: int, via: str) -> ResumableUpload:
    """Append one piece of `length` bytes read from `body`, sent for `offset`.

    The piece is stored before the offset moves, and the offset moves only if
    it still is `offset` (two requests racing for one offset: one wins, the
    other gets a 409 and its piece is removed). The piece that brings the
    offset to the size files the item. An empty piece at the end retries a
    filing that was refused (say the case was hidden meanwhile)."""
    if upload.state == ResumableUpload.State.COMPLETE:
        raise OffsetMismatch(_("This upload is complete: it was filed as %(exhibit)s.")
                             % {"exhibit": upload.item.exhibit if upload.item else "?"}, upload)
    if offset != upload.offset:
        raise OffsetMismatch(_("The server holds %(held)d bytes of this upload, not %(sent)d: "
                               "continue from %(held)d.") % {"held": upload.offset, "sent": offset}, upload)
    limit = settings.EVIDENCE_UPLOAD_CHUNK_SIZE
    if length > limit:
        raise PieceTooLarge(_("A piece may be at most %(limit)d bytes; this one is %(length)d.")
                            % {"limit": limit, "length": length}, upload)
    if offset + length > upload.size:
        raise PieceTooLarge(_("This piece would take the upload to %(end)d bytes, past its declared size of "
                              "%(size)d.") % {"end": offset + length, "size": upload.size}, upload)
    _check_can_file(actor, upload.case)
    if length:
        name = _store_piece(upload, offset, body, length)
        try:
            with transaction.atomic():
                locked = ResumableUpload.objects.select_for_update().get(pk=upload.pk)
                if locked.state in {ResumableUpload.State.EXPIRED, ResumableUpload.State.CANCELLED}:
                    raise UploadGone(_("This upload was abandoned and its pieces removed; start it again."), locked)
                if locked.state != ResumableUpload.State.OPEN or locked.offset != offset:
                    raise OffsetMismatch(_("Another request moved this upload to %(held)d bytes meanwhile: "
                                           "continue from there.") % {"held": locked.offset}, locked)
                locked.pieces = [*locked.pieces, [name, length]]
                locked.offset = offset + length
                locked.touched_at = timezone.now()
                locked.save(update_fields=["pieces", "offset", "touched_at"])
        except BaseException:
            _discard(name)
            raise
        upload = locked
    if upload.offset == upload.size:
        upload = _file_item(actor=actor, upload=upload, via=via)
    return upload


def upload_cancel(*, actor: AbstractBaseUser, upload: ResumableUpload) -> ResumableUpload:
    """Give up an unfinished upload: its pieces are removed and it can never become an item."""
    if upload.state == ResumableUpload.State.COMPLETE:
        raise OffsetMismatch(_("This upload is complete and filed; evidence is withdrawn, never deleted."), upload)
    return _close(upload.pk, ResumableUpload.State.CANCELLED) or upload


def expire_stale_uploads(now=None) -> list[ResumableUpload]:
    """Expire every open upload without a piece for EVIDENCE_UPLOAD_EXPIRY_HOURS and remove its
    pieces (beat, hourly; `manage.py expire_uploads`). No item is made for any of them."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.EVIDENCE_UPLOAD_EXPIRY_HOURS)
    stale = ResumableUpload.objects.filter(state=ResumableUpload.State.OPEN, touched_at__lt=cutoff)
    expired = []
    for pk in stale.values_list("pk", flat=True):
        upload = _close(pk, ResumableUpload.State.EXPIRED, older_than=cutoff)
        if upload is not None:
            expired.append(upload)
    return expired


def _close(pk, state: str, older_than=None) -> ResumableUpload | None:
    with transaction.atomic():
        upload = ResumableUpload.objects.select_for_update().filter(pk=pk, state=ResumableUpload.State.OPEN).first()
        if upload is None or (older_than is not None and upload.touched_at >= older_than):
            return None  # filed, closed or touched meanwhile
        upload.state, upload.pieces = state, []
        upload.save(update_fields=["state", "pieces"])
        transaction.on_commit(partial(_discard_pieces, upload))
    return upload


def _store_piece(upload: ResumableUpload, offset: int, body: IO[bytes], length: int) -> str:
    """Read exactly `length` bytes into a storage object; a short body (a dropped connection) stores nothing."""
    spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
    with spool:
        remaining = length
        while remaining:
            block = body.read(min(READ_BLOCK, remaining))
            if not block:
                break
            spool.write(block)
            remaining -= len(block)
        if remaining or body.read(1):
            raise UploadError(_("The piece was said to be %(length)d bytes but %(got)s arrived; nothing of it "
                                "was kept. Ask for the offset and send it again.")
                              % {"length": length, "got": _("fewer") if remaining else _("more")}, upload)
        spool.seek(0)
        return default_storage.save(f"{PIECES}/{upload.pk.hex}/{offset:015d}", File(spool))


def _discard(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def _discard_pieces(upload: ResumableUpload) -> None:
    """Every piece stored for the upload, also one a crash left unrecorded."""
    folder = f"{PIECES}/{upload.pk.hex}"
    try:
        _folders, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in names:
        _discard(f"{folder}/{name}")


class PiecesReader(io.RawIOBase):
    """The stored pieces read back in order as one stream, with its `size` (what evidence_register reads)."""

    def __init__(self, names: Iterable[str], size: int, name: str, opener: Callable[[str], IO[bytes]]):
        self._names = list(names)
        self._open = opener
        self._current: IO[bytes] | None = None
        self.size = size
        self.name = name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            if self._current is None:
                if not self._names:
                    return 0
                self._current = self._open(self._names.pop(0))
            data = self._current.read(len(buffer))
            if data:
                buffer[: len(data)] = data
                return len(data)
            self._current.close()
            self._current = None

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None
        super().close()


def _file_item(*, actor: AbstractBaseUser, upload: ResumableUpload, via: str) -> ResumableUpload:
    """File the whole upload as one item, and mark the upload complete in the same transaction:
    a failure leaves neither (the upload stays whole and open, to be retried or to expire)."""
    item, committed = None, []
    try:
        with transaction.atomic():
            locked = ResumableUpload.objects.select_for_update().get(pk=upload.pk)
            if locked.state != ResumableUpload.State.OPEN or locked.offset != locked.size:
                return ResumableUpload.objects.select_related("item", "case").get(pk=upload.pk)
            names = [name for name, _size in locked.pieces]
            if sum(size for _name, size in locked.pieces) != locked.size:
                raise UploadError(_("The stored pieces do not add up to the file's size."), locked)
            transaction.on_commit(lambda: committed.append(True))  # first: before the pipeline's own
            original = locked.relative_path or locked.filename
            with PiecesReader(names, locked.size, original, opener=lambda name: default_storage.open(name, "rb")) \
                    as stream:
                item = evidence_register(
                    actor=actor, case=locked.case, kind=locked.kind, title=locked.filename,
                    file=stream, original_filename=original, via=via,
                )
            locked.item, locked.state, locked.pieces = item, ResumableUpload.State.COMPLETE, []
            locked.touched_at = timezone.now()
            locked.save(update_fields=["item", "state", "pieces", "touched_at"])
            # The item holds its own staged copy now; the pieces go once that is committed.
            transaction.on_commit(partial(_discard_pieces, locked))
    except BaseException:
        if item is not None and not committed:
            _discard(item.staged_name)  # the item was rolled back: so is its staged copy
        raise
    return ResumableUpload.objects.select_related("item", "case").get(pk=upload.pk)


def refusal(exc: ValidationError | PermissionDenied) -> tuple[int, str, str]:
    """(status, code, message) for a service's refusal, for the doors' JSON errors."""
    if isinstance(exc, PermissionDenied):
        return 403, "permission_denied", str(exc) or _("You may not file evidence on this case.")
    status = 413 if isinstance(exc, UploadTooLarge) else 400
    return status, "too_large" if status == 413 else "invalid", " ".join(exc.messages)
