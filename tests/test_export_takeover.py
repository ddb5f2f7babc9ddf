"""An export job whose worker died is taken over; one whose worker lives is left to it;
a worker that lost its job changes nothing; the sweeper sends stuck jobs out again."""

import uuid
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from evidence import export
from evidence.models import CustodyEvent, ExportJob
from tests.factories import CaseFactory, sealed_item


@pytest.fixture(autouse=True)
def _own_key(settings, tmp_path):
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = tmp_path / "keys" / "ledger.pem"
    settings.EVIDENCE_EXPORT_STALE_SECONDS = 600


@pytest.fixture
def case(team, investigator):
    case = CaseFactory(team=team, created_by=investigator)
    sealed_item(actor=investigator, case=case, data=b"an intercepted call" * 100, filename="call.wav", kind="audio")
    sealed_item(actor=investigator, case=case, data=b"a photograph" * 100, filename="p.jpg", kind="image")
    return case


def job_for(case, legal, **fields) -> ExportJob:
    job = ExportJob.objects.create(case=case, requested_by=legal)
    if fields:
        ExportJob.objects.filter(pk=job.pk).update(**fields)
        job.refresh_from_db()
    return job


def packing_events(case):
    return CustodyEvent.objects.filter(item__case=case, action="packing")


def test_a_job_whose_builder_went_quiet_is_taken_over_and_finished(case, legal):
    dead = uuid.uuid4()
    job = job_for(case, legal, state="running", claim=dead, attempts=1,
                  claimed_at=timezone.now() - timedelta(seconds=601))
    assert export.export_run(str(job.pk)) == "done"
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("done", 2) and job.claim != dead
    assert default_storage.exists(job.package_name) and job.item_count == 2
    assert packing_events(case).count() == 2


def test_a_job_whose_builder_is_alive_is_left_to_it(case, legal):
    alive = uuid.uuid4()
    job = job_for(case, legal, state="running", claim=alive, attempts=1,
                  claimed_at=timezone.now() - timedelta(seconds=30))
    assert export.export_run(str(job.pk)) == "running"
    job.refresh_from_db()
    assert (job.state, job.attempts, job.claim) == ("running", 1, alive)
    assert not packing_events(case).exists()


def test_a_builder_that_lost_its_job_writes_nothing_to_the_log_or_the_job(case, legal, monkeypatch):
    job = job_for(case, legal)
    taken_over = uuid.uuid4()
    copy = export._copy_content

    def copy_then_lose_the_job(*args):
        copy(*args)
        # Meanwhile the job was thought dead and another worker took it.
        ExportJob.objects.filter(pk=job.pk).update(claim=taken_over, claimed_at=timezone.now(), attempts=2)

    monkeypatch.setattr(export, "_copy_content", copy_then_lose_the_job)
    assert export.export_run(str(job.pk)) == "running"
    job.refresh_from_db()
    assert (job.state, job.claim, job.package_name) == ("running", taken_over, "")
    assert not packing_events(case).exists()
    assert not default_storage.exists(f"exports/{job.pk}.zip")


def test_a_builder_that_loses_its_job_after_storing_the_package_removes_it(case, legal, monkeypatch):
    job = job_for(case, legal)
    zip_bag = export.zip_bag
    taken_over = uuid.uuid4()

    def zip_then_lose_the_job(bag, target):
        digest = zip_bag(bag, target)
        ExportJob.objects.filter(pk=job.pk).update(claim=taken_over)
        return digest

    monkeypatch.setattr(export, "zip_bag", zip_then_lose_the_job)
    assert export.export_run(str(job.pk)) == "running"
    job.refresh_from_db()
    assert (job.state, job.package_name, job.claim) == ("running", "", taken_over)
    assert not default_storage.exists(f"exports/{job.pk}.zip")


def test_the_sweeper_sends_out_lost_and_abandoned_jobs_only(case, legal, eager_celery):
    long_ago = timezone.now() - timedelta(seconds=700)
    lost = job_for(case, legal, created_at=long_ago)  # its task never arrived
    abandoned = job_for(case, legal, state="running", claim=uuid.uuid4(), claimed_at=long_ago, attempts=1)
    waiting = job_for(case, legal)  # queued a moment ago: its task is on its way
    working = job_for(case, legal, state="running", claim=uuid.uuid4(), claimed_at=timezone.now(), attempts=1)
    assert set(export.export_sweep()) == {str(lost.pk), str(abandoned.pk)}
    states = dict(ExportJob.objects.values_list("pk", "state"))
    assert states[lost.pk] == states[abandoned.pk] == "done"
    assert (states[waiting.pk], states[working.pk]) == ("queued", "running")
