"""Seeing and following an exhibit in the admin: the investigator's preview, viewer and player;
the custody timeline with its hashes and badge; the reviewer's and the legal user's Verify now;
the legal user's read-only page and download."""

from __future__ import annotations

import hashlib

import pytest

from catalogue.models import Case
from evidence.models import CustodyEvent
from tests.admin_pages import staff
from tests.browser.conftest import VIEWPORT, keep_screenshot
from tests.browser.helpers import admin_url, sign_in
from tests.exhibits import file_demo_exhibits
from tests.factories import CaseFactory


@pytest.fixture
def exhibits(team):
    filer = staff("investigator", team=team)
    case = CaseFactory(team=team, created_by=filer, reference="UA-2022-0013", sensitivity=Case.Sensitivity.RESTRICTED)
    items = file_demo_exhibits(actor=filer, case=case)
    assert {item.state for item in items.values()} == {"sealed"}
    return {"filer": filer, "case": case, **items}


def item_page(live_server, item) -> str:
    return admin_url(live_server, f"evidence/evidenceitem/{item.pk}/change/")


def within_viewport(box) -> bool:
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"]


def test_investigator_sees_the_picture_its_metadata_and_follows_its_custody(page, live_server, exhibits):
    picture = exhibits["demo-kyiv.jpg"]
    sign_in(page, live_server, exhibits["filer"])
    page.goto(item_page(live_server, picture))

    thumbnail = page.locator("img.exhibit-thumbnail")
    thumbnail.wait_for()
    page.wait_for_function("document.querySelector('img.exhibit-thumbnail').complete")
    assert thumbnail.evaluate("img => img.naturalWidth") > 0
    metadata = page.locator(".exhibit-metadata")
    assert "50.450100° N" in metadata.inner_text() and "30.523400° E" in metadata.inner_text()
    assert page.locator(".exhibit-download").is_visible()

    # The preview just shown is recorded (once: a reload within the window adds nothing).
    page.reload()
    page.locator("img.exhibit-thumbnail").wait_for()
    badge = page.locator(".custody-badge")
    assert badge.get_attribute("data-state") in {"intact", "pending"}
    # Every entry's hash is on the page, whole, inside the 1400 px window: nothing cut off.
    hashes = page.locator("code.custody-entry-hash")
    assert hashes.count() == CustodyEvent.objects.filter(item=picture).count()
    last = hashes.last
    last.scroll_into_view_if_needed()
    assert last.inner_text().strip() == CustodyEvent.objects.filter(item=picture).order_by("-seq").first().entry_hash
    assert within_viewport(last.bounding_box())
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
    assert "preview shown" in page.locator(".custody-timeline").inner_text()
    assert CustodyEvent.objects.filter(item=picture, action="dissemination").count() == 1
    assert not page.locator("button.custody-verify").count()  # investigators verify through the API only
    keep_screenshot(page, "exhibit-image-investigator")


def test_investigator_reads_the_pdf_in_the_page_and_plays_the_audio(page, live_server, exhibits):
    sign_in(page, live_server, exhibits["filer"])
    page.goto(item_page(live_server, exhibits["demo-notice.pdf"]))
    frame = page.locator("iframe.exhibit-pdf")
    frame.wait_for()
    assert within_viewport(frame.bounding_box())
    # The frame holds the PDF, served same-origin and inline (not a download, not refused by CSP).
    with page.expect_response(lambda r: "/inline/" in r.url) as answered:
        page.reload()
    response = answered.value
    assert response.status in (200, 206) and response.headers["content-type"] == "application/pdf"
    # The frame navigated to the PDF itself (a frame refused by CSP or X-Frame-Options stays on an error page).
    assert any(frame.url.endswith(f"{exhibits['demo-notice.pdf'].pk}/inline/") for frame in page.frames)
    page.wait_for_timeout(2000)  # for the screenshot only: the browser's viewer draws the page
    assert "Demonstration notice" in page.locator(".exhibit-metadata").inner_text()
    keep_screenshot(page, "exhibit-pdf-investigator")

    page.goto(item_page(live_server, exhibits["demo-tone.wav"]))
    audio = page.locator("audio.exhibit-audio")
    audio.wait_for()
    page.wait_for_function("document.querySelector('audio.exhibit-audio').readyState >= 1")
    assert audio.evaluate("a => a.duration") == pytest.approx(3.0, abs=0.05)
    assert "0:00:03" in page.locator(".exhibit-metadata").inner_text()
    keep_screenshot(page, "exhibit-audio-investigator")
    views = CustodyEvent.objects.filter(item=exhibits["demo-tone.wav"], action="dissemination")
    assert views.count() == 1 and views.get().details["view"] == "inline"  # one entry for all its byte ranges


@pytest.mark.parametrize("role", ["reviewer", "legal"])
def test_a_reviewer_or_legal_user_presses_verify_now_and_reads_the_result(page, live_server, exhibits, role):
    person = staff(role, team=exhibits["case"].team)
    picture = exhibits["demo-chernihiv.jpg"]
    sign_in(page, live_server, person)
    page.goto(item_page(live_server, picture))
    page.click("button.custody-verify")
    message = page.locator(".messagelist .success")
    message.wait_for()
    assert f"{picture.exhibit} verified" in message.inner_text()
    assert "custody chain intact" in message.inner_text()
    fixity = CustodyEvent.objects.filter(item=picture, action="fixity_check").order_by("-seq").first()
    assert fixity.actor == f"user:{person.username}" and fixity.details["check"] == "on request"
    keep_screenshot(page, f"exhibit-verify-now-{role}")


def test_legal_user_reads_the_item_without_write_controls_and_downloads_it(page, live_server, exhibits):
    legal = staff("legal", team=exhibits["case"].team)
    picture = exhibits["demo-mariupol.jpg"]
    sign_in(page, live_server, legal)
    page.goto(item_page(live_server, picture))
    assert not page.locator("input[name=_save], input[name=_continue], input[name=_addanother]").count()
    assert not page.locator("input[name=title], textarea[name=description]").count()
    assert page.locator("img.exhibit-thumbnail").evaluate("img => img.naturalWidth") > 0
    keep_screenshot(page, "exhibit-legal-read-only")

    before = CustodyEvent.objects.filter(item=picture, action="dissemination", details__view="download").count()
    with page.expect_download() as downloading:
        page.click("a.exhibit-download")
    download = downloading.value
    data = open(download.path(), "rb").read()
    assert hashlib.sha256(data).hexdigest() == picture.sha256
    assert download.suggested_filename == "UA-2022-0013_E003.jpg"
    entries = CustodyEvent.objects.filter(item=picture, action="dissemination", details__view="download")
    assert entries.count() == before + 1
    assert entries.order_by("-seq").first().actor == f"user:{legal.username}"
