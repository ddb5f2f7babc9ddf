"""The item page's exhibit: previews made by the worker, downloads, players and previews each a
dissemination entry, the visibility rule, refused tampering, the custody timeline, the integrity
badge and Verify now."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse

from catalogue.models import Case
from evidence import chain_status, pipeline, previews, signing, storage
from evidence.models import CustodyEvent, EvidenceItem
from tests import db_guards
from tests.admin_pages import login, messages_of, staff
from tests.exhibits import file_demo_exhibits
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.usefixtures("eager_celery")
JPEG, PDF, WAV = "demo-kyiv.jpg", "demo-notice.pdf", "demo-tone.wav"


@pytest.fixture
def filer(team):
    return staff("investigator", team)


@pytest.fixture
def case(team, filer):
    return CaseFactory(team=team, created_by=filer, reference="UA-2022-0013", sensitivity=Case.Sensitivity.RESTRICTED)


@pytest.fixture
def items(case, filer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the pipeline and the preview worker, in-process
        filed = file_demo_exhibits(actor=filer, case=case)
    for item in filed.values():
        item.refresh_from_db()
    assert {item.state for item in filed.values()} == {"sealed"}
    return filed


def url(name: str, item: EvidenceItem) -> str:
    return reverse(f"admin:evidence_evidenceitem_{name}", args=[item.pk])


def views(item: EvidenceItem, view: str | None = None):
    found = CustodyEvent.objects.filter(item=item, action=CustodyEvent.Action.DISSEMINATION)
    return found.filter(details__view=view) if view else found


def read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def overwrite_stored(item: EvidenceItem, data: bytes) -> None:
    """What an intruder on the storage host can do: change the bytes under the digest's name."""
    path = storage.local_path(storage.content_name(item.sha256))
    os.chmod(path, 0o640)
    with open(path, "wb") as handle:
        handle.write(data)


# --- previews ---------------------------------------------------------------


def test_the_worker_makes_a_thumbnail_stored_by_its_digest_and_leaves_the_original_untouched(items):
    picture = items[JPEG]
    original = read(storage.content_name(picture.sha256))
    entry = previews.thumbnail_of(picture)
    assert entry.outcome == "success" and entry.actor == previews.PREVIEW_AGENT
    details = entry.details
    assert details["source_sha256"] == picture.sha256 and details["note"] == previews.NOTE
    thumb = read(details["object"])
    assert details["object"] == storage.content_name(details["sha256"])
    assert hashlib.sha256(thumb).hexdigest() == details["sha256"] and len(thumb) == details["size"]
    assert details["sha256"] != picture.sha256 and max(details["width"], details["height"]) <= 640
    assert hashlib.sha256(original).hexdigest() == picture.sha256
    picture.refresh_from_db()
    assert picture.sha256 == hashlib.sha256(original).hexdigest() and picture.state == "sealed"


def test_making_previews_again_changes_nothing(items):
    picture = items[JPEG]
    before = CustodyEvent.objects.filter(item=picture).count()
    assert previews.make_previews(str(picture.pk)) == "done before"
    assert previews.make_previews(str(items[PDF].pk)) == "none needed"
    assert CustodyEvent.objects.filter(item=picture).count() == before


def test_a_preview_is_refused_when_the_stored_bytes_are_not_what_was_sealed(case, filer,
                                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # sealed below, by the pipeline alone
        item = file_demo_exhibits(actor=filer, case=case, only={JPEG})[JPEG]
    assert pipeline.ingest(str(item.pk)) == "sealed"
    item.refresh_from_db()
    overwrite_stored(item, b"not the picture that was sealed")
    outcome = previews.make_previews(str(item.pk))
    assert outcome.startswith("refused")
    assert previews.thumbnail_of(item) is None
    failed = CustodyEvent.objects.filter(item=item, action="fixity_check").get()
    assert failed.outcome == "failure" and failed.details["check"] == "before making a preview"
    item.refresh_from_db()
    assert item.state == "quarantined"


# --- seeing the bytes: dissemination entries ----------------------------------


def test_a_preview_shown_is_one_dissemination_entry_however_often_it_is_asked_for(client, filer, items):
    picture = items[JPEG]
    login(client, filer)
    for _ in range(3):
        answer = client.get(url("thumbnail", picture))
        assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
    entry = views(picture).get()
    assert entry.details["view"] == "preview" and entry.details["via"] == "admin"
    assert entry.details["repeat_window_seconds"] == 600 and entry.actor == f"user:{filer.username}"
    assert hashlib.sha256(answer.content).hexdigest() == entry.details["preview_sha256"]


def test_a_player_asking_for_many_ranges_is_one_entry_and_gets_partial_content(client, filer, items):
    tone = items[WAV]
    login(client, filer)
    first = client.get(url("inline", tone), HTTP_RANGE="bytes=0-99")
    assert first.status_code == 206 and first["Content-Range"] == f"bytes 0-99/{tone.size}"
    assert first["Content-Disposition"].startswith("inline")
    assert first["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in first["Content-Security-Policy"]
    body = b"".join(first.streaming_content)
    assert len(body) == 100
    client.get(url("inline", tone), HTTP_RANGE="bytes=100-")
    assert views(tone).count() == 1 and views(tone).get().details["view"] == "inline"


def test_every_download_is_recorded_and_sends_the_exhibits_bytes(client, filer, items):
    document = items[PDF]
    login(client, filer)
    for expected in (1, 2):
        answer = client.get(url("download", document))
        assert answer.status_code == 200 and answer["Content-Disposition"].startswith("attachment")
        assert hashlib.sha256(b"".join(answer.streaming_content)).hexdigest() == document.sha256
        assert views(document, "download").count() == expected


def test_the_item_page_stays_strict_and_the_inline_view_shows_only_what_a_browser_cannot_run(client, filer, items):
    login(client, filer)
    page = client.get(url("change", items[PDF]))
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert client.get(url("inline", items[JPEG])).status_code == 404  # pictures are shown by their preview only
    assert not views(items[JPEG]).exists()


@pytest.mark.parametrize("door", ["download", "inline", "thumbnail", "change"])
def test_someone_who_cannot_see_the_case_gets_a_404_and_nothing_is_recorded(client, other_team, items, door):
    stranger = staff("legal", other_team)
    login(client, stranger)
    item = items[JPEG] if door in ("thumbnail", "change") else items[WAV]
    answer = client.get(url(door, item))
    assert answer.status_code in (302, 404)
    if answer.status_code == 302:  # the admin's own answer for an object you may not see
        assert "/admin/" in answer["Location"] and str(item.pk) not in answer["Location"]
    assert not views(item).exists()


def test_an_unknown_id_is_a_404(client, filer, items):
    login(client, filer)
    assert client.get("/admin/evidence/evidenceitem/not-a-uuid/download/").status_code == 404


def test_tampered_digests_are_refused_with_a_clear_message_and_nothing_leaves(committed_db, client, filer, items):
    document = items[PDF]
    table = EvidenceItem._meta.db_table
    key = str(document.pk) if connection.vendor == "postgresql" else document.pk.hex
    db_guards.tamper(f"UPDATE {table} SET sha256 = %s WHERE id = %s", ["0" * 64, key])
    login(client, filer)
    answer = client.get(url("download", document))
    assert answer.status_code == 302
    assert any("disagree with its custody record" in m for m in messages_of(answer))
    assert client.get(url("inline", document)).status_code == 409
    page = client.get(url("change", document))
    assert "disagree with its custody record" in page.content.decode()
    assert page.context["chain_status"].state == chain_status.BROKEN
    assert not views(document).exists()


def test_bytes_changed_in_the_store_are_refused_and_the_item_quarantined(client, filer, items):
    tone = items[WAV]
    overwrite_stored(tone, b"RIFF forged")
    login(client, filer)
    answer = client.get(url("download", tone))
    assert answer.status_code == 302
    assert any("do not match the digest proven at sealing" in m for m in messages_of(answer))
    tone.refresh_from_db()
    assert tone.state == "quarantined"
    assert CustodyEvent.objects.filter(item=tone, action="fixity_check", outcome="failure").count() == 1
    assert not views(tone).exists()


# --- the page: metadata, timeline, badge ------------------------------------------


def test_the_page_shows_metadata_as_tables_and_the_custody_log_as_a_timeline(client, filer, items):
    picture = items[JPEG]
    login(client, filer)
    page = client.get(url("change", picture))
    html = page.content.decode()
    assert "50.450100° N" in html and "30.523400° E" in html
    assert '"gps"' not in html  # no raw JSON dump of the metadata
    assert "Digests calculated" in html and "Preview made (a display copy, not the exhibit)" in html
    for entry in CustodyEvent.objects.filter(item=picture):
        assert f'<code class="custody-entry-hash">{entry.entry_hash}</code>' in html
    assert "UTC+00:00" in html
    tone_page = client.get(url("change", items[WAV])).content.decode()
    assert "0:00:03" in tone_page and "Microsoft Pulse Code Modulation" in tone_page


def test_an_entry_nobody_dated_says_time_unknown(client, filer, case):
    from evidence.services import evidence_register

    item = evidence_register(actor=filer, case=case, kind="document", title="Memo", held_by="SBU",
                             captured_by="a witness")
    login(client, filer)
    html = client.get(url("change", item)).content.decode()
    assert "time unknown" in html and "Captured" in html


def test_the_badge_is_pending_until_a_head_is_signed_then_intact(items, own_ledger):
    picture = items[JPEG]
    assert chain_status.item_chain_status(picture).state == chain_status.PENDING
    signing.sign_tree_head(force=True)
    status = chain_status.item_chain_status(picture)
    assert status.state == chain_status.INTACT, status.problems


def test_the_badge_says_broken_when_an_entry_was_rewritten(committed_db, client, filer, items):
    picture = items[JPEG]
    db_guards.rewrite_custody_details(picture, 1, json.dumps({"via": "forged"}))
    status = chain_status.item_chain_status(picture)
    assert status.state == chain_status.BROKEN
    assert any("entry 1" in problem for problem in status.problems)
    login(client, filer)
    html = client.get(url("change", picture)).content.decode()
    assert 'data-state="broken"' in html


# --- Verify now ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reviewer", "legal"])
def test_reviewers_and_legal_staff_verify_now_and_read_the_result(client, team, items, role):
    person = staff(role, team)
    picture = items[JPEG]
    login(client, person)
    page = client.get(url("change", picture))
    assert 'class="button custody-verify"' in page.content.decode()
    answer = client.post(url("verify", picture), follow=True)
    said = messages_of(answer)
    assert any(f"{picture.exhibit} verified" in m and "custody chain intact" in m for m in said), said
    entry = CustodyEvent.objects.filter(item=picture, action="fixity_check").get()
    assert entry.actor == f"user:{person.username}" and entry.details["via"] == "admin"


def test_investigators_are_not_offered_verify_now_and_cannot_post_it(client, filer, items):
    login(client, filer)
    assert "custody-verify" not in client.get(url("change", items[JPEG])).content.decode()
    assert client.post(url("verify", items[JPEG])).status_code == 403
    assert not CustodyEvent.objects.filter(item=items[JPEG], action="fixity_check").exists()


def test_verify_now_needs_a_post_with_a_csrf_token(client, team, items):
    person = staff("reviewer", team)
    careful = client
    login(careful, person)
    careful.handler.enforce_csrf_checks = True  # as a browser's request without the page's token
    assert careful.post(url("verify", items[JPEG])).status_code == 403
    assert careful.get(url("verify", items[JPEG])).status_code == 405
    assert not CustodyEvent.objects.filter(item=items[JPEG], action="fixity_check").exists()


def test_verify_now_shares_the_apis_per_item_limit(client, team, items, settings):
    settings.EVIDENCE_VERIFY_PER_ITEM_PER_MINUTE = 1
    person = staff("legal", team)
    login(client, person)
    client.post(url("verify", items[JPEG]))
    answer = client.post(url("verify", items[JPEG]), follow=True)
    assert any("verified 1 times in this minute" in m for m in messages_of(answer))
    assert CustodyEvent.objects.filter(item=items[JPEG], action="fixity_check").count() == 1


def test_a_legal_user_reads_the_page_without_write_controls_and_downloads(client, team, items):
    legal = staff("legal", team)
    login(client, legal)
    html = client.get(url("change", items[JPEG])).content.decode()
    assert 'name="_save"' not in html and 'name="title"' not in html
    assert "Record an analysis or sign off" not in html
    assert "Download the exhibit" in html
    answer = client.get(url("download", items[JPEG]))
    assert answer.status_code == 200
    assert views(items[JPEG], "download").get().actor == f"user:{legal.username}"


def test_a_superuser_outside_every_team_is_still_refused_nothing_but_is_recorded(client, items):
    boss = UserFactory(is_staff=True, is_superuser=True)
    login(client, boss)
    assert client.get(url("download", items[PDF])).status_code == 200
    assert views(items[PDF], "download").get().actor == f"user:{boss.username}"


def test_a_video_gets_a_player_streaming_the_original_with_ranges(client, filer, case):
    from tests.factories import sealed_item

    clip = sealed_item(actor=filer, case=case, data=b"\x00\x00\x00\x18ftypmp42" + bytes(500), filename="clip.mp4")
    EvidenceItem.objects.filter(pk=clip.pk).update(media_type="video/mp4")
    login(client, filer)
    html = client.get(url("change", clip)).content.decode()
    assert f'<video class="exhibit-video" controls preload="metadata" src="{url("inline", clip)}">' in html
    answer = client.get(url("inline", clip), HTTP_RANGE="bytes=8-15")
    assert answer.status_code == 206 and b"".join(answer.streaming_content) == b"mp42" + bytes(4)
    assert answer["Content-Type"] == "video/mp4"


def test_a_kind_the_browser_could_run_is_never_shown_inline(client, filer, case):
    from tests.factories import sealed_item

    page = sealed_item(actor=filer, case=case, data=b"<script>alert(1)</script>", filename="page.html",
                       kind="webpage")
    EvidenceItem.objects.filter(pk=page.pk).update(media_type="text/html")
    login(client, filer)
    assert client.get(url("inline", page)).status_code == 404
    assert "is not shown in the browser" in client.get(url("change", page)).content.decode()
