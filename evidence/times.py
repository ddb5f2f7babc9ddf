"""Times as people know them: exact, known only to the hour, day, month or year, or unknown.

A partly known time is stored as a datetime plus a precision. The datetime
holds the start of the known period (UTC), and only the part the precision
names means anything: 2022-03 is stored as 2022-03-01T00:00Z with precision
"month" and is always shown as "2022-03", never as that midnight. Dates
(year, month, day) are calendar dates as the filer gave them, not converted
between time zones: "16 March" in Kyiv stays 16 March.

Pure: no ORM, so the API, the admin, the seed and the export share it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.db import models
from django.utils.translation import gettext_lazy as _


class Precision(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    YEAR = "year", _("Year")
    MONTH = "month", _("Month")
    DAY = "day", _("Day")
    HOUR = "hour", _("Hour")
    EXACT = "exact", _("Exact")


# Coarse to fine; an explicit precision may only coarsen what was typed.
ORDER = [Precision.UNKNOWN, Precision.YEAR, Precision.MONTH, Precision.DAY, Precision.HOUR, Precision.EXACT]

# The item fields that carry a time and its precision (`<name>_precision`).
ITEM_TIMES = ("captured_at", "published_at", "uploaded_at", "acquired_at")

_PARTIAL = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2})(?P<offset>Z|[+-]\d{2}:?\d{2})?)?)?)?$"
)


def _offset(text: str | None) -> timezone:
    if not text or text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def truncate(value: datetime, precision: str) -> datetime:
    """The start of the period `value` falls in, as a UTC datetime (dates keep their calendar day)."""
    if precision in (Precision.YEAR, Precision.MONTH, Precision.DAY):
        # The calendar date in the filer's own terms, not shifted to UTC's.
        day = value.date()
        day = day.replace(month=1, day=1) if precision == Precision.YEAR else (
            day.replace(day=1) if precision == Precision.MONTH else day)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    if precision == Precision.HOUR:
        # The hour in the filer's own offset (+05:30 hours do not start on UTC hours).
        value = value.replace(minute=0, second=0, microsecond=0)
    return value.astimezone(UTC)


def normalise(value: datetime | None, precision: str | None) -> tuple[datetime | None, str]:
    """(stored datetime, precision): no time is unknown; a time without a stated precision is exact."""
    if value is None:
        if precision not in (None, "", Precision.UNKNOWN):
            raise ValueError(f"A precision of {precision!r} needs a time; leave the precision unknown or give the time.")
        return None, Precision.UNKNOWN
    precision = precision or Precision.EXACT
    if precision == Precision.UNKNOWN:
        raise ValueError("A time was given but its precision says unknown: give a precision or leave the time empty.")
    if precision not in ORDER:
        raise ValueError(f"{precision!r} is not a precision; use one of {', '.join(ORDER)}.")
    return truncate(value, precision), precision


def parse(text: str, zone: tzinfo | None = None) -> tuple[datetime, str]:
    """An ISO 8601 time as typed, to (datetime, the precision the text gives).

    "2022", "2022-03", "2022-03-16", "2022-03-16T14+02:00" (to the hour) or a
    full date and time. A time of day without an offset is read in `zone`
    (08:15 in Kharkiv is 08:15 Europe/Kyiv, with its summer time), or as UTC
    when no zone is given. Raises ValueError on anything else.
    """
    text = text.strip()
    match = _PARTIAL.match(text)
    if match:
        parts = match.groupdict()
        year, month, day = int(parts["year"]), int(parts["month"] or 1), int(parts["day"] or 1)
        if parts["hour"] is not None:
            given = _offset(parts["offset"]) if parts["offset"] else (zone or UTC)
            return datetime(year, month, day, int(parts["hour"]), tzinfo=given), Precision.HOUR
        precision = Precision.DAY if parts["day"] else Precision.MONTH if parts["month"] else Precision.YEAR
        return datetime(year, month, day, tzinfo=UTC), precision
    # The offset is kept: a coarser precision chosen later takes the date in the filer's terms.
    value = datetime.fromisoformat(text.replace("z", "Z"))
    return (value.replace(tzinfo=zone or UTC) if value.tzinfo is None else value), Precision.EXACT


def has_offset(text: str) -> bool:
    """True when a typed time of day carries its own offset (Z, +02:00)."""
    text = (text or "").strip()
    return bool(re.search(r"T.*(Z|z|[+-]\d{2}:?\d{2})$", text))


# --- time zones: what a capture time was given in -------------------------------------

DEFAULT_ZONE = "Europe/Kyiv"


def zone_or_none(name: str) -> ZoneInfo | None:
    """The IANA zone of this name; None for a blank name; ValueError for an unknown one."""
    name = (name or "").strip()
    if not name:
        return None
    if name not in zone_names():
        raise ValueError(f"{name!r} is not a time zone name (e.g. Europe/Kyiv).")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - listed names load
        raise ValueError(f"{name!r} is not a time zone name (e.g. Europe/Kyiv).") from exc


@cache
def zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def _country_zones() -> dict[str, str]:
    """Country code -> its principal zone (the first the tz database's zone1970.tab lists)."""
    candidates = [Path("/usr/share/zoneinfo")]
    try:
        import tzdata  # the tz database where the system has none

        candidates.append(Path(tzdata.__file__).parent / "zoneinfo")
    except ImportError:  # pragma: no cover
        pass
    for folder in candidates:
        table = folder / "zone1970.tab"
        if table.exists():
            own: dict[str, str] = {}
            shared: dict[str, str] = {}
            for line in table.read_text(encoding="utf-8").splitlines():
                if line.startswith("#") or not line.strip():
                    continue
                columns = line.split("\t")
                countries = columns[0].split(",")
                # A zone a country shares ("RU,UA Europe/Simferopol", Crimea) is not its principal one.
                for country in countries:
                    (own if len(countries) == 1 else shared).setdefault(country, columns[2])
            return {**shared, **own}
    return {}


def zone_for_countries(countries: list[str]) -> str:
    """The zone a capture in these countries was most likely told in: the first country's
    principal zone (Ukraine: Europe/Kyiv), else DEFAULT_ZONE. Only a default the filer sees
    and can change."""
    table = _country_zones()
    for country in countries:
        zone = table.get((country or "").upper())
        if zone and zone in zone_names():
            return zone
    return DEFAULT_ZONE


def in_zone(value: datetime | None, precision: str, zone: str) -> str | None:
    """A time as far as it is known, told in its zone: "2022-03-16T08:15:00+02:00" (exact),
    "2022-03-16T08+02:00" (to the hour); dates as partial_iso gives them."""
    if value is None or precision == Precision.UNKNOWN:
        return None
    try:
        tz = zone_or_none(zone)
    except ValueError:
        tz = None
    if tz is None or precision not in (Precision.HOUR, Precision.EXACT):
        return partial_iso(value, precision)
    local = value.astimezone(tz)
    offset = local.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}"
    if precision == Precision.HOUR:
        return local.strftime("%Y-%m-%dT%H") + offset
    return local.replace(microsecond=0).isoformat() if not local.microsecond else local.isoformat()


def partial_iso(value: datetime | None, precision: str) -> str | None:
    """The time as far as it is known: "2022", "2022-03", "2022-03-16", "2022-03-16T14Z", or the full UTC time."""
    if value is None or precision == Precision.UNKNOWN:
        return None
    value = value.astimezone(UTC)
    if precision == Precision.YEAR:
        return f"{value.year:04d}"
    if precision == Precision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    if precision == Precision.DAY:
        return value.date().isoformat()
    if precision == Precision.HOUR:
        return value.strftime("%Y-%m-%dT%HZ")
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def as_told(value: datetime | None, precision: str) -> str | None:
    """How the API and court packages tell a time: exact times in full (UTC, "Z"), others as far as known."""
    if value is None or precision == Precision.UNKNOWN:
        return None
    if precision != Precision.EXACT:
        return partial_iso(value, precision)
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
