"""verify_integrity, the scheduled fixity sweep and the stuck-item sweeper."""

import io
import os
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from evidence import fixity, pipeline
from evidence.models import CustodyEvent, EvidenceItem
from evidence.services import evidence_register
from evidence.storage import content_name
from tests import db_guards
from tests.factories import CaseFactory


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator)


@pytest.fixture
def sealed(case, investigator):
    def make(data: bytes) -> EvidenceItem:
        item = evidence_register(actor=investigator, case=case, kind="other", title="x",
                                 file=SimpleUploadedFile("x.bin", data))
        with TestCase.captureOnCommitCallbacks(execute=True):
            pipeline.ingest(str(item.pk))
        item.refresh_from_db()
        return item
    return make


def run_verify(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_integrity", *args, stdout=out, stderr=err)
        code = 0
    except CommandError as exc:
        code = exc.returncode
        out.write(str(exc))
    return code, out.getvalue(), err.getvalue()


def tamper(settings, item, data: bytes):
    path = settings.MEDIA_ROOT / content_name(item.sha256)
    os.chmod(path, 0o640)
    path.write_bytes(data)


def test_it_passes_an_intact_archive_and_shows_progress_and_a_summary(sealed):
    sealed(b"one")
    sealed(b"two")
    code, out, err = run_verify()
    assert code == 0
    assert "verifying: 2/2 items" in err
    assert "Checked 2 item(s)" in out and "0 fault(s)" in out


def test_it_exits_non_zero_when_stored_content_was_altered(sealed, settings):
    item = sealed(b"original")
    tamper(settings, item, b"altered!")
    code, out, _ = run_verify()
    assert code == 1
    assert f"FAULT: {item.exhibit}" in out and "not " + item.sha256 in out


def test_it_exits_non_zero_when_stored_content_is_missing(sealed, settings):
    item = sealed(b"original")
    os.unlink(settings.MEDIA_ROOT / content_name(item.sha256))
    code, out, _ = run_verify()
    assert code == 1 and "is missing" in out


def test_it_exits_non_zero_when_a_custody_entry_was_rewritten(committed_db, sealed):
    item = sealed(b"original")
    table = CustodyEvent._meta.db_table
    db_guards.tamper(f"UPDATE {table} SET details = %s WHERE item_id = %s AND seq = 1",  # as the owner could
                     ['{"forged": true}', item.pk.hex if connection.vendor == "sqlite" else str(item.pk)])
    code, out, _ = run_verify("--no-content")
    assert code == 1
    assert f"{item.exhibit}: custody entry 1: entry_hash does not match" in out


def test_the_fixity_sweep_records_one_check_per_item_and_reads_each_object_once(sealed, case, investigator):
    first = sealed(b"shared content")
    second = sealed(b"shared content")
    summary = fixity.fixity_sweep()
    assert summary == {"objects": 1, "items": 2, "failures": 0}
    for item in (first, second):
        check = item.custody.get(action="fixity_check")
        assert check.outcome == "success" and check.details["actual_sha256"] == item.sha256
    # Not due again until the interval has passed.
    assert fixity.fixity_sweep() == {"objects": 0, "items": 0, "failures": 0}


def test_a_failed_scheduled_fixity_check_quarantines_the_item(sealed, settings):
    item = sealed(b"will rot")
    tamper(settings, item, b"bit rot!")
    assert fixity.fixity_sweep()["failures"] == 1
    item.refresh_from_db()
    assert item.state == "quarantined" and "do not have the digest proven at sealing" in item.error
    check = item.custody.get(action="fixity_check")
    assert check.outcome == "failure" and check.details["expected_sha256"] == item.sha256


def test_the_sweeper_requeues_items_the_broker_lost_and_leaves_fresh_ones(case, investigator, settings,
                                                                          eager_celery):
    lost = evidence_register(actor=investigator, case=case, kind="other", title="lost",
                             file=SimpleUploadedFile("a.bin", b"lost message"))
    fresh = evidence_register(actor=investigator, case=case, kind="other", title="fresh",
                              file=SimpleUploadedFile("b.bin", b"just filed"))
    sealed_item = evidence_register(actor=investigator, case=case, kind="other", title="done",
                                    file=SimpleUploadedFile("c.bin", b"done"))
    pipeline.ingest(str(sealed_item.pk))
    old = timezone.now() - timedelta(seconds=settings.EVIDENCE_SWEEP_AFTER_SECONDS + 60)
    EvidenceItem.objects.filter(pk__in=[lost.pk, sealed_item.pk]).update(created_at=old)
    with TestCase.captureOnCommitCallbacks(execute=True):
        requeued = pipeline.sweep_stuck()
    assert requeued == [str(lost.pk)]
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert (lost.state, fresh.state) == ("sealed", "received")
    assert pipeline.sweep_stuck() == []  # queued_at moved on: no flood of duplicates


def test_the_sweeper_requeues_an_item_whose_worker_died(case, investigator, settings, eager_celery):
    item = evidence_register(actor=investigator, case=case, kind="other", title="orphan",
                             file=SimpleUploadedFile("a.bin", b"worker died"))
    assert pipeline.claim(str(item.pk)) == 1  # a worker took it, then was killed
    old = timezone.now() - timedelta(seconds=max(settings.EVIDENCE_SWEEP_AFTER_SECONDS,
                                                 settings.EVIDENCE_CLAIM_STALE_SECONDS) + 60)
    EvidenceItem.objects.filter(pk=item.pk).update(created_at=old, claimed_at=old)
    pipeline.sweep_stuck()
    item.refresh_from_db()
    assert item.state == "sealed" and item.attempts == 2
    assert item.custody.filter(action="message_digest_calculation").count() == 1


def _behind_the_triggers(sql: str, params: list) -> None:
    """Run one statement with the append-only triggers off, as the database's owner could."""
    db_guards.tamper(sql, params)


def test_it_finds_an_entry_rewritten_with_its_hash_recomputed(committed_db, sealed):
    """The chain alone cannot see this forgery; the Merkle log can."""
    from evidence.custody import entry_hash, event_body

    item = sealed(b"original")
    last = item.custody.order_by("-seq").first()
    forged = event_body(last) | {"details": {"forged": True}}
    _behind_the_triggers(
        f"UPDATE {CustodyEvent._meta.db_table} SET details = %s, entry_hash = %s WHERE id = %s",
        ['{"forged": true}', entry_hash(forged), last.pk],
    )
    code, out, _ = run_verify("--no-content")
    assert code == 1
    assert f"{item.exhibit}: custody entry {last.seq} differs from the entry logged at index {last.log_index}" in out
    assert "custody entry" in out and "entry_hash does not match" not in out  # the chain itself still verifies


def test_it_finds_a_log_rewritten_under_a_signed_head(committed_db, sealed, settings, tmp_path):
    from evidence import signing

    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = tmp_path / "ledger.pem"
    sealed(b"one")
    head = signing.sign_tree_head(force=True)
    # Rewrite the subtree over leaves 0-3, which the root at size 6 is built from.
    _behind_the_triggers("UPDATE evidence_lognode SET hash = %s WHERE level = 2 AND \"index\" = 0", [b"\x01" * 32])
    code, out, _ = run_verify("--no-content")
    assert code == 1
    assert f"signed tree head at size {head.tree_size}: the stored log no longer gives the signed root" in out
    assert "log node at level 2, index 0 is not the hash of its children" in out


def test_an_intact_log_with_signed_heads_passes(sealed, settings, tmp_path):
    from evidence import signing

    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = tmp_path / "ledger.pem"
    sealed(b"one")
    signing.sign_tree_head(force=True)
    sealed(b"two")
    signing.sign_tree_head(force=True)
    code, out, _ = run_verify("--no-content")
    assert code == 0, out


def test_the_upload_sweep_removes_only_old_staged_files_no_item_names(case, investigator, settings):
    from django.core.files.storage import default_storage

    from evidence import storage

    waiting = evidence_register(actor=investigator, case=case, kind="other", title="waiting",
                                file=SimpleUploadedFile("a.bin", b"still to be hashed"))
    orphan_old = storage.stage_upload(io.BytesIO(b"a crash left this"), "x.bin")
    orphan_new = storage.stage_upload(io.BytesIO(b"a filing in its transaction"), "y.bin")
    old = (timezone.now() - timedelta(hours=settings.EVIDENCE_ORPHAN_UPLOAD_HOURS, minutes=5)).timestamp()
    for name in (waiting.staged_name, orphan_old):
        os.utime(default_storage.path(name), (old, old))
    assert pipeline.sweep_orphaned_uploads() == [orphan_old]
    assert not default_storage.exists(orphan_old)
    assert default_storage.exists(orphan_new) and default_storage.exists(waiting.staged_name)
    assert pipeline.sweep_orphaned_uploads() == []
