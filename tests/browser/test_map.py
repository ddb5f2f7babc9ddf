"""An investigator places the evidence: the case's places and a photo's GPS on the case's map, the map of
every case they may see, and base-map tiles only from the tile server the operator named."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalogue.models import Case
from evidence.services import evidence_register
from tests import pipeline_media as media
from tests.admin_pages import staff
from tests.browser.conftest import keep_screenshot
from tests.browser.helpers import admin_url, sign_in
from tests.factories import CaseFactory, PlaceFactory

# Saltivka, north-east Kharkiv, as a camera writes it (degrees, minutes, seconds).
SALTIVKA = {"lat": (50, 1, 30.0), "lon": (36, 17, 24.0)}


@pytest.fixture
def investigator(team):
    return staff("investigator", team=team)


@pytest.fixture
def kharkiv_case(team, investigator):
    case = CaseFactory(team=team, created_by=investigator, reference="UA-2022-0101", title="Shelling of Saltivka")
    case.places.add(PlaceFactory(name="Kharkiv", latitude="49.993500", longitude="36.230400", precision="settlement"))
    return case


@pytest.fixture
def photo(kharkiv_case, investigator):
    """A photo filed with its EXIF GPS, sealed by the real pipeline (tasks run in-process)."""
    item = evidence_register(actor=investigator, case=kharkiv_case, kind="image", title="Crater by block 12",
                             file=SimpleUploadedFile("crater.jpg", media.jpeg_with_gps(**SALTIVKA)))
    item.refresh_from_db()
    assert item.state == "sealed" and item.capture_position_source == "exif_gps"
    return item


@pytest.fixture
def hidden_case(other_team):
    filer = staff("investigator", team=other_team)
    case = CaseFactory(team=other_team, created_by=filer, reference="UA-2022-0999", title="Secret site",
                       sensitivity=Case.Sensitivity.CONFIDENTIAL)
    case.places.add(PlaceFactory(name="Hiddenville", latitude="47.100000", longitude="37.500000"))
    return case


def markers(page, kind: str):
    return page.locator(f".leaflet-marker-icon.evidence-map-{kind}-marker")


def test_the_case_page_shows_its_place_and_the_photos_gps_with_popups_and_no_tiles(
        page, live_server, investigator, kharkiv_case, photo):
    page.emulate_media(reduced_motion="reduce")  # popups without fading, for the screenshots
    sign_in(page, live_server, investigator)
    page.goto(admin_url(live_server, f"catalogue/case/{kharkiv_case.pk}/change/"))
    page.locator("#case-map").scroll_into_view_if_needed()
    assert markers(page, "place").count() == 1 and markers(page, "exhibit").count() == 1
    markers(page, "exhibit").click()
    popup = page.locator(".leaflet-popup-content")
    assert f"{photo.exhibit} — Crater by block 12" in popup.inner_text()
    assert "EXIF GPS in the file" in popup.inner_text()
    assert popup.locator("a").get_attribute("href") == f"/admin/evidence/evidenceitem/{photo.pk}/change/"
    keep_screenshot(page, "map-case-page")
    page.locator(".leaflet-popup-close-button").click()
    page.locator(".leaflet-popup").wait_for(state="detached")
    markers(page, "place").click()
    assert "Place: Kharkiv" in page.locator(".leaflet-popup-content").inner_text()
    # The coordinates read without the map too, and nothing was asked of a tile server.
    table = page.locator("#case-map ~ .evidence-map-table").inner_text()
    assert "50.025000" in table and "36.290000" in table and "49.993500" in table
    assert page.locator(".leaflet-tile").count() == 0 and page.locator(".leaflet-tile-pane img").count() == 0
    assert page.locator(".evidence-map-no-tiles").is_visible()
    assert page.locator(".evidence-map-grid-step").inner_text().startswith("Grid lines every")
    # The map and its table fit the page's width (the sources inline's own overflow is another matter).
    panel = page.locator(".evidence-map-panel").bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= page.viewport_size["width"]


def test_the_item_page_shows_the_capture_position_and_its_map(page, live_server, investigator, photo):
    page.emulate_media(reduced_motion="reduce")  # popups without fading, for the screenshots
    sign_in(page, live_server, investigator)
    page.goto(admin_url(live_server, f"evidence/evidenceitem/{photo.pk}/change/"))
    words = page.locator(".evidence-capture-position").first
    words.scroll_into_view_if_needed()
    assert "50.025000, 36.290000: Exact point, from EXIF GPS in the file" in words.inner_text()
    assert markers(page, "exhibit").count() == 1
    keep_screenshot(page, "map-item-page")


def test_the_map_of_cases_shows_only_cases_this_investigator_may_see(
        page, live_server, investigator, kharkiv_case, photo, hidden_case):
    page.emulate_media(reduced_motion="reduce")  # popups without fading, for the screenshots
    sign_in(page, live_server, investigator)
    page.goto(admin_url(live_server, "catalogue/case/"))
    page.get_by_role("link", name="Map of cases").click()
    page.wait_for_url("**/admin/catalogue/case/map/")
    assert markers(page, "place").count() == 1 and markers(page, "exhibit").count() == 1
    markers(page, "place").click()
    popup = page.locator(".leaflet-popup-content")
    assert "UA-2022-0101 — Shelling of Saltivka" in popup.inner_text()
    assert popup.locator("a").get_attribute("href") == f"/admin/catalogue/case/{kharkiv_case.pk}/change/"
    content = page.content()
    assert "Hiddenville" not in content and "UA-2022-0999" not in content and "47.1" not in content
    assert page.locator(".leaflet-tile").count() == 0
    keep_screenshot(page, "map-of-cases")


class _TileServer:
    """A tile server on this machine: a small PNG for every tile asked for, and the paths asked."""

    def __init__(self):
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (256, 256), (214, 228, 200)).save(buffer, "PNG")
        tile, asked = buffer.getvalue(), []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                asked.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *args):
                pass

        self.asked = asked
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/tiles/{{z}}/{{x}}/{{y}}.png"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tile_server():
    server = _TileServer()
    yield server
    server.close()


def test_with_a_tile_server_named_the_map_draws_its_tiles_and_only_its(
        page, live_server, settings, tile_server, investigator, kharkiv_case, photo):
    settings.MAP_TILE_URL = tile_server.url
    settings.MAP_TILE_ATTRIBUTION = "Tiles: our own server"
    page.emulate_media(reduced_motion="reduce")  # popups without fading, for the screenshots
    sign_in(page, live_server, investigator)
    page.goto(admin_url(live_server, "catalogue/case/map/"))
    page.locator(".leaflet-tile-loaded").first.wait_for()
    assert tile_server.asked and all(path.startswith("/tiles/") and path.endswith(".png")
                                     for path in tile_server.asked)
    assert "Tiles: our own server" in page.locator(".leaflet-control-attribution").inner_text()
    assert markers(page, "place").count() == 1 and markers(page, "exhibit").count() == 1
    keep_screenshot(page, "map-of-cases-with-local-tiles")
