"""Previews: display copies made from a sealed exhibit, never the exhibit itself.

A preview (today: a thumbnail of an image) is made by a worker after sealing
(evidence/preview_tasks.py), from bytes re-hashed against the digest the
custody chain proved at sealing. It is stored content-addressed through the
same store as originals (`sha256/ab/cd/<hex>`, never overwritten), so the
original object is only ever read. The one record of a preview is a
`derivation` entry in the original's custody log, written by the preview agent
and naming the preview's digest and how it was made: the chain itself says
which object is a display copy, so nobody can pass it off as the exhibit.

PDFs, audio and video need no derivative: the browser shows the original
(evidence/admin_views.py), and each view is a dissemination entry.
"""

from __future__ import annotations

import hashlib
import io
import logging
import warnings
from typing import Any

import PIL
from django.conf import settings
from django.db import transaction

from evidence import content_store, fixity, proven, storage
from evidence.custody import custody_append
from evidence.metadata import MAX_DECODE_PIXELS, _time_limit
from evidence.models import CustodyEvent, EvidenceItem

log = logging.getLogger(__name__)

PREVIEW_AGENT = "agent:evidence-previews/1.0"
THUMBNAIL = "thumbnail"
THUMBNAIL_BOX = (640, 640)
THUMBNAIL_QUALITY = 85
NOTE = ("A display copy made for viewing in the admin. It is not the exhibit: it is not exported, "
        "downloaded or verified as the exhibit, and the original's bytes were only read.")

Action = CustodyEvent.Action
Outcome = CustodyEvent.Outcome


def needs_thumbnail(item: EvidenceItem) -> bool:
    return item.state == EvidenceItem.State.SEALED and item.media_type.startswith("image/")


def needs_previews(item: EvidenceItem) -> bool:
    """Whether a sealed item needs any display copy: the pipeline queues a preview task only for those."""
    return needs_thumbnail(item)


def preview_entries(item: EvidenceItem, kind: str = THUMBNAIL):
    return CustodyEvent.objects.filter(item_id=item.pk, action=Action.DERIVATION, details__preview=kind)


def thumbnail_of(item: EvidenceItem) -> CustodyEvent | None:
    """The entry that recorded the item's thumbnail (made, or failed), or None if none was tried."""
    return preview_entries(item).order_by("-seq").first()


def make_previews(item_id: str) -> str:
    """Make what previews the item needs (`needs_previews`). Idempotent: a preview made (or found unmakeable)
    once is not made again. Returns what happened, for the task's result."""
    item = EvidenceItem.objects.filter(pk=item_id).first()
    if item is None:
        return "missing"
    if not needs_previews(item):
        return "none needed"
    if thumbnail_of(item) is not None:
        return "done before"
    record = proven.proven_digests(item)
    verdict = fixity.check_item(item, record)
    if not verdict["ok"]:
        if not verdict.get("transient"):
            # The same finding a scheduled check would make: recorded, and the item quarantined.
            fixity.record_fixity(item, verdict, check="before making a preview")
            return "refused: " + verdict["problem"]
        raise OSError(verdict["problem"])  # the store could not be read: retried by the task
    try:
        data, facts = _thumbnail_bytes(record.sha256)
    except OSError as exc:
        if isinstance(exc, PIL.UnidentifiedImageError):
            return _unmade(item, record.sha256, exc)
        raise  # the store could not be read: retried by the task
    except Exception as exc:  # hostile or broken input: recorded, not raised
        return _unmade(item, record.sha256, exc)
    sha256 = hashlib.sha256(data).hexdigest()
    staged = storage.stage_upload(io.BytesIO(data), "thumbnail.jpg")
    try:
        stored = content_store.put(staged, sha256, len(data))
    finally:
        storage.discard(staged)
    return _record(item, Outcome.SUCCESS, {
        "preview": THUMBNAIL, "note": NOTE, "source_sha256": record.sha256, "object": stored.name,
        "sha256": sha256, "size": len(data), "media_type": "image/jpeg", **facts,
        "method": (f"Pillow {PIL.__version__}: EXIF orientation applied, fitted within "
                   f"{THUMBNAIL_BOX[0]}x{THUMBNAIL_BOX[1]} px, JPEG quality {THUMBNAIL_QUALITY}, "
                   f"no metadata copied"),
    })


def _unmade(item: EvidenceItem, source_sha256: str, exc: Exception) -> str:
    return _record(item, Outcome.FAILURE, {
        "preview": THUMBNAIL, "source_sha256": source_sha256, "error": f"{type(exc).__name__}: {exc}"[:500],
        "note": "No preview could be made; the exhibit is unchanged.",
    })


def _record(item: EvidenceItem, outcome: str, details: dict[str, Any]) -> str:
    with transaction.atomic():
        # Locked, then looked at again: two workers on one item write one entry.
        EvidenceItem.objects.select_for_update().only("id").get(pk=item.pk)
        if thumbnail_of(item) is not None:
            return "done before"
        custody_append(item=item, action=Action.DERIVATION, outcome=outcome, agent=PREVIEW_AGENT, details=details)
    return "made" if outcome == Outcome.SUCCESS else "failed"


def _thumbnail_bytes(sha256: str) -> tuple[bytes, dict[str, Any]]:
    from PIL import Image, ImageOps

    with warnings.catch_warnings(), _time_limit(settings.EVIDENCE_METADATA_TIMEOUT):
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with storage.open_content(sha256) as handle, Image.open(handle) as image:
            if image.width * image.height > MAX_DECODE_PIXELS:
                raise ValueError(f"{image.width}x{image.height} pixels is more than a preview decodes")
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail(THUMBNAIL_BOX)
            out = io.BytesIO()
            upright.convert("RGB").save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue(), {"width": upright.width, "height": upright.height}


def thumbnail_object(item: EvidenceItem) -> tuple[str, int] | None:
    """(sha256, size) of the item's thumbnail, as its custody entry recorded it; None if there is none."""
    entry = thumbnail_of(item)
    if entry is None or entry.outcome != Outcome.SUCCESS:
        return None
    return entry.details["sha256"], int(entry.details["size"])
