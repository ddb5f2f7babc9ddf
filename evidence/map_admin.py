"""The admin's maps: on a case's page, on an item's page, and of all the cases a user may see.

Thin doors onto evidence/maps.py. The pages load Leaflet from our own static
files and draw from data in a json_script block (no inline script, so the CSP
holds), and allow the tile server's images only on these pages and only when
the operator has named one.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from evidence import maps


class CaseMapAdminMixin:
    """For the Case admin: a map of the case's places and exhibits below its fields, and the map of all cases."""

    def get_urls(self):
        return [
            path("map/", self.admin_site.admin_view(self.map_view), name="catalogue_case_map"),
            *super().get_urls(),
        ]

    def map_view(self, request):
        points, truncated = maps.all_cases_points(request.user)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Map of cases"), "opts": self.model._meta,
            "evidence_map": maps.map_context(points, map_id="cases-map", truncated=truncated),
        }
        return maps.allow_tiles(TemplateResponse(request, "admin/catalogue/case/map.html", context))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = self.get_object(request, unquote(object_id))
        if case is not None:
            extra_context = {**(extra_context or {}), "evidence_map": maps.map_context(
                maps.case_points(case, request.user), map_id="case-map")}
        return maps.allow_tiles(super().change_view(request, object_id, form_url, extra_context))


class ItemMapAdminMixin:
    """For the EvidenceItem admin: `capture_position_map`, a read-only field with the capture position
    in words and a small map of it."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return maps.allow_tiles(super().change_view(request, object_id, form_url, extra_context))

    @admin.display(description=_("capture position"))
    def capture_position_map(self, obj):
        gps = (obj.metadata or {}).get("gps") or {}
        return render_to_string("admin/evidence/map/item_panel.html", {
            "item": obj, "exif_gps_not_applied": bool(gps) and obj.capture_latitude is None,
            "gps": gps, "evidence_map": maps.map_context(maps.item_points(obj), map_id="item-map"),
        })
