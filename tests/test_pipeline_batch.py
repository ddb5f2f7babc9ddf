"""Several items per ingest task (evidence/batch.py), and the statements filing and sealing cost."""

from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from catalogue.models import Case
from evidence import batch, pipeline
from evidence.custody import verify_chain
from evidence.models import CustodyEvent, EvidenceItem
from evidence.services import evidence_register
from tests.factories import CaseFactory

PIPELINE_ACTIONS = ["accession", "message_digest_calculation", "format_identification", "metadata_extraction",
                    "indexing", "ingestion"]
# Statements (SAVEPOINT and RELEASE included), counted as production runs: appends queue their
# entries for the sequencer (the `sequenced` fixture), which integrates them off the writer's path.
# The parent commit took 13 to file one item (20 with a capture entry) and 19 to seal one, each
# with the Merkle log's work inside the writer's transaction.
FILING_MAX = 8
SEALING_ONE_MAX = 12
# In a batch, each item costs its custody append and a share of the batch's own few.
SEALING_PER_ITEM_IN_A_BATCH_MAX = 5


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator, reference="UA-2022-0042")


@pytest.fixture
def file_item(case, investigator):
    def file(data: bytes, name: str = "file.bin", **kwargs) -> EvidenceItem:
        return evidence_register(actor=investigator, case=case, kind="other", title=name,
                                 file=SimpleUploadedFile(name, data), **kwargs)
    return file


def run_ingest(item_id, fill=0):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return pipeline.ingest(str(item_id), fill=fill)


def actions(item):
    return list(item.custody.order_by("seq").values_list("action", flat=True))


def test_filing_one_item_takes_a_bounded_number_of_statements(file_item, sequenced):
    file_item(b"first, so the case has a number to follow")
    with CaptureQueriesContext(connection) as filing:
        file_item(b"counted " * 50, "counted.txt")
    assert len(filing.captured_queries) <= FILING_MAX, [q["sql"][:120] for q in filing.captured_queries]


def test_a_capture_and_the_accession_are_appended_together(file_item, case, investigator, sequenced):
    from datetime import UTC, datetime

    file_item(b"first, so roles are read and the log exists")
    with CaptureQueriesContext(connection) as filing:
        item = file_item(b"captured", captured_at=datetime(2022, 3, 1, 9, 30, tzinfo=UTC), captured_at_precision="exact",
                         captured_by="a witness")
    assert actions(item) == ["capture", "accession"]
    assert verify_chain(item).ok
    assert len(filing.captured_queries) <= FILING_MAX


def test_sealing_one_item_takes_a_bounded_number_of_statements(file_item, sequenced):
    item = file_item(b"sealed alone " * 50, "alone.txt")
    with CaptureQueriesContext(connection) as sealing:
        assert run_ingest(item.pk) == "sealed"
    assert len(sealing.captured_queries) <= SEALING_ONE_MAX, [q["sql"][:120] for q in sealing.captured_queries]


def test_a_task_seals_waiting_items_with_one_commit_for_the_batch(file_item, case, sequenced):
    items = [file_item(f"item {n} ".encode() * 200, f"item{n}.txt") for n in range(8)]
    with CaptureQueriesContext(connection) as sealing:
        assert run_ingest(items[3].pk, fill=15) == "sealed"
    per_item = len(sealing.captured_queries) / len(items)
    assert per_item <= SEALING_PER_ITEM_IN_A_BATCH_MAX, [q["sql"][:100] for q in sealing.captured_queries]
    assert sum(q["sql"].startswith("SAVEPOINT") for q in sealing.captured_queries) == 1  # one transaction
    for item in items:
        item.refresh_from_db()
        assert item.state == "sealed" and item.attempts == 1
        assert actions(item) == PIPELINE_ACTIONS
        assert verify_chain(item).ok
    search_text = Case.objects.get(pk=case.pk).search_text
    assert all(item.exhibit.lower().replace("/", " ").replace("-", " ") in search_text for item in items)
    # Every other item's message now finds its work done.
    assert {run_ingest(item.pk, fill=15) for item in items} == {"sealed"}
    assert Counter(CustodyEvent.objects.values_list("item_id", "action")).most_common(1)[0][1] == 1


def test_the_same_content_in_one_batch_names_the_exhibits_sealed_before_it(file_item):
    first, second, third = (file_item(b"one content", f"copy{n}.bin") for n in range(3))
    assert run_ingest(first.pk) == "sealed"
    run_ingest(second.pk, fill=5)
    ingestion = {i.exhibit: i.custody.get(action="ingestion").details for i in (first, second, third)}
    assert ingestion[second.exhibit]["same_content_as"] == [first.exhibit]
    assert ingestion[third.exhibit]["same_content_as"] == [first.exhibit, second.exhibit]
    assert [ingestion[e]["object_created"] for e in (first.exhibit, second.exhibit, third.exhibit)] == [
        True, False, False]


def test_a_fill_takes_only_staged_waiting_items(file_item, case, investigator):
    waiting = file_item(b"waiting")
    url_item = evidence_register(actor=investigator, case=case, kind="webpage", title="online",
                                 source_url="https://example.org/video")
    held = file_item(b"held by a live worker")
    assert pipeline.claim(str(held.pk)) == 1
    own = file_item(b"own")
    claimed = batch.claim_batch(own.pk, fill=10)
    assert set(claimed) == {own.pk, waiting.pk}
    assert EvidenceItem.objects.get(pk=url_item.pk).state == "received"
    assert EvidenceItem.objects.get(pk=held.pk).attempts == 1


def test_a_claim_takes_no_more_than_its_fill_from_a_long_queue(file_item):
    items = [file_item(f"queued {n}".encode()) for n in range(40)]
    claimed = batch.claim_batch(items[0].pk, fill=5)
    assert len(claimed) == 6 and items[0].pk in claimed
    assert Counter(EvidenceItem.objects.values_list("state", flat=True)) == {"processing": 6, "received": 34}


def test_a_busy_item_still_lets_its_task_seal_other_waiting_items(file_item):
    held = file_item(b"held")
    pipeline.claim(str(held.pk))
    others = [file_item(f"other {n}".encode()) for n in range(3)]
    assert run_ingest(held.pk, fill=5) == "busy"
    assert {EvidenceItem.objects.get(pk=o.pk).state for o in others} == {"sealed"}
    assert EvidenceItem.objects.get(pk=held.pk).state == "processing"


def test_an_item_retaken_before_the_commit_is_left_to_its_new_holder(file_item, settings):
    kept, retaken = file_item(b"kept"), file_item(b"retaken")
    held = batch.claim_batch(kept.pk, fill=1)
    loaded = EvidenceItem.objects.select_related("case").in_bulk(list(held))
    claims = batch.Claims(held)
    runs = [pipeline.Attempt(loaded[pk], held[pk], claims=claims) for pk in (kept.pk, retaken.pk)]
    for run in runs:
        assert run.prepare()
    settings.EVIDENCE_CLAIM_STALE_SECONDS = 0
    assert pipeline.claim(str(retaken.pk)) == 2  # another worker took it over meanwhile
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert batch.finish_many(runs) == {retaken.pk}
    assert actions(kept) == PIPELINE_ACTIONS
    assert actions(retaken) == ["accession"]
    retaken.refresh_from_db()
    assert (retaken.state, retaken.attempts, retaken.sha256) == ("processing", 2, "")
    assert retaken.staged_name  # its upload is still there for the new holder


def test_a_fill_item_with_a_transient_error_is_handed_back_and_queued_again(file_item, monkeypatch):
    own, troubled = file_item(b"fine"), file_item(b"troubled")
    real_put = pipeline.content_store.put
    sent = []

    def put(staged, sha256, size):
        if sha256 == __import__("hashlib").sha256(b"troubled").hexdigest():
            raise OSError(5, "Input/output error")
        return real_put(staged, sha256, size)

    monkeypatch.setattr(pipeline.content_store, "put", put)
    from evidence import tasks

    monkeypatch.setattr(tasks.ingest, "apply_async", lambda args, countdown: sent.append((args, countdown)))
    assert run_ingest(own.pk, fill=5) == "sealed"
    troubled.refresh_from_db()
    assert (troubled.state, troubled.claimed_at) == ("received", None)
    assert actions(troubled) == ["accession"]
    assert [args for args, _ in sent] == [(str(troubled.pk),)]


def test_the_own_items_transient_error_is_raised_after_the_rest_is_sealed(file_item, monkeypatch):
    own, other = file_item(b"troubled own"), file_item(b"other")
    real_put = pipeline.content_store.put

    def put(staged, sha256, size):
        if size == len(b"troubled own"):
            raise OSError(28, "No space left on device")
        return real_put(staged, sha256, size)

    monkeypatch.setattr(pipeline.content_store, "put", put)
    with pytest.raises(pipeline.TransientError):
        run_ingest(own.pk, fill=5)
    assert EvidenceItem.objects.get(pk=other.pk).state == "sealed"
    assert EvidenceItem.objects.get(pk=own.pk).state == "received"


def test_a_batch_commits_every_few_mebibytes(file_item, settings):
    settings.EVIDENCE_INGEST_BATCH_BYTES = 10
    items = [file_item(f"twelve bytes{n}".encode()) for n in range(3)]
    with CaptureQueriesContext(connection) as sealing:
        run_ingest(items[0].pk, fill=5)
    assert sum(q["sql"].startswith("SAVEPOINT") for q in sealing.captured_queries) == 3
    assert {EvidenceItem.objects.get(pk=i.pk).state for i in items} == {"sealed"}


def test_filing_in_process_seals_only_its_own_item(file_item, django_capture_on_commit_callbacks, eager_celery):
    waiting = file_item(b"waiting for a worker")
    with django_capture_on_commit_callbacks(execute=True):
        filed = file_item(b"filed in process")
    assert EvidenceItem.objects.get(pk=filed.pk).state == "sealed"
    assert EvidenceItem.objects.get(pk=waiting.pk).state == "received"


def test_a_database_error_at_the_commit_hands_the_whole_batch_back(file_item, monkeypatch):
    from django.db import OperationalError

    own, other = file_item(b"own at commit"), file_item(b"other at commit")
    sent = []

    def broken(runs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(batch, "finish_many", broken)
    from evidence import tasks

    monkeypatch.setattr(tasks.ingest, "apply_async", lambda args, countdown: sent.append(args))
    with pytest.raises(pipeline.TransientError):
        run_ingest(own.pk, fill=5)
    assert [args for args in sent] == [(str(other.pk),)]
    for item in (own, other):
        item.refresh_from_db()
        assert (item.state, item.claimed_at, actions(item)) == ("received", None, ["accession"])
