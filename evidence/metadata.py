"""Metadata and text extracted from content, by media type.

Every extractor reads hostile input: a failure is a result ("parsed": False
with the reason), never an exception that stops the item being sealed.
Pillow's decompression-bomb limit is an error here, not a warning, so a
small file that claims gigapixels is refused before it is decoded.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import warnings
from datetime import datetime
from typing import Any, Callable, Iterator

log = logging.getLogger(__name__)

MAX_TEXT = 100_000  # characters of extracted text kept (and indexed)
MAX_PDF_PAGES = 300
MAX_DECODE_PIXELS = 64_000_000  # decoded to check for truncation up to this size

Extractor = Callable[[str], tuple[dict[str, Any], str]]


class ExtractionTimeout(Exception):
    """The extractor ran past its time limit (a file built to make a parser loop)."""


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ExtractionTimeout here after `seconds`.

    SIGALRM can only be caught in a process's main thread. Celery workers run
    tasks there, so the limit holds in every worker. Tasks run in-process by a
    threaded development server have no limit. The timer is the process's
    only interval timer, which nothing else here uses.
    """
    if not seconds or seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise ExtractionTimeout(f"the parser was stopped after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def extract(path: str, media_type: str, timeout: float | None = None) -> tuple[dict[str, Any], str]:
    """(metadata, text) of the file at `path`. metadata always says which
    extractor ran and whether it could parse the file. An extractor that runs
    past `timeout` seconds is stopped and its file recorded as not parsed."""
    extractor, name = _extractor_for(media_type)
    if extractor is None:
        return {"extractor": None, "parsed": None}, ""
    try:
        with _time_limit(timeout):
            facts, text = extractor(path)
    except Exception as exc:  # hostile or broken input: recorded, not raised
        log.info("Could not extract metadata with %s: %s", name, exc)
        return {"extractor": name, "parsed": False, "error": f"{type(exc).__name__}: {exc}"[:500]}, ""
    return {"extractor": name, "parsed": True, **facts}, text[:MAX_TEXT]


def _extractor_for(media_type: str) -> tuple[Extractor | None, str]:
    if media_type.startswith("image/"):
        return _image, "pillow"
    if media_type == "application/pdf":
        return _pdf, "pypdf"
    if media_type.startswith(("audio/", "video/")):
        return _media, "hachoir"
    if media_type.startswith("text/"):
        return _text, "text"
    return None, ""


# --- images ---------------------------------------------------------------

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_TAGS = {0x010F: "make", 0x0110: "model", 0x0131: "software", 0x0132: "datetime"}
_EXIF_TAGS = {0x9003: "datetime_original", 0x9011: "offset_time_original", 0xA420: "image_unique_id"}


def _image(path: str) -> tuple[dict[str, Any], str]:
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as image:
            facts: dict[str, Any] = {
                "format": image.format, "width": image.width, "height": image.height, "mode": image.mode,
            }
            exif = image.getexif()
            facts["exif"] = _exif_facts(exif)
            gps = _gps(exif.get_ifd(_GPS_IFD))
            if gps:
                facts["gps"] = gps
            original = facts["exif"].get("datetime_original")
            if original:
                facts["captured_at"] = _exif_time(original, facts["exif"].get("offset_time_original"))
            if image.width * image.height <= MAX_DECODE_PIXELS:
                image.load()  # a truncated file fails here, not later in someone's viewer
                facts["decoded"] = True
            else:
                facts["decoded"] = False
    return facts, ""


def _exif_facts(exif) -> dict[str, Any]:
    facts = {name: _plain(exif.get(tag)) for tag, name in _TAGS.items() if exif.get(tag) is not None}
    inner = exif.get_ifd(_EXIF_IFD)
    facts.update({name: _plain(inner.get(tag)) for tag, name in _EXIF_TAGS.items() if inner.get(tag) is not None})
    return facts


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip("\x00 ")
    if isinstance(value, str):
        return value.strip("\x00 ")
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def _exif_time(value: str, offset: str | None) -> str:
    """EXIF 'YYYY:MM:DD HH:MM:SS' as ISO 8601 (with its offset when the camera gave one)."""
    parsed = datetime.strptime(value.strip(), "%Y:%m:%d %H:%M:%S")
    text = parsed.isoformat()
    return f"{text}{offset}" if offset else text


def _gps(gps: dict) -> dict[str, float] | None:
    # GPSLatitudeRef=1, GPSLatitude=2, GPSLongitudeRef=3, GPSLongitude=4, GPSAltitude=6,
    # GPSDOP=11, GPSHPositioningError=31 (metres)
    if 2 not in gps or 4 not in gps:
        return None

    def degrees(dms, ref) -> float:
        d, m, s = (float(x) for x in dms)
        value = d + m / 60 + s / 3600
        return round(-value if str(ref).upper() in ("S", "W") else value, 7)

    position = {"latitude": degrees(gps[2], gps.get(1, "N")), "longitude": degrees(gps[4], gps.get(3, "E"))}
    if not (-90 <= position["latitude"] <= 90 and -180 <= position["longitude"] <= 180):
        raise ValueError(f"GPS position off the globe: {position}")
    if 6 in gps:
        position["altitude"] = round(float(gps[6]), 2)
    # What the precision of the position rests on (evidence/capture_place.py): the finest step
    # the camera wrote the numbers in, and the receiver's own error figures when it gave them.
    resolution = _resolution_degrees(gps[2], gps[4])
    if resolution is not None:
        position["resolution_deg"] = resolution
    for tag, name in ((11, "dop"), (31, "horizontal_error_m")):
        if tag in gps:
            with contextlib.suppress(TypeError, ValueError, ZeroDivisionError):
                value = float(gps[tag])
                if value == value and value >= 0:  # not NaN (a 0/0 rational), not negative
                    position[name] = round(value, 3)
    return position


def _resolution_degrees(*coordinates) -> float | None:
    """The smallest step, in degrees, that the degrees/minutes/seconds rationals can express."""
    steps = []
    for dms in coordinates:
        for value, unit in zip(dms, (1, 1 / 60, 1 / 3600), strict=False):
            denominator = getattr(value, "denominator", None)
            if isinstance(denominator, int) and denominator > 0:
                steps.append(unit / denominator)
    return float(f"{min(steps):.3g}") if steps else None


# --- PDF -------------------------------------------------------------------


def _pdf(path: str) -> tuple[dict[str, Any], str]:
    from pypdf import PdfReader

    reader = PdfReader(path, strict=False)
    info = reader.metadata or {}
    facts: dict[str, Any] = {
        "pages": len(reader.pages),
        "encrypted": reader.is_encrypted,
        "info": {str(k).lstrip("/").lower(): str(v)[:500] for k, v in dict(info).items()},
    }
    text: list[str] = []
    size = 0
    for page in list(reader.pages)[:MAX_PDF_PAGES]:
        chunk = page.extract_text() or ""
        text.append(chunk)
        size += len(chunk)
        if size >= MAX_TEXT:
            break
    return facts, "\n".join(text)


# --- audio and video ---------------------------------------------------------


def _media(path: str) -> tuple[dict[str, Any], str]:
    from hachoir.core import config as hachoir_config
    from hachoir.metadata import extractMetadata
    from hachoir.parser import createParser

    hachoir_config.quiet = True
    parser = createParser(path)
    if parser is None:
        raise ValueError("hachoir does not recognise this container")
    with parser:
        found = extractMetadata(parser)
    if found is None:
        raise ValueError("hachoir found no metadata")
    facts: dict[str, Any] = {}
    for line in found.exportPlaintext(human=False) or []:
        if line.startswith("- ") and ": " in line:
            key, value = line[2:].split(": ", 1)
            facts.setdefault(key.strip(), value.strip())
    duration = found.get("duration", None) if found.has("duration") else None
    if duration is not None:
        facts["duration_seconds"] = round(duration.total_seconds(), 3)
    return facts, ""


# --- text ------------------------------------------------------------------


def _text(path: str) -> tuple[dict[str, Any], str]:
    with open(path, "rb") as handle:
        raw = handle.read(MAX_TEXT * 4)
    text = raw.decode("utf-8", "replace")
    return {"encoding": "utf-8", "truncated": len(raw) == MAX_TEXT * 4}, text
