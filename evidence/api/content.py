"""Streaming an item's stored bytes: single byte ranges (RFC 9110 §14) and the
RFC 9530 Repr-Digest of the whole representation, in constant memory."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

from evidence.hashing import repr_digest_header
from evidence.models import EvidenceItem

CHUNK_SIZE = 1 << 20
_RANGE = re.compile(r"^\s*bytes\s*=\s*([0-9]*)\s*-\s*([0-9]*)\s*$", re.IGNORECASE | re.ASCII)
# Past any file we hold: a longer number reads as this. Python's int() refuses more
# than 4,300 digits (a ValueError), and no file we hold has 10**18 bytes.
_BEYOND = 10**18


def _position(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else _BEYOND


class Unsatisfiable(Exception):
    """The range starts beyond the file (the answer is 416)."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive for one `bytes=` range, or None to send the whole file.

    A header we do not understand (another unit, several ranges, last < first)
    is ignored, as RFC 9110 §14.2 allows: the client then sees a 200, not a 206.
    """
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # a suffix: the last N bytes
        length = _position(last)
        if length == 0:
            raise Unsatisfiable
        return max(size - length, 0), size - 1
    start = _position(first)
    if last and _position(last) < start:
        return None
    if start >= size:
        raise Unsatisfiable
    return start, min(_position(last) if last else size - 1, size - 1)


def _chunks(stream: IO[bytes], remaining: int) -> Iterator[bytes]:
    try:
        while remaining > 0:
            chunk = stream.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        stream.close()


def content_response(item: EvidenceItem, stream: IO[bytes] | None, span: tuple[int, int] | None) -> StreamingHttpResponse:
    """The response for `stream` (already open; None for HEAD), whole or the span."""
    size = item.size or 0
    first, last = span if span is not None else (0, size - 1)
    length = last - first + 1
    if stream is not None and first:
        stream.seek(first)
    body = _chunks(stream, length) if stream is not None else iter(())
    response = StreamingHttpResponse(body, status=206 if span is not None else 200,
                                     content_type=item.media_type or "application/octet-stream")
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Repr-Digest"] = repr_digest_header(item.sha256)
    response["ETag"] = f'"sha256:{item.sha256}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = content_disposition_header(True, download_name(item))
    if span is not None:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    return response


def download_name(item: EvidenceItem) -> str:
    """The exhibit number, safe as a file name, with the original extension."""
    stem = item.exhibit.replace("/", "_")
    original = item.original_filename or ""
    extension = original.rsplit(".", 1)[1] if "." in original else ""
    extension = re.sub(r"[^A-Za-z0-9]", "", extension)[:10]
    return f"{stem}.{extension}" if extension else stem
