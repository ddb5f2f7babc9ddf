"""Resumable uploads through the admin's drop zone: create, append pieces, resume after an
interruption, and file exactly one item when whole, as a single upload is filed."""

from __future__ import annotations

import hashlib
import io
import json
import os
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from evidence.models import CustodyEvent, EvidenceItem, ResumableUpload
from evidence.resumable import UploadError, expire_stale_uploads, kind_for, upload_append
from tests.admin_pages import login, staff
from tests.factories import CaseFactory

FILES = reverse("admin:evidence_upload_files")
PIECE = "application/offset+octet-stream"
DATA = os.urandom(2500)  # three pieces of 1000 bytes at most


@pytest.fixture(autouse=True)
def small_pieces(settings):
    settings.EVIDENCE_UPLOAD_CHUNK_SIZE = 1000


@pytest.fixture
def filer(team):
    return staff("investigator", team)


@pytest.fixture
def case(team, filer):
    return CaseFactory(team=team, created_by=filer, reference="UA-2022-0044", sensitivity="restricted")


@pytest.fixture
def filer_client(client, filer):
    login(client, filer)
    return client


SIZE = len(DATA)


def begin(client, case, *, size=SIZE, filename="IMG_0001.jpg", relative_path="kharkiv/IMG_0001.jpg", **more):
    return client.post(FILES, json.dumps({"case": case.pk, "filename": filename, "relative_path": relative_path,
                                          "size": size, **more}), content_type="application/json")


def patch(client, url, offset, data):
    return client.patch(url, data, content_type=PIECE, headers={"upload-offset": str(offset)})


def pieces_on_disk(upload_id) -> list[str]:
    try:
        return default_storage.listdir(f"uploads/{upload_id.hex}")[1]
    except FileNotFoundError:
        return []


def test_it_files_one_item_from_pieces_with_the_right_digest_and_custody(filer_client, case, filer,
                                                                        django_capture_on_commit_callbacks,
                                                                        eager_celery):
    created = begin(filer_client, case)
    assert created.status_code == 201, created.content
    url = created["Location"]
    assert created.json()["offset"] == 0 and created.json()["kind"] == "image"

    assert patch(filer_client, url, 0, DATA[:1000]).json()["offset"] == 1000
    assert patch(filer_client, url, 1000, DATA[1000:2000])["Upload-Offset"] == "2000"
    assert EvidenceItem.objects.count() == 0  # nothing is evidence until the last byte
    with django_capture_on_commit_callbacks(execute=True):
        done = patch(filer_client, url, 2000, DATA[2000:])
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["state"] == "complete" and body["offset"] == len(DATA)

    item = EvidenceItem.objects.get()
    assert body["item"]["exhibit"] == item.exhibit == "UA-2022-0044/E001"
    assert item.state == EvidenceItem.State.SEALED
    status = filer_client.get(url).json()["item"]  # what the page asks while it waits for the seal
    assert status["state"] == "sealed" and status["settled"] and status["duplicates"] == []
    assert item.sha256 == hashlib.sha256(DATA).hexdigest() == status["sha256"]
    assert item.size == len(DATA)
    assert item.original_filename == "kharkiv/IMG_0001.jpg" and item.title == "IMG_0001.jpg"
    assert item.created_by == filer and item.kind == "image"
    accession = CustodyEvent.objects.get(item=item, action=CustodyEvent.Action.ACCESSION)
    assert accession.actor_user == filer
    assert accession.details["original_filename"] == "kharkiv/IMG_0001.jpg"
    assert accession.details["received_bytes"] == len(DATA)
    assert accession.details["via"] == "admin"
    assert CustodyEvent.objects.filter(item=item, action=CustodyEvent.Action.MESSAGE_DIGEST_CALCULATION).exists()
    upload = ResumableUpload.objects.get()
    assert upload.item == item and upload.pieces == []
    assert pieces_on_disk(upload.pk) == []  # the staging pieces are gone once the item holds the bytes


def test_after_an_interruption_head_tells_the_offset_and_the_upload_resumes(filer_client, case, filer,
                                                                           django_capture_on_commit_callbacks,
                                                                           eager_celery):
    url = begin(filer_client, case)["Location"]
    patch(filer_client, url, 0, DATA[:1000])
    # The connection drops mid-piece: fewer bytes arrive than the piece claimed. (The test
    # client cannot send a short body, so the service reads one.)
    upload = ResumableUpload.objects.get()
    with pytest.raises(UploadError):
        upload_append(actor=filer, upload=upload, offset=1000, body=io.BytesIO(DATA[1000:1500]), length=1000,
                      via="admin")
    assert len(pieces_on_disk(upload.pk)) == 1  # nothing of the broken piece was kept
    head = filer_client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head["Upload-Offset"] == "1000" and head["Upload-Length"] == str(len(DATA))
    patch(filer_client, url, 1000, DATA[1000:2000])
    with django_capture_on_commit_callbacks(execute=True):
        done = patch(filer_client, url, 2000, DATA[2000:])
    assert done.status_code == 200
    assert filer_client.get(url).json()["item"]["sha256"] == hashlib.sha256(DATA).hexdigest()
    assert EvidenceItem.objects.count() == 1


def test_a_piece_at_the_wrong_offset_is_a_409_that_says_where_to_go_on(filer_client, case):
    url = begin(filer_client, case)["Location"]
    patch(filer_client, url, 0, DATA[:1000])
    again = patch(filer_client, url, 0, DATA[:1000])  # a retry of a piece whose answer was lost
    assert again.status_code == 409
    assert again.json()["code"] == "offset_mismatch" and again["Upload-Offset"] == "1000"
    ahead = patch(filer_client, url, 2000, DATA[2000:])
    assert ahead.status_code == 409
    assert ResumableUpload.objects.get().offset == 1000
    assert len(pieces_on_disk(ResumableUpload.objects.get().pk)) == 1


def test_too_large_files_and_pieces_are_413(filer_client, case, settings):
    settings.EVIDENCE_MAX_UPLOAD_SIZE = 2000
    assert begin(filer_client, case, size=2001).status_code == 413
    assert ResumableUpload.objects.count() == 0
    url = begin(filer_client, case, size=1500)["Location"]
    assert patch(filer_client, url, 0, DATA[:1001]).status_code == 413  # over the piece size
    patch(filer_client, url, 0, DATA[:1000])
    past = patch(filer_client, url, 1000, DATA[:600])  # past the declared size
    assert past.status_code == 413
    assert ResumableUpload.objects.get().offset == 1000


def test_bad_requests_are_refused_and_change_nothing(filer_client, case):
    assert begin(filer_client, case, size=0).status_code == 400
    assert begin(filer_client, case, size="many").status_code == 400
    assert begin(filer_client, case, filename="").status_code == 400
    assert begin(filer_client, case, relative_path="other.jpg").status_code == 400
    assert begin(filer_client, case, kind="rumour").status_code == 400
    assert begin(filer_client, case, filename="a\x00.jpg", relative_path="").status_code == 400
    assert filer_client.post(FILES, "[1]", content_type="application/json").status_code == 400
    assert ResumableUpload.objects.count() == 0
    url = begin(filer_client, case)["Location"]
    assert filer_client.patch(url, DATA[:10], content_type="application/octet-stream",
                              headers={"upload-offset": "0"}).status_code == 415
    assert filer_client.patch(url, DATA[:10], content_type=PIECE).status_code == 400
    assert ResumableUpload.objects.get().offset == 0


def test_only_the_person_who_began_an_upload_may_see_or_continue_it(client, filer_client, case, team):
    url = begin(filer_client, case)["Location"]
    colleague = staff("investigator", team)
    client.logout()
    login(client, colleague)
    assert client.head(url).status_code == 404
    assert patch(client, url, 0, DATA[:1000]).status_code == 404
    assert client.delete(url).status_code == 404
    assert ResumableUpload.objects.get().offset == 0


def test_only_investigators_who_may_file_on_the_case_may_begin(client, case, team):
    login(client, staff("legal", team))
    assert begin(client, case).status_code == 403
    assert client.get(reverse("admin:evidence_evidenceitem_upload") + f"?case={case.pk}").status_code == 403
    client.logout()
    login(client, staff("investigator", CaseFactory().team))  # another team: the restricted case is hidden
    assert begin(client, case).status_code == 404
    assert ResumableUpload.objects.count() == 0


def test_one_who_can_no_longer_see_the_case_cannot_go_on_and_nothing_is_filed(filer_client, case):
    url = begin(filer_client, case)["Location"]
    patch(filer_client, url, 0, DATA[:1000])
    case.team = CaseFactory().team
    case.save()
    refused = patch(filer_client, url, 1000, DATA[1000:2000])
    assert refused.status_code == 403
    assert EvidenceItem.objects.count() == 0


def test_an_abandoned_upload_expires_its_pieces_go_and_no_item_is_made(filer_client, case, settings,
                                                                      django_capture_on_commit_callbacks):
    settings.EVIDENCE_UPLOAD_EXPIRY_HOURS = 2
    url = begin(filer_client, case)["Location"]
    patch(filer_client, url, 0, DATA[:1000])
    fresh_url = begin(filer_client, case, filename="b.jpg", relative_path="b.jpg")["Location"]
    stale = ResumableUpload.objects.get(filename="IMG_0001.jpg")
    ResumableUpload.objects.filter(pk=stale.pk).update(touched_at=timezone.now() - timedelta(hours=3))
    assert len(pieces_on_disk(stale.pk)) == 1

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("expire_uploads", stdout=out)
    assert "1 upload(s) expired" in out.getvalue()

    stale.refresh_from_db()
    assert stale.state == ResumableUpload.State.EXPIRED and stale.pieces == []
    assert pieces_on_disk(stale.pk) == []
    gone = patch(filer_client, url, 1000, DATA[1000:2000])
    assert gone.status_code == 410
    assert filer_client.head(fresh_url).status_code == 200  # the fresh one is untouched
    assert EvidenceItem.objects.count() == 0
    assert expire_stale_uploads() == []  # nothing left to expire


def test_a_cancelled_upload_is_gone_and_its_pieces_removed(filer_client, case, django_capture_on_commit_callbacks):
    url = begin(filer_client, case)["Location"]
    patch(filer_client, url, 0, DATA[:1000])
    with django_capture_on_commit_callbacks(execute=True):
        assert filer_client.delete(url).status_code == 204
    assert filer_client.head(url).status_code == 410
    assert pieces_on_disk(ResumableUpload.objects.get().pk) == []
    assert EvidenceItem.objects.count() == 0


def test_a_completed_upload_refuses_more_pieces_and_files_nothing_twice(filer_client, case,
                                                                       django_capture_on_commit_callbacks,
                                                                       eager_celery):
    url = begin(filer_client, case, size=1000)["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        patch(filer_client, url, 0, DATA[:1000])
    again = patch(filer_client, url, 1000, b"")
    assert again.status_code == 409
    assert again.json()["code"] == "offset_mismatch"
    assert EvidenceItem.objects.count() == 1


def test_the_same_bytes_filed_again_are_flagged_with_a_link_to_the_item_held(filer_client, case,
                                                                             django_capture_on_commit_callbacks,
                                                                             eager_celery):
    for name in ("a.jpg", "b.jpg"):
        url = begin(filer_client, case, size=1000, filename=name, relative_path=name)["Location"]
        with django_capture_on_commit_callbacks(execute=True):
            patch(filer_client, url, 0, DATA[:1000])
    first = EvidenceItem.objects.get(original_filename="a.jpg")
    status = filer_client.get(url).json()
    assert status["item"]["duplicates"] == [
        {"exhibit": first.exhibit, "url": reverse("admin:evidence_evidenceitem_change", args=[first.pk])}
    ]


def test_the_drop_zone_page_is_linked_from_the_case_and_the_item_list(filer_client, case):
    case_page = filer_client.get(reverse("admin:catalogue_case_change", args=[case.pk])).content.decode()
    page_url = reverse("admin:evidence_evidenceitem_upload") + f"?case={case.pk}"
    assert page_url in case_page
    listing = filer_client.get(reverse("admin:evidence_evidenceitem_changelist")).content.decode()
    assert reverse("admin:evidence_evidenceitem_upload") in listing
    page = filer_client.get(page_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="upload-app"' in html and "webkitdirectory" in html and "evidence/upload.js" in html
    assert "<script>" not in html  # the CSP allows no inline script
    chooser = filer_client.get(reverse("admin:evidence_evidenceitem_upload")).content.decode()
    assert case.reference in chooser


@pytest.mark.parametrize("name, kind", [("a.JPG", "image"), ("b.mp4", "video"), ("c.wav", "audio"),
                                        ("d.pdf", "document"), ("e.csv", "dataset"), ("f.bin", "other")])
def test_the_kind_is_guessed_from_the_name(name, kind):
    assert kind_for(name) == kind


def test_a_filing_that_fails_leaves_the_upload_whole_and_open_and_no_staged_copy(filer_client, case, monkeypatch,
                                                                                 django_capture_on_commit_callbacks,
                                                                                 eager_celery):
    """A failure after the item was written rolls back both; an empty piece at the end files it again."""
    url = begin(filer_client, case, size=1000)["Location"]
    save = ResumableUpload.save

    def fails_on_completion(self, *args, **kwargs):
        if "item" in (kwargs.get("update_fields") or []):
            raise RuntimeError("the database went away")
        return save(self, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(ResumableUpload, "save", fails_on_completion)
        with pytest.raises(RuntimeError):
            patch(filer_client, url, 0, DATA[:1000])
    upload = ResumableUpload.objects.get()
    assert (upload.state, upload.offset, upload.item) == (ResumableUpload.State.OPEN, 1000, None)
    assert EvidenceItem.objects.count() == 0
    assert default_storage.listdir("incoming")[1] == []  # the rolled-back item's staged copy is gone
    with django_capture_on_commit_callbacks(execute=True):
        again = filer_client.patch(url, b"", content_type=PIECE, headers={"upload-offset": "1000"})
    assert again.status_code == 200 and again.json()["state"] == "complete"
    assert EvidenceItem.objects.get().sha256 == hashlib.sha256(DATA[:1000]).hexdigest()
