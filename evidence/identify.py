"""Format identification from the bytes (libmagic), never from the name or the client."""

from __future__ import annotations

import mimetypes
import os
from typing import Any

import magic

# Spellings that name the same format: not a mismatch.
_SAME = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "audio/wav": "audio/x-wav",
    "audio/wave": "audio/x-wav",
    "audio/vnd.wave": "audio/x-wav",
    "video/x-m4v": "video/mp4",
    "audio/mp4": "audio/x-m4a",
    "text/xml": "application/xml",
}
SNIFF_BYTES = 1 << 16


def _canonical(media_type: str) -> str:
    media_type = (media_type or "").split(";")[0].strip().lower()
    return _SAME.get(media_type, media_type)


def identify(*, path: str | None = None, head: bytes = b"", original_filename: str = "") -> dict[str, Any]:
    """The media type libmagic reads from the content, its description, and whether
    the filename's extension claims something else (recorded, never trusted)."""
    if path is not None:
        media_type = magic.from_file(path, mime=True)
        description = magic.from_file(path)
    else:
        media_type = magic.from_buffer(head, mime=True)
        description = magic.from_buffer(head)
    extension = os.path.splitext(original_filename)[1].lower()
    claimed = mimetypes.guess_type(f"x{extension}")[0] if extension else None
    mismatch = bool(claimed) and _canonical(claimed) != _canonical(media_type)
    result: dict[str, Any] = {
        "media_type": media_type,
        "description": description,
        "tool": f"libmagic {magic.version() if hasattr(magic, 'version') else ''}".strip(),
        "original_filename": original_filename,
        "extension": extension,
        "extension_media_type": claimed or "",
        "extension_mismatch": mismatch,
    }
    return result
