"""The ingest pipeline: a filed upload becomes a sealed, stored, identified, indexed exhibit."""

import hashlib
import os
import random
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from catalogue.models import Case
from catalogue.search import search_cases
from evidence import pipeline
from evidence.custody import verify_chain
from evidence.models import EvidenceItem
from evidence.services import evidence_register
from evidence.storage import content_name
from tests import pipeline_media as media
from tests.factories import CaseFactory

PIPELINE_ACTIONS = ["message_digest_calculation", "format_identification", "metadata_extraction", "indexing",
                    "ingestion"]


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator, reference="UA-2022-0007")


@pytest.fixture
def file_item(case, investigator):
    def file(data: bytes, name: str = "file.bin", **kwargs) -> EvidenceItem:
        kwargs.setdefault("kind", "other")
        return evidence_register(actor=investigator, case=case, title=kwargs.pop("title", name),
                                 file=SimpleUploadedFile(name, data), **kwargs)
    return file


def ingest(item) -> EvidenceItem:
    """Run the pipeline as a worker would, including what it does after its commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        pipeline.ingest(str(item.pk))
    item.refresh_from_db()
    return item


def actions(item):
    return list(item.custody.order_by("seq").values_list("action", "outcome"))


def store_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def test_it_seals_an_upload_with_its_digests_and_one_entry_per_step(file_item, settings):
    data = b"evidence " * 1000
    item = ingest(file_item(data, "notes.txt"))
    assert item.state == "sealed" and item.sealed_at is not None
    assert (item.sha256, item.sha512, item.sha1, item.md5, item.size) == (
        hashlib.sha256(data).hexdigest(), hashlib.sha512(data).hexdigest(), hashlib.sha1(data).hexdigest(),
        hashlib.md5(data).hexdigest(), len(data))
    assert [a for a, _ in actions(item)] == ["accession", *PIPELINE_ACTIONS]
    assert all(outcome == "success" for _, outcome in actions(item))
    assert verify_chain(item).ok
    assert store_files(settings) == [content_name(item.sha256)]
    with open(settings.MEDIA_ROOT / content_name(item.sha256), "rb") as stored:
        assert stored.read() == data
    assert item.staged_name == ""


def test_running_it_again_changes_nothing(file_item):
    item = ingest(file_item(b"twice " * 100))
    before = actions(item)
    assert pipeline.ingest(str(item.pk)) == "sealed"
    assert actions(ingest(item)) == before


def test_the_same_file_in_two_cases_is_one_object_and_two_items_that_know_each_other(
    file_item, investigator, team, settings, eager_celery  # the display copy is made in-process too
):
    data = media.jpeg_with_gps()
    first = ingest(file_item(data, "a.jpg"))
    other_case = CaseFactory(team=team, created_by=investigator)
    second = evidence_register(actor=investigator, case=other_case, kind="image", title="b",
                               file=SimpleUploadedFile("b.jpg", data))
    second = ingest(second)
    assert first.sha256 == second.sha256 and first.pk != second.pk
    # One original, and one display copy made from it (evidence/previews.py), each stored once.
    thumbnail = first.custody.get(action="derivation").details
    assert sorted(store_files(settings)) == sorted([content_name(first.sha256), content_name(thumbnail["sha256"])])
    sealed = second.custody.get(action="ingestion", details__sealed=True)
    assert sealed.details["object_created"] is False
    assert sealed.details["same_content_as"] == [first.exhibit]
    from evidence.selectors import item_rows_holding

    assert {row["id"] for row in item_rows_holding(investigator, first.sha256)} == {first.pk, second.pk}


def test_a_wrong_declared_digest_quarantines_the_item_and_records_both_values(file_item):
    data = b"what actually arrived"
    declared = hashlib.sha256(b"what the submitter holds").hexdigest()
    item = ingest(file_item(data, declared_sha256=declared))
    assert item.state == "quarantined"
    fixity = item.custody.get(action="fixity_check")
    assert fixity.outcome == "failure"
    assert fixity.details["declared_sha256"] == declared
    assert fixity.details["computed_sha256"] == hashlib.sha256(data).hexdigest()
    assert declared in item.error and hashlib.sha256(data).hexdigest() in item.error
    assert item.custody.filter(action="quarantine").count() == 1
    # Nothing retries it: not a redelivery, not a person.
    assert pipeline.ingest(str(item.pk)) == "quarantined"
    with pytest.raises(ValidationError):
        pipeline.retry(actor=item.created_by, item=item)


def test_a_matching_declared_digest_is_recorded_as_a_passed_fixity_check(file_item):
    data = b"as declared"
    item = ingest(file_item(data, declared_sha256=hashlib.sha256(data).hexdigest().upper()))
    assert item.state == "sealed"
    assert item.custody.get(action="fixity_check").outcome == "success"


def test_it_extracts_exif_gps_and_capture_time_from_an_image(file_item):
    item = ingest(file_item(media.jpeg_with_gps(), "photo.jpg", kind="image"))
    assert item.media_type == "image/jpeg"
    gps = item.metadata["gps"]
    assert (gps["latitude"], gps["longitude"]) == (50.4501, 30.5234)
    assert item.metadata["captured_at"] == "2022-03-30T12:34:56+03:00"
    assert item.metadata["exif"]["model"] == "Model 1"


def test_it_extracts_pdf_info_and_text_and_makes_it_searchable(file_item, case):
    item = ingest(file_item(media.pdf_with_text(), "statement.pdf", kind="document"))
    assert item.media_type == "application/pdf"
    assert item.metadata["pages"] == 1 and item.metadata["info"]["title"] == "Witness statement"
    assert "shelling of Irpin" in item.extracted_text
    assert list(search_cases(Case.objects.all(), "Irpin")) == [case]


def test_it_extracts_duration_and_codec_from_audio(file_item):
    item = ingest(file_item(media.wav(seconds=1.5), "call.wav", kind="audio"))
    assert item.media_type == "audio/x-wav"
    assert item.metadata["duration_seconds"] == 1.5
    assert "PCM" in item.metadata["compression"]


def test_the_bytes_decide_the_media_type_and_a_lying_extension_is_recorded(file_item):
    item = ingest(file_item(media.jpeg_with_gps(), "report.pdf", kind="document"))
    assert item.state == "sealed"
    assert item.media_type == "image/jpeg"
    assert item.metadata["format"]["extension"] == ".pdf"
    assert item.metadata["format"]["extension_media_type"] == "application/pdf"
    assert item.metadata["format"]["extension_mismatch"] is True
    assert item.custody.get(action="format_identification").details["extension_mismatch"] is True


@pytest.mark.parametrize("data", [media.truncated_jpeg(), media.png_bomb()], ids=["truncated", "bomb"])
def test_an_image_that_cannot_be_parsed_is_recorded_as_such_and_still_sealed(file_item, data):
    item = ingest(file_item(data, "bad.png", kind="image"))
    assert item.state == "sealed"
    assert item.metadata["parsed"] is False and item.metadata["error"]
    assert item.custody.get(action="metadata_extraction").outcome == "failure"


def test_a_parser_that_never_ends_is_stopped_and_the_item_still_sealed(file_item, settings, monkeypatch):
    from evidence import metadata

    def forever(path):  # what a PDF built to make a parser loop does to it (bounded, so a broken limit fails)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            pass
        return {"pages": 1}, "read after all"

    monkeypatch.setattr(metadata, "_pdf", forever)
    settings.EVIDENCE_METADATA_TIMEOUT = 0.3
    item = ingest(file_item(media.pdf_with_text(), "statement.pdf", kind="document"))
    assert item.state == "sealed" and item.media_type == "application/pdf"
    assert item.metadata["parsed"] is False and "stopped after 0.3 s" in item.metadata["error"]
    step = item.custody.get(action="metadata_extraction")
    assert step.outcome == "failure" and "ExtractionTimeout" in step.details["error"]


def test_the_time_limit_leaves_no_timer_behind(monkeypatch):
    import signal

    from evidence import metadata

    before = signal.getsignal(signal.SIGALRM)
    facts, _ = metadata.extract(__file__, "text/plain", timeout=5)
    assert facts["parsed"] is True
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0) and signal.getsignal(signal.SIGALRM) is before


def test_an_unknown_format_is_sealed_without_metadata(file_item):
    # Fixed noise: os.urandom() now and then begins with a real signature
    # ("MZ" is a DOS executable to libmagic) and the test failed by chance.
    noise = random.Random(20221116).randbytes(4096)
    item = ingest(file_item(noise, "blob.dat"))
    assert item.state == "sealed"
    assert item.media_type == "application/octet-stream"
    assert item.metadata["parsed"] is None


def test_an_existing_object_is_verified_and_never_overwritten(file_item, settings):
    data = b"original bytes"
    sha = hashlib.sha256(data).hexdigest()
    path = settings.MEDIA_ROOT / content_name(sha)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"tampered bytes")  # something else sits under this digest's name
    item = ingest(file_item(data))
    assert item.state == "failed"
    assert "left untouched" in item.error
    assert path.read_bytes() == b"tampered bytes"


def test_a_missing_staged_upload_fails_visibly_and_can_be_retried(file_item, settings, investigator,
                                                                  django_capture_on_commit_callbacks, eager_celery):
    data = b"staged then lost"
    item = file_item(data)
    staged = settings.MEDIA_ROOT / item.staged_name
    saved = staged.read_bytes()
    os.chmod(staged, 0o600)
    staged.unlink()
    item = ingest(item)
    assert item.state == "failed" and "missing" in item.error
    failure = item.custody.order_by("-seq").first()
    assert (failure.action, failure.outcome, failure.details["retry"]) == (
        "message_digest_calculation", "failure", "evidence.pipeline.retry")
    staged.write_bytes(saved)  # the operator puts the upload back
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.retry(actor=investigator, item=item)
    item.refresh_from_db()
    assert item.state == "sealed"
    retry_entry = item.custody.get(action="ingestion_start", details__retry=True)
    assert retry_entry.actor == f"user:{investigator.username}"
    assert verify_chain(item).ok


def test_only_a_failed_item_can_be_retried_and_only_by_an_investigator(file_item, legal):
    from django.core.exceptions import PermissionDenied

    item = ingest(file_item(b"fine"))
    with pytest.raises(ValidationError):
        pipeline.retry(actor=item.created_by, item=item)
    with pytest.raises(PermissionDenied):
        pipeline.retry(actor=legal, item=item)


def test_filing_queues_the_ingest_after_commit(file_item, django_capture_on_commit_callbacks, eager_celery):
    with django_capture_on_commit_callbacks(execute=True):
        item = file_item(b"queued on commit")
    item.refresh_from_db()
    assert item.state == "sealed"


def test_a_live_claim_is_not_taken_twice_but_a_stale_one_is(file_item, settings):
    item = file_item(b"claimed")
    assert pipeline.claim(str(item.pk)) == 1
    assert pipeline.claim(str(item.pk)) is None
    assert pipeline.ingest(str(item.pk)) == "busy"
    settings.EVIDENCE_CLAIM_STALE_SECONDS = 0
    assert ingest(item).state == "sealed"
    assert item.attempts == 2
    assert [a for a, _ in actions(item)] == ["accession", *PIPELINE_ACTIONS]


def test_a_superseded_attempt_writes_nothing(file_item, settings):
    item = file_item(b"superseded")
    first = pipeline.claim(str(item.pk))
    settings.EVIDENCE_CLAIM_STALE_SECONDS = 0
    assert pipeline.claim(str(item.pk)) == first + 1  # a second worker retook it
    run = pipeline.Attempt(EvidenceItem.objects.get(pk=item.pk), first)
    with pytest.raises(pipeline.ClaimLost):
        run.run()
    assert [a for a, _ in actions(item)] == ["accession"]


def test_a_storage_error_hands_the_item_back_for_a_retry(file_item, monkeypatch):
    item = file_item(b"disk trouble")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline.content_store, "put", broken)
    with pytest.raises(pipeline.TransientError):
        pipeline.ingest(str(item.pk))
    item.refresh_from_db()
    assert item.state == "received" and item.claimed_at is None
    assert [a for a, _ in actions(item)] == ["accession"]
    monkeypatch.undo()
    assert ingest(item).state == "sealed"


def test_the_task_gives_up_visibly_in_process_on_a_transient_error(file_item, monkeypatch, eager_celery):
    from evidence.tasks import ingest as ingest_task

    item = file_item(b"disk trouble")
    monkeypatch.setattr(pipeline.content_store, "put",
                        lambda *a, **k: (_ for _ in ()).throw(OSError(5, "Input/output error")))
    assert ingest_task.delay(str(item.pk)).get() == "failed"
    item.refresh_from_db()
    assert item.state == "failed" and "Input/output error" in item.error
