"""The sealing side's cheap paths (evidence/batch.py, evidence/row_updates.py, config/celery.py):
one UPDATE for a batch's endings, one statement for a message whose item is done, previews queued
only where needed and once per batch, batches that grow while a burst is queued, a person's capture
place never overwritten by the GPS, and workers that keep their database connection."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from catalogue.models import Place
from config.celery import keep_database_connections
from evidence import batch, pipeline, preview_tasks
from evidence.custody import verify_chain
from evidence.models import EvidenceItem
from evidence.row_updates import update_rows
from evidence.services import evidence_register
from tests import pipeline_media as media
from tests.factories import CaseFactory

PIPELINE_ACTIONS = ["accession", "message_digest_calculation", "format_identification", "metadata_extraction",
                    "indexing", "ingestion"]


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator, reference="UA-2022-0077")


@pytest.fixture
def file_item(case, investigator):
    def file(data: bytes, name: str = "file.bin", **kwargs) -> EvidenceItem:
        return evidence_register(actor=investigator, case=case, kind="other", title=name,
                                 file=SimpleUploadedFile(name, data), **kwargs)
    return file


def run_ingest(item_id, fill=0, learn=None):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return pipeline.ingest(str(item_id), fill=fill, learn=learn)


def actions(item):
    return list(item.custody.order_by("seq").values_list("action", flat=True))


# --- one UPDATE for many rows ------------------------------------------------------------


def test_update_rows_gives_each_row_its_own_values(file_item):
    items = [file_item(f"row {n}".encode()) for n in range(3)]
    when = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    for n, item in enumerate(items):
        item.media_type = f"text/x-{n}"
        item.metadata = {"n": n, "nested": {"list": [n, "ü"]}}
        item.size = 10**12 + n
        item.claimed_at = when if n == 1 else None
    with CaptureQueriesContext(connection) as written:
        assert update_rows(items, ["media_type", "metadata", "size", "claimed_at"]) == 3
    if connection.vendor == "postgresql":
        assert len(written.captured_queries) == 1  # whatever the number of rows
    for n, item in enumerate(EvidenceItem.objects.filter(pk__in=[i.pk for i in items]).order_by("number")):
        assert (item.media_type, item.metadata, item.size) == (f"text/x-{n}", {"n": n, "nested": {"list": [n, "ü"]}},
                                                               10**12 + n)
        assert item.claimed_at == (when if n == 1 else None)
    assert update_rows([], ["size"]) == 0


# --- statements ---------------------------------------------------------------------------


def test_a_message_whose_item_another_batch_sealed_costs_one_statement(file_item, sequenced):
    first, second = file_item(b"first"), file_item(b"second")
    run_ingest(first.pk, fill=5)
    assert EvidenceItem.objects.get(pk=second.pk).state == "sealed"
    with CaptureQueriesContext(connection) as noop:
        assert run_ingest(second.pk, fill=5) == "sealed"
    assert len(noop.captured_queries) == (1 if connection.vendor == "postgresql" else 2)
    assert batch.claim_with_state(second.pk, fill=5) == ({}, "sealed")
    assert batch.claim_with_state("00000000-0000-0000-0000-000000000000", fill=0) == ({}, None)


def test_a_large_batch_costs_each_item_little_more_than_its_custody_append(file_item, sequenced):
    items = [file_item(f"large batch {n} ".encode() * 30, f"large{n}.txt") for n in range(24)]
    with CaptureQueriesContext(connection) as sealing:
        assert run_ingest(items[0].pk, fill=63) == "sealed"
    # On PostgreSQL an append is one call of evidence_custody_append (evidence/custody_pg.py);
    # elsewhere the portable path's lock, read and INSERT.
    one_call = connection.vendor == "postgresql"
    marker = "evidence_custody_append(" if one_call else 'INSERT INTO "evidence_custodyevent"'
    appends = sum(marker in q["sql"] for q in sealing.captured_queries)
    assert appends == len(items)
    # Each item's custody append, plus the batch's own few shared.
    per_append = 1 if one_call else 3
    assert len(sealing.captured_queries) <= per_append * len(items) + 10, [
        q["sql"][:80] for q in sealing.captured_queries]
    for item in items:
        item.refresh_from_db()
        assert item.state == "sealed" and actions(item) == PIPELINE_ACTIONS and verify_chain(item).ok


# --- previews -----------------------------------------------------------------------------


def test_a_batch_queues_one_preview_message_for_the_images_it_sealed_and_none_for_the_rest(file_item, monkeypatch):
    sent = []
    monkeypatch.setattr(preview_tasks.make_previews_for, "delay", lambda ids: sent.append(ids))
    monkeypatch.setattr(preview_tasks.make_previews, "delay", lambda item_id: sent.append(item_id))
    picture = file_item(media.jpeg_with_gps(), "photo.jpg")
    text = file_item(b"a plain statement", "statement.txt")
    other_picture = file_item(media.noisy_jpeg(), "noisy.jpg")
    run_ingest(text.pk, fill=5)
    assert len(sent) == 1
    assert sorted(sent[0]) == sorted([str(picture.pk), str(other_picture.pk)])
    sent.clear()
    only_text = file_item(b"nothing to preview", "note.txt")
    run_ingest(only_text.pk)
    assert sent == []


def test_the_batch_preview_task_makes_each_and_hands_an_unreadable_one_to_the_single_task(file_item, monkeypatch):
    from evidence import previews

    retried = []
    monkeypatch.setattr(preview_tasks.make_previews, "apply_async",
                        lambda args, countdown: retried.append((args, countdown)))

    def make(item_id):
        if item_id == "unreadable":
            raise OSError(5, "Input/output error")
        return "none needed"

    monkeypatch.setattr(previews, "make_previews", make)
    request = {"is_eager": False, "retries": 0}
    preview_tasks.make_previews_for.push_request(**request)
    try:
        outcome = preview_tasks.make_previews_for.run(["fine", "unreadable"])
    finally:
        preview_tasks.make_previews_for.pop_request()
    assert outcome["fine"] == "none needed" and outcome["unreadable"].startswith("retried alone")
    assert retried == [(("unreadable",), preview_tasks.RETRY_SECONDS)]


# --- adaptive batches ---------------------------------------------------------------------


def test_a_full_claim_grows_the_next_batch_and_a_short_one_brings_it_back(settings):
    settings.EVIDENCE_INGEST_BATCH, settings.EVIDENCE_INGEST_BATCH_MAX = 16, 64
    settings.EVIDENCE_INGEST_BATCH_BYTES = 64 * 1024 * 1024
    appetite = batch.Appetite()
    assert appetite.batch() == 16
    appetite.learn(asked=15, took=15, item_bytes=[65536] * 16)
    assert appetite.batch() == 32  # grows by doubling...
    appetite.learn(asked=31, took=31, item_bytes=[65536] * 32)
    appetite.learn(asked=63, took=63, item_bytes=[65536] * 64)
    assert appetite.batch() == 64  # ...to the most
    appetite.learn(asked=63, took=63, item_bytes=[30 * 1024 * 1024] * 3)
    assert appetite.batch() == 16  # large files: no more than the byte budget, never under the base
    appetite.learn(asked=15, took=15, item_bytes=[65536] * 16)
    appetite.learn(asked=31, took=4, item_bytes=[65536] * 5)
    assert appetite.batch() == 16  # the queue ran short: two workers share what is left
    settings.EVIDENCE_INGEST_BATCH = 1
    appetite.learn(asked=0, took=0, item_bytes=[1])
    assert appetite.batch() == 1  # batching off stays off


def test_a_task_tells_its_appetite_how_full_the_claim_was(file_item, settings):
    settings.EVIDENCE_INGEST_BATCH, settings.EVIDENCE_INGEST_BATCH_MAX = 2, 8
    items = [file_item(f"burst {n}".encode()) for n in range(12)]
    appetite = batch.Appetite()
    run_ingest(items[0].pk, fill=appetite.batch() - 1, learn=appetite)
    assert appetite.batch() == 4
    run_ingest(items[2].pk, fill=appetite.batch() - 1, learn=appetite)
    assert appetite.batch() == 8
    assert EvidenceItem.objects.filter(state="sealed").count() == 6
    run_ingest(items[6].pk, fill=appetite.batch() - 1, learn=appetite)  # six left: not full
    assert appetite.batch() == 2
    assert set(EvidenceItem.objects.values_list("state", flat=True)) == {"sealed"}


# --- the capture place ----------------------------------------------------------------------


def test_a_capture_place_given_while_the_batch_worked_is_kept(file_item, case):
    photo = file_item(media.jpeg_with_gps(), "gps.jpg")
    held = batch.claim_batch(photo.pk)
    run = pipeline.Attempt(EvidenceItem.objects.select_related("case").get(pk=photo.pk), held[photo.pk])
    assert run.prepare()
    kharkiv = Place.objects.create(name="Kharkiv", country="UA", latitude=Decimal("49.99"),
                                   longitude=Decimal("36.23"))
    EvidenceItem.objects.filter(pk=photo.pk).update(capture_place=kharkiv)  # a person, meanwhile
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert batch.finish_many([run]) == set()
    photo.refresh_from_db()
    assert photo.state == "sealed" and photo.capture_place == kharkiv
    assert photo.capture_latitude is None and photo.capture_position_source == ""
    assert "metadata_modification" not in actions(photo)


def test_the_gps_position_is_written_with_the_batchs_one_update(file_item):
    photos = [file_item(media.jpeg_with_gps(lat=(50, n, 0.0)), f"gps{n}.jpg") for n in range(3)]
    plain = file_item(b"no position", "plain.txt")
    run_ingest(plain.pk, fill=5)
    for n, photo in enumerate(photos):
        photo.refresh_from_db()
        assert photo.capture_position_source == "exif_gps"
        assert photo.capture_latitude == Decimal(50 + n / 60).quantize(Decimal("0.000001"))
        recorded = actions(photo)  # (a display copy's derivation may follow, made in-process)
        assert recorded[recorded.index("metadata_modification"):][:3] == ["metadata_modification", "indexing",
                                                                          "ingestion"]
        assert verify_chain(photo).ok
    plain.refresh_from_db()
    assert plain.capture_position_source == "" and plain.capture_latitude is None


# --- workers' connections ---------------------------------------------------------------------


def test_workers_keep_their_database_connection_across_tasks(settings):
    settings.EVIDENCE_WORKER_CONN_MAX_AGE = 600
    databases = {"web": {"CONN_MAX_AGE": 0}, "kept": {"CONN_MAX_AGE": None}, "longer": {"CONN_MAX_AGE": 900}}
    keep_database_connections(databases=databases)
    assert databases["web"] == {"CONN_MAX_AGE": 600, "CONN_HEALTH_CHECKS": True}
    assert databases["kept"]["CONN_MAX_AGE"] is None and databases["longer"]["CONN_MAX_AGE"] == 900
    settings.EVIDENCE_WORKER_CONN_MAX_AGE = 0
    untouched = {"web": {"CONN_MAX_AGE": 0}}
    keep_database_connections(databases=untouched)
    assert untouched == {"web": {"CONN_MAX_AGE": 0}}
