"""The investigator's path, "drop files, see them sealed": a folder dropped into a case, each file
with its progress bar, filed as an item and sealed, with a link to it; a large file that loses
its connection, or the page, goes on from what the server holds and ends with the right digest."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from PIL import Image

from evidence.models import EvidenceItem, ResumableUpload
from tests.admin_pages import staff
from tests.browser.conftest import keep_screenshot
from tests.browser.helpers import admin_url, sign_in
from tests.factories import CaseFactory

PIECE = 64 * 1024


@pytest.fixture
def investigator(team):
    return staff("investigator", team=team)


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator, reference="UA-2022-0107",
                       title="Shelling of a residential block, Saltivka, Kharkiv")


def png(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def folder(tmp_path):
    """A folder as an investigator brings it back: photos and a note."""
    root = tmp_path / "saltivka-2022-03-16"
    (root / "photos").mkdir(parents=True)
    files = {
        "photos/block-7-north.png": png((180, 40, 40)),
        "photos/block-7-south.png": png((40, 40, 180)),
        "witness-note.txt": "Heard three impacts at 08:15 local time.\n".encode(),
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    return root, {f"{root.name}/{name}": data for name, data in files.items()}


def rows(page):
    return page.locator("#upload-list tbody tr.upload-row")


def row_for(page, path):
    return page.locator(f'#upload-list tr.upload-row[data-path="{path}"]')


def open_drop_zone(page, live_server, case):
    """From the case page, as the investigator would get there."""
    page.goto(admin_url(live_server, f"catalogue/case/{case.pk}/change/"))
    page.click("a.upload-files-link")
    wait_until_listening(page)


def wait_until_listening(page):
    """upload.js is deferred: the zone is on the page before it listens, and a file chosen in
    between would be chosen into nothing."""
    page.wait_for_selector("#upload-app[data-ready='true']", state="attached")


def test_the_investigator_drops_a_folder_and_sees_each_file_sealed(page, live_server, investigator, case, folder):
    root, files = folder
    sign_in(page, live_server, investigator)
    open_drop_zone(page, live_server, case)
    assert case.reference in page.locator("#content").inner_text()
    keep_screenshot(page, "upload-empty")

    page.set_input_files("#upload-folder", str(root))

    for path in files:
        row_for(page, path).wait_for()
    assert rows(page).count() == 3
    for path in files:
        page.wait_for_selector(f'#upload-list tr[data-path="{path}"][data-state="sealed"]')
    keep_screenshot(page, "upload-folder-sealed")

    items = {item.original_filename: item for item in EvidenceItem.objects.filter(case=case)}
    assert set(items) == set(files)
    for path, data in files.items():
        item = items[path]
        assert item.state == EvidenceItem.State.SEALED
        assert item.sha256 == hashlib.sha256(data).hexdigest()
        row = row_for(page, path)
        assert row.locator("progress").get_attribute("value") == str(len(data))
        assert row.locator(".upload-percent").inner_text() == "100%"
        assert row.locator(".upload-sha256").inner_text() == item.sha256
        assert row.locator("a.upload-item-link").inner_text() == item.exhibit
    assert items[f"{root.name}/photos/block-7-north.png"].kind == "image"
    assert items[f"{root.name}/witness-note.txt"].kind == "document"
    assert "3" in page.locator("#upload-summary").inner_text()
    # Nothing cut off or scrolled sideways at 1400 px.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    row_for(page, f"{root.name}/witness-note.txt").locator("a.upload-item-link").click()
    page.wait_for_url(f"**/admin/evidence/evidenceitem/{items[f'{root.name}/witness-note.txt'].pk}/change/")


def test_files_dropped_on_the_zone_are_filed_and_a_repeat_is_flagged(page, live_server, investigator, case):
    sign_in(page, live_server, investigator)
    open_drop_zone(page, live_server, case)
    drop = """([names, text]) => {
        const transfer = new DataTransfer();
        for (const name of names) { transfer.items.add(new File([text], name, {type: "text/plain"})); }
        const zone = document.getElementById("upload-drop");
        zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }"""
    page.evaluate(drop, [["statement-a.txt", "statement-b.txt"], "The same statement, twice."])
    page.wait_for_selector('tr[data-path="statement-a.txt"][data-state="sealed"]')
    page.wait_for_selector('tr[data-path="statement-b.txt"][data-state="sealed"]')
    first = EvidenceItem.objects.get(case=case, original_filename="statement-a.txt")
    # The second holds the same bytes: the page says so and links the item already held.
    warning = row_for(page, "statement-b.txt").locator(".upload-duplicate")
    assert first.exhibit in warning.inner_text()
    assert warning.locator("a").get_attribute("href").endswith(f"/evidenceitem/{first.pk}/change/")
    keep_screenshot(page, "upload-drop-duplicate")


@pytest.fixture
def big_file(tmp_path, settings):
    settings.EVIDENCE_UPLOAD_CHUNK_SIZE = PIECE
    data = os.urandom(5 * PIECE + 1234)  # six pieces
    path = tmp_path / "drone-footage.mp4"
    path.write_bytes(data)
    return path, data


def patches(page) -> list[int]:
    """The Upload-Offset of every piece the page sends, in order."""
    sent: list[int] = []
    page.on("request", lambda r: sent.append(int(r.headers["upload-offset"])) if r.method == "PATCH" else None)
    return sent


def test_a_large_file_whose_connection_drops_resumes_from_the_servers_offset(page, live_server, investigator,
                                                                            case, big_file):
    path, data = big_file
    sign_in(page, live_server, investigator)
    open_drop_zone(page, live_server, case)
    sent = patches(page)
    dropped = {"done": False}

    def lose_one_answer(route):
        # The third piece reaches the server, but its answer never reaches the browser.
        if route.request.method == "PATCH" and route.request.headers["upload-offset"] == str(2 * PIECE) \
                and not dropped["done"]:
            dropped["done"] = True
            route.fetch()
            route.abort("connectionreset")
        else:
            route.fallback()

    page.route("**/upload/files/*/", lose_one_answer)
    page.set_input_files("#upload-files", str(path))
    page.wait_for_selector('tr[data-path="drone-footage.mp4"][data-state="sealed"]', timeout=30_000)
    keep_screenshot(page, "upload-resumed-sealed")

    assert dropped["done"]
    # After the lost answer the page asked the server, which held three pieces, and went on from there.
    assert sent == [0, PIECE, 2 * PIECE, 3 * PIECE, 4 * PIECE, 5 * PIECE]
    item = EvidenceItem.objects.get(case=case)
    assert item.sha256 == hashlib.sha256(data).hexdigest() and item.size == len(data)
    assert row_for(page, "drone-footage.mp4").locator(".upload-sha256").inner_text() == item.sha256
    assert ResumableUpload.objects.get().item == item


def test_a_large_file_goes_on_after_the_page_is_reloaded(page, live_server, investigator, case, big_file):
    path, data = big_file
    sign_in(page, live_server, investigator)
    open_drop_zone(page, live_server, case)
    held = {"pieces": 0}

    def cut_after_two(route):
        # The connection goes after two pieces; the investigator reloads the page.
        if route.request.method == "PATCH":
            if held["pieces"] >= 2:
                route.abort("connectionreset")
                return
            held["pieces"] += 1
        route.fallback()

    page.route("**/upload/files/*/", cut_after_two)
    page.set_input_files("#upload-files", str(path))
    page.wait_for_selector('tr[data-path="drone-footage.mp4"][data-state="resuming"]')
    assert ResumableUpload.objects.get().offset == 2 * PIECE
    keep_screenshot(page, "upload-interrupted")
    assert EvidenceItem.objects.count() == 0  # half a file is no item

    # Reload while the connection is still cut: the old page retries while "resuming", and a retry
    # let through before the reload would move the server's offset under the test.
    page.reload()
    wait_until_listening(page)
    page.unroute("**/upload/files/*/")
    assert ResumableUpload.objects.get().offset == 2 * PIECE
    sent = patches(page)
    page.set_input_files("#upload-files", str(path))  # the same file dropped again
    page.wait_for_selector('tr[data-path="drone-footage.mp4"][data-state="sealed"]', timeout=30_000)
    keep_screenshot(page, "upload-after-reload-sealed")

    assert sent[0] == 2 * PIECE  # not from the start: from what the server held
    item = EvidenceItem.objects.get(case=case)
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert ResumableUpload.objects.count() == 1
