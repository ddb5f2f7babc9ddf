"""An item's extracted metadata (evidence/metadata.py) as labelled rows a person can read.

Known facts get their name in words and a readable value (a duration as
h:mm:ss, GPS as degrees with N/S/E/W); anything else the extractor found is
still shown, under its own key, so nothing extracted is hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[tuple[str, str]]


_IMAGE = {
    "format": _("Format"), "width": _("Width (px)"), "height": _("Height (px)"), "mode": _("Colour mode"),
    "decoded": _("Decoded in full"),
}
_EXIF = {
    "make": _("Camera make"), "model": _("Camera model"), "software": _("Software"),
    "datetime": _("Date and time (file)"), "datetime_original": _("Date and time taken (camera clock)"),
    "offset_time_original": _("Camera clock's UTC offset"), "image_unique_id": _("Image unique ID"),
}
_PDF_INFO = {
    "title": _("Title"), "author": _("Author"), "subject": _("Subject"), "keywords": _("Keywords"),
    "creator": _("Creator (application)"), "producer": _("Producer"), "creationdate": _("Created (as the file says)"),
    "moddate": _("Modified (as the file says)"),
}
# hachoir's keys (human=False) for audio and video.
_MEDIA = {
    "duration_seconds": _("Duration"), "mime_type": _("Media type (as the container says)"),
    "compression": _("Codec / compression"), "nb_channel": _("Channels"), "sample_rate": _("Sample rate (Hz)"),
    "bits_per_sample": _("Bits per sample"), "bit_rate": _("Bit rate (bit/s)"), "compr_rate": _("Compression rate"),
    "width": _("Width (px)"), "height": _("Height (px)"), "frame_rate": _("Frame rate"), "producer": _("Producer"),
    "creation_date": _("Created (as the file says)"), "endian": _("Byte order"), "format_version": _("Format version"),
}
_FORMAT = {
    "description": _("Format"), "extension": _("File name extension"),
    "extension_media_type": _("Media type the extension suggests"),
    "extension_mismatch": _("Extension disagrees with the content"),
}
_SKIP_MEDIA = {"duration"}  # shown as duration_seconds, in h:mm:ss


def _text(value: Any) -> str:
    if value is True:
        return str(_("yes"))
    if value is False:
        return str(_("no"))
    if value is None or value == "":
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return str(value)


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _rows(facts: dict[str, Any], labels: dict[str, Any], skip: set[str] = frozenset()) -> list[tuple[str, str]]:
    known = [(str(labels[key]), _text(facts[key])) for key in labels if key in facts]
    extra = [(_label(key), _text(value)) for key, value in sorted(facts.items())
             if key not in labels and key not in skip]
    return known + extra


def duration_text(seconds: float) -> str:
    whole = int(seconds)
    fraction = seconds - whole
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{text}.{round(fraction * 1000):03d}" if fraction else text


def degrees_text(value: float, positive: str, negative: str) -> str:
    return f"{abs(value):.6f}° {positive if value >= 0 else negative}"


def sections(metadata: dict[str, Any]) -> list[Section]:
    """The metadata as titled sections of (label, value) rows."""
    if not metadata:
        return []
    facts = dict(metadata)
    out: list[Section] = []
    extractor, parsed, error = facts.pop("extractor", None), facts.pop("parsed", None), facts.pop("error", "")
    format_facts = facts.pop("format", None) if isinstance(metadata.get("format"), dict) else None
    gps = facts.pop("gps", None)
    exif = facts.pop("exif", None)
    info = facts.pop("info", None)
    if extractor == "pillow":
        out.append(Section(str(_("Image")), _rows(facts, _IMAGE, {"captured_at"})))
        if facts.get("captured_at"):
            out[-1].rows.append((str(_("Taken (from EXIF)")), str(facts["captured_at"])))
    elif extractor == "pypdf":
        out.append(Section(str(_("PDF")), _rows(facts, {"pages": _("Pages"), "encrypted": _("Encrypted")})))
    elif extractor == "hachoir":
        media = dict(facts)
        if "duration_seconds" in media:
            media["duration_seconds"] = duration_text(float(media["duration_seconds"]))
        out.append(Section(str(_("Audio and video")), _rows(media, _MEDIA, _SKIP_MEDIA)))
    elif facts:
        out.append(Section(str(_("Content")), _rows(facts, {})))
    if exif:
        out.append(Section(str(_("EXIF")), _rows(exif, _EXIF)))
    if gps:
        rows = [(str(_("Latitude")), degrees_text(float(gps["latitude"]), "N", "S")),
                (str(_("Longitude")), degrees_text(float(gps["longitude"]), "E", "W")),
                (str(_("Decimal degrees")), f"{float(gps['latitude']):.6f}, {float(gps['longitude']):.6f}")]
        if "altitude" in gps:
            rows.append((str(_("Altitude (m)")), _text(gps["altitude"])))
        out.append(Section(str(_("GPS (from EXIF)")), rows))
    if info:
        out.append(Section(str(_("PDF document information")), _rows(info, _PDF_INFO)))
    if format_facts:
        out.append(Section(str(_("Format identification")), _rows(format_facts, _FORMAT)))
    status = [(str(_("Extracted with")), _text(extractor))]
    if parsed is not None:
        status.append((str(_("Read in full")), _text(parsed)))
    if error:
        status.append((str(_("Extraction error")), str(error)))
    out.append(Section(str(_("Extraction")), status))
    return out
