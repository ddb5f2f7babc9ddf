"""A burst of filings on two real workers taking several items per task, one of them killed
with SIGKILL half-way: every item ends sealed, each step recorded once, every chain intact."""

import os
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from evidence import log_store, sequencer
from evidence.custody import verify_chain
from evidence.models import CustodyEvent, EvidenceItem
from evidence.services import evidence_register
from tests.factories import CaseFactory, user_with_role
from tests.integration.workers import Worker, wait_for

pytestmark = pytest.mark.integration

BURST = 300
PIPELINE = ["accession", "message_digest_calculation", "format_identification", "metadata_extraction",
            "indexing", "ingestion"]
TIMING = {"CELERY_VISIBILITY_TIMEOUT": "6", "EVIDENCE_CLAIM_STALE_SECONDS": "5", "EVIDENCE_INGEST_BATCH": "16",
          "EVIDENCE_HASH_CHUNK_DELAY": "0.02"}
# The worker to be killed is slow (~25 s a batch of 16), so it is still in its first batch when killed.
SLOW = {**TIMING, "EVIDENCE_HASH_CHUNK_DELAY": "1.5"}


def states() -> Counter:
    return Counter(EvidenceItem.objects.values_list("state", flat=True))


def test_a_burst_survives_a_worker_killed_half_way(services, team, started, queue_to, queue, redis_url, tmp_path,
                                                    settings):
    queue_to(redis_url, queue)
    user = user_with_role("investigator", team=team)
    case = CaseFactory(team=team, created_by=user)
    items = [
        evidence_register(actor=user, case=case, kind="other", title=f"burst {n}",
                          file=SimpleUploadedFile(f"burst{n}.bin", os.urandom(4096)))
        for n in range(BURST)
    ]
    doomed = started(Worker(redis_url=redis_url, queue=queue, log_dir=tmp_path, extra_env=SLOW))
    held = wait_for(lambda: list(EvidenceItem.objects.filter(state="processing").values_list("pk", flat=True)), 120,
                    f"the first worker claimed nothing; logs in {tmp_path}", interval=0.05)
    started(Worker(redis_url=redis_url, queue=queue, log_dir=tmp_path, extra_env=TIMING))
    wait_for(lambda: states()["sealed"] >= BURST // 3, 180, f"a third was not sealed; logs in {tmp_path}", 0.05)
    doomed.kill()
    assert set(EvidenceItem.objects.filter(pk__in=held).values_list("state", flat=True)) == {"processing"}
    # A worker started now takes the dead one's unacknowledged message back from Redis.
    started(Worker(redis_url=redis_url, queue=queue, log_dir=tmp_path, extra_env=TIMING))
    wait_for(lambda: states() == Counter({"sealed": BURST}), 240, f"not all sealed; logs in {tmp_path}")

    entries = Counter(CustodyEvent.objects.values_list("item_id", "action"))
    assert set(entries.values()) == {1}, [k for k, v in entries.items() if v > 1][:5]  # no step twice
    for item in EvidenceItem.objects.all():
        actions = list(item.custody.order_by("seq").values_list("action", flat=True))
        assert actions == PIPELINE, (item.exhibit, actions)
        assert verify_chain(item).ok
    # One leaf per entry in the Merkle log once the sequencer has integrated what the workers
    # queued: nothing written by the dead worker's batch survived, nothing is there twice.
    sequencer.integrate_pending(sign=False)
    assert log_store.size() == CustodyEvent.objects.count() == BURST * len(PIPELINE)
    # The dead worker's batch was retaken once, by one live worker, and finished there.
    assert set(EvidenceItem.objects.filter(pk__in=held).values_list("attempts", flat=True)) == {2}
    assert not os.listdir(settings.MEDIA_ROOT / "incoming")  # every staged upload cleared once sealed
    assert len(items) == BURST
