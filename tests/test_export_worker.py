"""An export job run by a real Celery worker on Redis and PostgreSQL, end to end."""

import os
import subprocess
import sys
import time
import uuid
import zipfile

import pytest
from celery import Celery
from django.core.files.storage import default_storage

from evidence import signing
from evidence.models import CustodyEvent, ExportJob
from tests import factories
from tests.factories import CaseFactory, sealed_item
from tests.integration import workers

pytestmark = pytest.mark.integration


def assert_package_verifies(job: ExportJob, tmp_path, key_id: str) -> None:
    """Unzip the job's stored package and run its own verify.py against the signing key."""
    with default_storage.open(job.package_name, "rb") as handle:
        zipfile.ZipFile(handle).extractall(tmp_path / "unzipped")
    (bag,) = (tmp_path / "unzipped").iterdir()
    result = subprocess.run([sys.executable, "-I", str(bag / "verify.py"), "--key-id", key_id],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_a_real_worker_builds_a_package_that_verifies(committed_db, team, tmp_path, settings, monkeypatch):
    workers.require_services()
    from evidence import tasks

    monkeypatch.setattr(tasks.ingest, "delay", lambda *args: None)  # items are sealed below, not by a worker
    key_file = tmp_path / "ledger.pem"
    settings.LEDGER_SIGNING_KEY, settings.LEDGER_SIGNING_KEY_FILE = "", key_file
    key_id = signing.signing_key().key_id  # made here, so the worker signs with the same key
    investigator = factories.user_with_role("investigator", team=team)
    legal = factories.user_with_role("legal", team=team)
    case = CaseFactory(team=team, created_by=investigator)
    item = sealed_item(actor=investigator, case=case, data=b"worker bytes " * 4000, filename="w.bin")
    job = ExportJob.objects.create(case=case, requested_by=legal)

    redis_url = os.environ["REDIS_URL"]
    queue = f"it-{uuid.uuid4().hex[:12]}"
    sender = Celery("export-sender", broker=redis_url, set_as_current=False)
    sender.send_task("evidence.export_tasks.export_case", args=[str(job.pk)], queue=queue)
    worker = workers.Worker(redis_url=redis_url, queue=queue, log_dir=tmp_path,
                            extra_env={"LEDGER_SIGNING_KEY_FILE": str(key_file)}).start()
    try:
        workers.wait_for(lambda: ExportJob.objects.get(pk=job.pk).state in ("done", "failed"), 90,
                         f"the worker never finished the export:\n{worker.log()}")
    finally:
        worker.stop()
    job.refresh_from_db()
    assert job.state == "done", (job.error, worker.log())
    assert CustodyEvent.objects.filter(item=item, action="packing", actor=f"user:{legal.username}").count() == 1
    assert_package_verifies(job, tmp_path, key_id)


def test_a_worker_killed_mid_export_is_taken_over_and_the_package_verifies(
    committed_db, team, tmp_path, settings, monkeypatch,
):
    """SIGKILL while the package is being built: the job stays `running`, its claim
    goes stale, the sweeper sends it out again, another worker takes it over, and the
    custody log holds one packing entry per item, written by the worker that finished."""
    workers.require_services()
    from evidence import export, export_tasks, tasks

    monkeypatch.setattr(tasks.ingest, "delay", lambda *args: None)  # items are sealed below, not by a worker
    key_file = tmp_path / "ledger.pem"
    settings.LEDGER_SIGNING_KEY, settings.LEDGER_SIGNING_KEY_FILE = "", key_file
    key_id = signing.signing_key().key_id
    investigator = factories.user_with_role("investigator", team=team)
    legal = factories.user_with_role("legal", team=team)
    case = CaseFactory(team=team, created_by=investigator)
    items = [sealed_item(actor=investigator, case=case, data=f"item {n} ".encode() * 2000, filename=f"{n}.bin")
             for n in range(3)]
    job = ExportJob.objects.create(case=case, requested_by=legal)

    redis_url = os.environ["REDIS_URL"]
    queue = f"it-{uuid.uuid4().hex[:12]}"
    sender = Celery("export-sender", broker=redis_url, set_as_current=False)

    def send(job_id: str) -> None:
        sender.send_task("evidence.export_tasks.export_case", args=[job_id], queue=queue)

    timing = {"EVIDENCE_EXPORT_STALE_SECONDS": "3", "CELERY_VISIBILITY_TIMEOUT": "4",
              "LEDGER_SIGNING_KEY_FILE": str(key_file)}
    slow = workers.Worker(redis_url=redis_url, queue=queue, log_dir=tmp_path,
                          extra_env={**timing, "EVIDENCE_EXPORT_ITEM_DELAY": "2"}).start()
    fresh = workers.Worker(redis_url=redis_url, queue=queue, log_dir=tmp_path, extra_env=timing)
    try:
        send(str(job.pk))
        workers.wait_for(lambda: ExportJob.objects.get(pk=job.pk).state == "running", 60,
                         f"the worker never claimed the export:\n{slow.log()}")
        time.sleep(1)  # into the first item's pause
        slow.kill()
        job.refresh_from_db()
        assert (job.state, job.attempts) == ("running", 1)
        assert not CustodyEvent.objects.filter(item__case=case, action="packing").exists()  # nothing half-written

        time.sleep(4)  # the claim goes stale
        settings.EVIDENCE_EXPORT_STALE_SECONDS = 3
        monkeypatch.setattr(export_tasks.export_case, "delay", send)
        assert export.export_sweep() == [str(job.pk)]  # before a worker is up: nothing else has it yet
        fresh.start()
        workers.wait_for(lambda: ExportJob.objects.get(pk=job.pk).state in ("done", "failed"), 90,
                         f"no worker finished the export:\n{fresh.log()}")
    finally:
        slow.kill()
        fresh.stop()
    job.refresh_from_db()
    assert job.state == "done", (job.error, fresh.log())
    assert job.attempts == 2
    for item in items:
        assert CustodyEvent.objects.filter(item=item, action="packing").count() == 1
    assert_package_verifies(job, tmp_path, key_id)
