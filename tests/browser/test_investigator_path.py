"""The investigator's whole path in one go, as issue 13 lists it: sign in, file a case, drop files
into it, see them sealed, open one and see its preview, its place on the map and its custody badge.
And a newcomer's first look: the demonstration data's sealed exhibits, on the map and in the admin."""

from __future__ import annotations

import hashlib

from django.core.management import call_command

from catalogue.models import Case
from evidence.models import EvidenceItem
from tests import pipeline_media as media
from tests.admin_pages import staff
from tests.browser.conftest import keep_screenshot
from tests.browser.helpers import admin_url, sign_in


def test_sign_in_file_a_case_drop_files_and_follow_a_sealed_photo(page, live_server, team, tmp_path):
    investigator = staff("investigator", team=team)
    sign_in(page, live_server, investigator)

    # File the case.
    page.goto(admin_url(live_server, "catalogue/case/add/"))
    page.fill("#id_title", "Strike on a residential block in Kyiv")
    page.fill("#id_summary", "Two impacts at dawn; residents' photos attached.")
    page.fill("#id_incident_start", "2022-03-30")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    case = Case.objects.get(title="Strike on a residential block in Kyiv")
    assert case.reference.startswith("UA-2022-")

    # Drop a folder of two files into it from the case's page.
    folder = tmp_path / "from-the-scene"
    folder.mkdir()
    photo = media.jpeg_with_gps()  # EXIF GPS 50.4501, 30.5234 (Kyiv)
    (folder / "block.jpg").write_bytes(photo)
    (folder / "note.txt").write_bytes(b"Two impacts, about a minute apart.\n")
    page.goto(admin_url(live_server, f"catalogue/case/{case.pk}/change/"))
    page.click("a.upload-files-link")
    page.wait_for_selector("#upload-app[data-ready='true']", state="attached")  # upload.js listens
    page.set_input_files("#upload-folder", str(folder))
    for name in ("block.jpg", "note.txt"):
        page.wait_for_selector(f'#upload-list tr[data-path="from-the-scene/{name}"][data-state="sealed"]')
    keep_screenshot(page, "path-dropped-and-sealed")

    item = EvidenceItem.objects.get(case=case, original_filename="from-the-scene/block.jpg")
    assert item.state == EvidenceItem.State.SEALED and item.sha256 == hashlib.sha256(photo).hexdigest()

    # Open the photo from its row: preview, capture position from its GPS, custody badge.
    page.locator('#upload-list tr[data-path="from-the-scene/block.jpg"] a.upload-item-link').click()
    page.wait_for_url(f"**/admin/evidence/evidenceitem/{item.pk}/change/")
    page.wait_for_function("document.querySelector('img.exhibit-thumbnail')?.complete")
    assert page.locator("img.exhibit-thumbnail").evaluate("img => img.naturalWidth") > 0
    assert page.locator(".custody-badge").get_attribute("data-state") in {"intact", "pending"}
    assert "50.45" in page.locator("#content").inner_text()  # the capture position read from the GPS
    keep_screenshot(page, "path-sealed-photo")

    # Back on the case: the photo is a marker on its map, and its popup names the exhibit.
    page.goto(admin_url(live_server, f"catalogue/case/{case.pk}/change/"))
    marker = page.locator(".leaflet-marker-icon.evidence-map-exhibit-marker")
    marker.first.wait_for()
    assert marker.count() == 1
    marker.first.click()
    assert item.exhibit in page.locator(".leaflet-popup-content").inner_text()
    keep_screenshot(page, "path-case-map")


def test_a_newcomer_opens_the_demonstration_exhibits(page, live_server, team):
    """`make run` loads the seed: its generated exhibits are sealed, previewed and on the map."""
    call_command("seed", verbosity=0)
    demo = Case.objects.get(reference="DEMO-2022-0001")
    investigator = staff("investigator", team=demo.team)
    sign_in(page, live_server, investigator)

    page.goto(admin_url(live_server, f"catalogue/case/{demo.pk}/change/"))
    page.locator(".leaflet-marker-icon.evidence-map-exhibit-marker").first.wait_for()
    pictures = EvidenceItem.objects.filter(case=demo, kind="image")
    assert pictures.count() == 3 and all(item.state == EvidenceItem.State.SEALED for item in pictures)
    assert page.locator(".leaflet-marker-icon.evidence-map-exhibit-marker").count() == 3
    keep_screenshot(page, "demo-case-map")

    first = pictures.order_by("number").first()
    page.goto(admin_url(live_server, f"evidence/evidenceitem/{first.pk}/change/"))
    page.wait_for_function("document.querySelector('img.exhibit-thumbnail')?.complete")
    assert page.locator("img.exhibit-thumbnail").evaluate("img => img.naturalWidth") > 0
    keep_screenshot(page, "demo-exhibit")
