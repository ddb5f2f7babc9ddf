"""Sealed exhibits of every kind the item page shows, made from the seed's generated files."""

from __future__ import annotations

from django.core.files.base import ContentFile

from catalogue.models import Place
from evidence.models import EvidenceItem
from evidence.services import evidence_register
from seeds import demo_exhibits

GAZETTEER = {"kyiv": (50.4501, 30.5234), "chernihiv": (51.4982, 31.2893), "mariupol": (47.0971, 37.5434)}


def places() -> dict[str, Place]:
    return {key: Place(name=key.title(), latitude=lat, longitude=lon) for key, (lat, lon) in GAZETTEER.items()}


def file_demo_exhibits(*, actor, case, only: set[str] | None = None) -> dict[str, EvidenceItem]:
    """File the demo files (pictures, PDF, audio) in `case`; with tasks run in-process they are
    sealed (and the pictures' previews made) when this returns. Keyed by file name."""
    filed = {}
    for spec in demo_exhibits.exhibits(places()):
        if only is not None and spec["filename"] not in only:
            continue
        item = evidence_register(actor=actor, case=case, kind=spec["kind"], title=spec["title"],
                                 description=spec["description"], file=ContentFile(spec["data"], name=spec["filename"]),
                                 original_filename=spec["filename"])
        item.refresh_from_db()
        filed[spec["filename"]] = item
    return filed
