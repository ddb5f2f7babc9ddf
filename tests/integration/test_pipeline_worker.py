"""The pipeline on a real Celery worker, real Redis and PostgreSQL: sealing, a worker
killed mid-hash, and a Redis restart that loses the queued messages."""

import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from evidence.custody import verify_chain
from evidence.models import EvidenceItem
from evidence.services import evidence_register
from evidence.storage import content_name
from tests.factories import CaseFactory, user_with_role
from tests.integration.workers import RedisServer, Worker, queue_length, wait_for

pytestmark = pytest.mark.integration

PIPELINE = ["accession", "message_digest_calculation", "format_identification", "metadata_extraction",
            "indexing", "ingestion"]


@pytest.fixture
def filer(services, team):
    user = user_with_role("investigator", team=team)
    case = CaseFactory(team=team, created_by=user)

    def file(data: bytes, name: str = "upload.bin") -> EvidenceItem:
        return evidence_register(actor=user, case=case, kind="other", title=name,
                                 file=SimpleUploadedFile(name, data))
    return file


def state_of(item):
    return EvidenceItem.objects.values_list("state", flat=True).get(pk=item.pk)


def wait_sealed(items, worker, timeout=90):
    wait_for(lambda: all(state_of(i) == "sealed" for i in items), timeout,
             f"items were not sealed in {timeout} s; {[state_of(i) for i in items]}; worker log "
             f"{worker.log_path}:\n{worker.log()[-4000:]}")


def assert_sealed_once(item, settings):
    item.refresh_from_db()
    actions = list(item.custody.order_by("seq").values_list("action", flat=True))
    assert actions == PIPELINE, actions
    assert verify_chain(item).ok
    assert (settings.MEDIA_ROOT / content_name(item.sha256)).exists()


def store_listing(settings):
    root = settings.MEDIA_ROOT
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def test_a_real_worker_seals_filed_items(filer, started, queue_to, queue, redis_url, tmp_path, settings):
    queue_to(redis_url, queue)
    items = [filer(f"item {n} ".encode() * 1000, f"item{n}.txt") for n in range(3)]
    worker = started(Worker(redis_url=redis_url, queue=queue, log_dir=tmp_path))
    wait_sealed(items, worker)
    for item in items:
        assert_sealed_once(item, settings)
        assert item.media_type == "text/plain"
    assert store_listing(settings) == sorted(content_name(i.sha256) for i in items)


def test_work_held_by_a_killed_worker_is_picked_up_again_and_done_once(
    filer, started, queue_to, queue, redis_url, tmp_path, settings
):
    """SIGKILL mid-hash: the message comes back after the (short) visibility timeout,
    the stale claim is retaken, and the item is sealed with no duplicate entry."""
    queue_to(redis_url, queue)
    data = os.urandom(24 * 1024 * 1024)  # 24 chunks of 1 MiB
    item = filer(data, "long.bin")
    timing = {"CELERY_VISIBILITY_TIMEOUT": "4", "EVIDENCE_CLAIM_STALE_SECONDS": "3"}
    slow = started(Worker(redis_url=redis_url, queue=queue, log_dir=tmp_path,
                          extra_env={**timing, "EVIDENCE_HASH_CHUNK_DELAY": "0.5"}))
    wait_for(lambda: state_of(item) == "processing", 60, f"the worker never claimed the item:\n{slow.log()}")
    time.sleep(2)  # well into the hashing, which takes ~12 s here
    slow.kill()
    item.refresh_from_db()
    assert (item.state, item.attempts) == ("processing", 1)
    assert list(item.custody.values_list("action", flat=True)) == ["accession"]  # nothing half-recorded
    time.sleep(5)  # past the visibility timeout and the claim's staleness
    fresh = started(Worker(redis_url=redis_url, queue=queue, log_dir=tmp_path, extra_env=timing))
    wait_sealed([item], fresh, timeout=120)
    assert_sealed_once(item, settings)
    assert item.attempts == 2
    import hashlib

    assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert store_listing(settings) == [content_name(item.sha256)]  # no partial object, no staged leftover


def test_items_queued_on_a_redis_that_restarts_empty_are_recovered_by_the_sweeper(
    filer, started, queue_to, queue, tmp_path, settings
):
    redis = started(RedisServer(tmp_path))
    queue_to(redis.url, queue)
    items = [filer(f"queued {n} ".encode() * 500, f"q{n}.txt") for n in range(3)]
    assert queue_length(redis.url, queue) == 3
    redis.restart()  # no persistence: the queued messages are gone
    assert queue_length(redis.url, queue) == 0
    assert {state_of(i) for i in items} == {"received"}
    worker = started(Worker(redis_url=redis.url, queue=queue, log_dir=tmp_path, beat=True, extra_env={
        "EVIDENCE_SWEEP_INTERVAL_SECONDS": "1", "EVIDENCE_SWEEP_AFTER_SECONDS": "1",
    }))
    wait_sealed(items, worker)
    for item in items:
        assert_sealed_once(item, settings)
    assert "re-queued" in worker.log()
