"""A resumable upload on the real stack: pieces appended in committed transactions, the
last one queues the ingest on Redis, and a real Celery worker seals the item."""

import hashlib
import io
import os

import pytest

from evidence.models import ResumableUpload
from evidence.resumable import upload_append, upload_create
from tests.factories import CaseFactory, user_with_role
from tests.integration.test_pipeline_worker import assert_sealed_once, wait_sealed
from tests.integration.workers import Worker

pytestmark = pytest.mark.integration

PIECE = 64 * 1024


def test_a_file_sent_in_pieces_is_sealed_by_a_real_worker(services, team, started, queue_to, queue, redis_url,
                                                          tmp_path, settings):
    queue_to(redis_url, queue)
    settings.EVIDENCE_UPLOAD_CHUNK_SIZE = PIECE
    user = user_with_role("investigator", team=team)
    case = CaseFactory(team=team, created_by=user)
    data = os.urandom(3 * PIECE + 5)
    upload = upload_create(actor=user, case=case, filename="intercept.bin", relative_path="calls/intercept.bin",
                           size=len(data))
    while upload.offset < upload.size:
        piece = data[upload.offset:upload.offset + PIECE]
        upload = upload_append(actor=user, upload=upload, offset=upload.offset, body=io.BytesIO(piece),
                               length=len(piece), via="api")
    assert upload.state == ResumableUpload.State.COMPLETE
    worker = started(Worker(redis_url=redis_url, queue=queue, log_dir=tmp_path))
    wait_sealed([upload.item], worker)
    item = upload.item
    assert_sealed_once(item, settings)
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert item.original_filename == "calls/intercept.bin"
    # Staging is gone: the pieces, and the item's own staged copy once stored.
    pieces = settings.MEDIA_ROOT / "uploads" / upload.pk.hex
    assert not pieces.exists() or not any(pieces.iterdir())
