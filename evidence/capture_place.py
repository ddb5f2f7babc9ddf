"""The capture position from the file's own EXIF GPS, with the precision the GPS data supports.

A position is a fact stated by a source, so it is stored with that source
(`capture_position_source`) and a precision on Place's scale, worked out from
what the camera recorded, never assumed finer:

- the step its degrees/minutes/seconds were written in (a position written to
  whole seconds cannot be trusted past about 31 m; metadata's `resolution_deg`);
- the receiver's own error figure when it gave one: GPSHPositioningError in
  metres, or else GPSDOP times a typical GPS range error of 5 m (an estimate,
  and recorded as one).

A place a person gave is never overwritten: an item filed with a capture place
keeps it, and the GPS stays in the metadata for anyone to compare. Filling the
position changes the item record, so it is a custody entry of its own
(metadata modification by the pipeline) that says where the figures came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.db import transaction

from catalogue.models import Place
from evidence.custody import PIPELINE_AGENT, custody_append_many
from evidence.models import CapturePositionSource, CustodyEvent, EvidenceItem

METRES_PER_DEGREE = 111_320  # of latitude, and the most a degree of longitude can be
TYPICAL_RANGE_ERROR_M = 5.0  # a GPS receiver's typical user equivalent range error, times DOP

# The coarsest uncertainty (metres) each precision still fits, fine to coarse.
PRECISION_LIMITS = [
    (100.0, Place.Precision.EXACT),
    (5_000.0, Place.Precision.SETTLEMENT),
    (50_000.0, Place.Precision.DISTRICT),
    (500_000.0, Place.Precision.REGION),
]
FIELDS = ["capture_latitude", "capture_longitude", "capture_position_precision", "capture_position_uncertainty_m",
          "capture_position_source"]
_MICRODEGREE = Decimal("0.000001")


@dataclass(frozen=True)
class Position:
    latitude: Decimal
    longitude: Decimal
    precision: str
    uncertainty_m: float | None
    basis: list[str]  # what the uncertainty rests on, in words, for the custody entry


def precision_for(uncertainty_m: float | None) -> str:
    """The finest of Place's precisions that an uncertainty (metres) still fits; unknown counts as exact
    only because a GPS fix is a point: the uncertainty is then recorded as unknown, not as zero."""
    if uncertainty_m is None:
        return Place.Precision.EXACT
    for limit, precision in PRECISION_LIMITS:
        if uncertainty_m <= limit:
            return precision
    return Place.Precision.COUNTRY


def position_from_gps(gps: dict[str, Any]) -> Position | None:
    """The position a metadata `gps` block states (evidence/metadata.py), or None if it states none."""
    try:
        latitude = Decimal(str(gps["latitude"])).quantize(_MICRODEGREE, ROUND_HALF_EVEN)
        longitude = Decimal(str(gps["longitude"])).quantize(_MICRODEGREE, ROUND_HALF_EVEN)
    except (KeyError, TypeError, ArithmeticError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    figures: list[float] = []
    basis: list[str] = []
    resolution = _number(gps.get("resolution_deg"))
    if resolution is not None:
        # The numbers were rounded to this step: the true point is within half of it.
        figures.append(resolution * METRES_PER_DEGREE / 2)
        basis.append(f"coordinates written in steps of {resolution:g}° (±{figures[-1]:.1f} m)")
    error = _number(gps.get("horizontal_error_m"))
    dop = _number(gps.get("dop"))
    if error is not None:
        figures.append(error)
        basis.append(f"GPSHPositioningError {error:g} m")
    elif dop is not None:
        figures.append(dop * TYPICAL_RANGE_ERROR_M)
        basis.append(f"GPSDOP {dop:g} × {TYPICAL_RANGE_ERROR_M:g} m typical GPS range error (an estimate)")
    uncertainty = round(max(figures), 1) if figures else None
    if uncertainty is None:
        basis.append("no resolution or error figure in the GPS data: uncertainty unknown")
    return Position(latitude, longitude, precision_for(uncertainty), uncertainty, basis)


def fill_from_gps(item: EvidenceItem, *, save: bool = True) -> list[dict[str, Any]]:
    """Set the item's capture position from the EXIF GPS in its metadata, if it has one and no
    capture place or position is recorded yet; the custody entries that say so (for the caller
    to append with the pipeline's other entries, in its transaction, on the locked item).
    With `save` False the caller writes FIELDS itself (a batch writes its items in one statement)."""
    gps = (item.metadata or {}).get("gps")
    if not gps or item.capture_place_id is not None or item.capture_position_source:
        return []
    position = position_from_gps(gps)
    if position is None:
        return []
    item.capture_latitude, item.capture_longitude = position.latitude, position.longitude
    item.capture_position_precision = position.precision
    item.capture_position_uncertainty_m = position.uncertainty_m
    item.capture_position_source = CapturePositionSource.EXIF_GPS
    if save:
        item.save(update_fields=FIELDS)
    return [{"action": CustodyEvent.Action.METADATA_MODIFICATION, "details": {
        "field": "capture_position", "source": CapturePositionSource.EXIF_GPS.value, "from": "metadata.gps",
        "latitude": str(position.latitude), "longitude": str(position.longitude),
        "precision": position.precision, "uncertainty_m": position.uncertainty_m, "basis": position.basis,
    }}]


def backfill(batch: int = 500) -> int:
    """Fill the capture position of items sealed before the pipeline did it (the fill_capture_positions
    command): each in its own transaction with its own custody entry, as the pipeline would have.
    Returns how many items were filled; running it again fills nothing more."""
    filled, after = 0, None
    candidates = (EvidenceItem.objects.filter(state=EvidenceItem.State.SEALED, capture_place__isnull=True,
                                              capture_position_source="", metadata__has_key="gps")
                  .order_by("pk").values_list("pk", flat=True))
    while page := list((candidates if after is None else candidates.filter(pk__gt=after))[:batch]):
        for pk in page:
            with transaction.atomic():
                item = EvidenceItem.objects.select_for_update().get(pk=pk)
                entries = fill_from_gps(item)
                if entries:
                    custody_append_many(item=item, entries=entries, agent=PIPELINE_AGENT)
                    filled += 1
        after = page[-1]
    return filled


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and number >= 0 else None
