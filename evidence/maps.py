"""What the maps show: case places and exhibits' capture positions, only as far as the viewer may see.

Reads only, through the one visibility rule (cases_visible_to, items_visible_to):
a case the viewer may not see adds nothing, not even its places' coordinates.
A map is a list of points; the same list feeds the Leaflet map (as JSON,
read by evidence/static/evidence/map.js) and the table of coordinates beside
it, so the coordinates are there to read even where the map cannot draw.

Base-map tiles come only from the tile server the operator names
(MAP_TILE_URL); by default there are none, since every tile request tells that
server where on earth the viewer is looking (docs/threat-model.md).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from catalogue.models import Case, Place
from catalogue.selectors import cases_visible_to
from evidence.models import EvidenceItem
from evidence.selectors import items_visible_to

# The most markers of each kind one map draws; the page says when there were more.
MAX_POINTS = 2000


def tile_layer() -> dict[str, Any] | None:
    """The operator's tile server as Leaflet takes it, or None when none is configured."""
    url = getattr(settings, "MAP_TILE_URL", "")
    if not url:
        return None
    return {"url": url, "attribution": settings.MAP_TILE_ATTRIBUTION, "max_zoom": settings.MAP_TILE_MAX_ZOOM}


def tile_source(url: str) -> str:
    """The CSP source that admits the tile server's images: its origin, with `{s}` subdomains as a wildcard."""
    parts = urlsplit(url)
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}"


def allow_tiles(response):
    """Let this map page (only) load images from the configured tile server (django-csp)."""
    layer = tile_layer()
    if layer is not None:
        update = getattr(response, "_csp_update", None) or {}
        update["img-src"] = [*update.get("img-src", []), tile_source(layer["url"])]
        response._csp_update = update
    return response


def map_context(points: list[dict[str, Any]], *, map_id: str, truncated: bool = False) -> dict[str, Any]:
    """What the map template (admin/evidence/map/panel.html) takes."""
    return {
        "id": map_id, "data_id": f"{map_id}-data", "points": points, "truncated": truncated, "max": MAX_POINTS,
        "data": {"points": points, "tiles": tile_layer(), "labels": {
            "empty": _("Nothing here has coordinates yet."),
            "uncertainty": _("uncertainty"),
            "grid": _("Grid lines every"),
        }},
    }


def case_points(case: Case, user: AbstractBaseUser) -> list[dict[str, Any]]:
    """The case's places with coordinates and its exhibits' capture positions that `user` may see."""
    if not cases_visible_to(user).filter(pk=case.pk).exists():
        return []
    places = case.places.filter(latitude__isnull=False, longitude__isnull=False).order_by("name")
    points = [_place_point(place, []) for place in places]
    items = _placed_items(items_visible_to(user).filter(case=case))[:MAX_POINTS]
    return points + [_item_point(item) for item in items]


def item_points(item: EvidenceItem) -> list[dict[str, Any]]:
    """The item's capture position and, if a person gave one, its capture place (the viewer already sees the item)."""
    points = []
    if item.capture_place_id and item.capture_place.latitude is not None:
        points.append(_place_point(item.capture_place, [], title=_("Capture place given at filing: %(place)s")
                                   % {"place": item.capture_place.name}))
    if item.capture_latitude is not None:
        points.append({**_item_point(item, position_only=True), "links": []})  # the page is the item's own
    return points


def all_cases_points(user: AbstractBaseUser) -> tuple[list[dict[str, Any]], bool]:
    """Every place of a case `user` may see (one marker per place, naming its cases) and the capture
    positions of the exhibits `user` may see; and whether either list was cut at MAX_POINTS."""
    Through = Case.places.through
    rows = (Through.objects.filter(case__in=cases_visible_to(user), place__latitude__isnull=False,
                                   place__longitude__isnull=False)
            .values_list("place_id", "case_id", "case__reference", "case__title")
            .order_by("place_id", "case__reference"))
    cases_at: dict[int, list[dict[str, str]]] = defaultdict(list)
    for place_id, case_id, reference, title in rows:
        cases_at[place_id].append(_case_link(case_id, reference, title))
    place_ids = sorted(cases_at)[:MAX_POINTS]
    places = Place.objects.filter(pk__in=place_ids).order_by("name")
    points = [_place_point(place, cases_at[place.pk]) for place in places]
    items = list(_placed_items(items_visible_to(user))[:MAX_POINTS + 1])
    truncated = len(cases_at) > MAX_POINTS or len(items) > MAX_POINTS
    return points + [_item_point(item, with_case=True) for item in items[:MAX_POINTS]], truncated


def _placed_items(items):
    """Items with a capture position, or a capture place with coordinates."""
    return (items.filter(Q(capture_latitude__isnull=False) | Q(capture_place__latitude__isnull=False,
                                                               capture_place__longitude__isnull=False))
            .select_related("case", "capture_place").order_by("case__reference", "number"))


def _case_link(case_id: int, reference: str, title: str) -> dict[str, str]:
    return {"text": f"{reference} — {title}", "url": reverse("admin:catalogue_case_change", args=[case_id])}


def _place_point(place: Place, cases: list[dict[str, str]], title: str | None = None) -> dict[str, Any]:
    return {
        "kind": "place", "lat": _float(place.latitude), "lon": _float(place.longitude),
        "title": title or _("Place: %(place)s") % {"place": place.name},
        "precision": place.get_precision_display(), "source": _("place record"), "uncertainty_m": None,
        "links": cases,
    }


def _item_point(item: EvidenceItem, *, with_case: bool = False, position_only: bool = False) -> dict[str, Any]:
    link = {"text": f"{item.exhibit} — {item.title}",
            "url": reverse("admin:evidence_evidenceitem_change", args=[item.pk])}
    links = [link]
    if with_case:
        links.append(_case_link(item.case_id, item.case.reference, item.case.title))
    place = item.capture_place
    # A place a person gave comes first; the EXIF position stands in where there is none with coordinates.
    given = place is not None and place.latitude is not None and place.longitude is not None
    if item.capture_latitude is not None and (position_only or not given):
        return {
            "kind": "exhibit", "lat": _float(item.capture_latitude), "lon": _float(item.capture_longitude),
            "title": _("Exhibit %(exhibit)s: capture position") % {"exhibit": item.exhibit},
            "precision": item.get_capture_position_precision_display(),
            "source": item.get_capture_position_source_display(),
            "uncertainty_m": item.capture_position_uncertainty_m, "links": links,
        }
    return {
        "kind": "exhibit", "lat": _float(place.latitude), "lon": _float(place.longitude),
        "title": _("Exhibit %(exhibit)s: capture place %(place)s") % {"exhibit": item.exhibit, "place": place.name},
        "precision": place.get_precision_display(), "source": _("capture place given at filing"),
        "uncertainty_m": None, "links": links,
    }


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
