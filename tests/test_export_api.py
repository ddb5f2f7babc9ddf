"""Court packages through the API: a background job, its state, the zip, and who may ask."""

import base64
import hashlib
import io
import shutil
import subprocess
import sys
import zipfile

import pytest
from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from evidence.models import CustodyEvent, EvidenceItem, ExportJob
from evidence.services import evidence_register
from tests import factories
from tests.factories import CaseFactory, sealed_item

DATA = b"RIFF....WAVEfmt " + bytes(range(200)) * 10
DISCLOSURE = {"recipient": "Trial Chamber II", "purpose": "Disclosure to the defence"}


@pytest.fixture(autouse=True)
def _own_key(settings, tmp_path):
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = tmp_path / "keys" / "ledger.pem"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def case(team, investigator):
    case = CaseFactory(team=team, created_by=investigator, sensitivity="restricted")
    sealed_item(actor=investigator, case=case, data=DATA, filename="intercept.wav", kind="audio", title="Intercept")
    evidence_register(actor=investigator, case=case, kind="webpage", title="Report", held_by="A newspaper")
    return case


@pytest.fixture(autouse=True)
def _in_process(eager_celery):
    """The export job runs in this process, even when REDIS_URL names a broker."""


def _export(client, case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/cases/{case.reference}/exports/", DISCLOSURE, format="json")
    return response


@pytest.mark.skipif(shutil.which("openssl") is None, reason="verify.py needs the openssl command")
def test_legal_staff_get_a_package_that_verifies_offline(case, legal, tmp_path, django_capture_on_commit_callbacks):
    api = client_for(legal)
    response = _export(api, case, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    job = api.get(response.json()["url"]).json()
    assert job["state"] == "done", job
    assert job["item_count"] == 2 and job["tree_size"] > 0
    download = api.get(job["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == job["package_sha256"]
    assert download["Repr-Digest"] == f"sha-256=:{base64.b64encode(hashlib.sha256(body).digest()).decode()}:"
    zipfile.ZipFile(io.BytesIO(body)).extractall(tmp_path / "unzipped")
    (bag,) = (tmp_path / "unzipped").iterdir()
    result = subprocess.run([sys.executable, "-I", str(bag / "verify.py")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert (bag / "data" / "items" / "E001" / "content" / "intercept.wav").read_bytes() == DATA
    # the download itself is a read of the evidence: recorded on every item packed
    for item in EvidenceItem.objects.filter(case=case):
        actions = list(CustodyEvent.objects.filter(item=item).order_by("seq").values_list("action", flat=True))
        assert actions[-2:] == ["packing", "dissemination"]


def test_an_export_of_a_case_you_cannot_see_is_a_404(case, django_capture_on_commit_callbacks):
    stranger = factories.user_with_role("legal", team=factories.TeamFactory())
    response = _export(client_for(stranger), case, django_capture_on_commit_callbacks)
    assert response.status_code == 404
    assert _export(client_for(stranger), type("C", (), {"reference": "UA-1999-0001"}),
                   django_capture_on_commit_callbacks).status_code == 404
    assert not ExportJob.objects.exists()


def test_only_legal_staff_may_export(case, investigator, django_capture_on_commit_callbacks):
    response = _export(client_for(investigator), case, django_capture_on_commit_callbacks)
    assert response.status_code == 403 and "legal" in response.json()["detail"]
    assert not ExportJob.objects.exists()


def test_an_export_with_items_still_processing_is_a_409_naming_them(case, legal, investigator,
                                                                     django_capture_on_commit_callbacks):
    pending = evidence_register(actor=investigator, case=case, kind="video", title="Raw",
                                file=ContentFile(b"not hashed yet", name="raw.mp4"))
    EvidenceItem.objects.filter(pk=pending.pk).update(state=EvidenceItem.State.PROCESSING)
    response = _export(client_for(legal), case, django_capture_on_commit_callbacks)
    assert response.status_code == 409
    assert response.json()["unsealed"] == [pending.exhibit] and pending.exhibit in response.json()["detail"]
    assert not ExportJob.objects.exists()
    assert not CustodyEvent.objects.filter(action="packing").exists()


def test_a_job_is_seen_only_by_whoever_asked_and_downloads_only_when_done(case, legal, team):
    job = ExportJob.objects.create(case=case, requested_by=legal)
    colleague = factories.user_with_role("legal", team=team)
    assert client_for(colleague).get(f"/api/v1/exports/{job.pk}/").status_code == 404
    response = client_for(legal).get(f"/api/v1/exports/{job.pk}/download/")
    assert response.status_code == 409 and response.json()["state"] == "queued"
    assert client_for(legal).get(f"/api/v1/exports/{job.pk}/").json()["download_url"] is None


def test_a_failed_export_says_why_and_packs_nothing(case, legal, settings, django_capture_on_commit_callbacks):
    from pathlib import Path

    from evidence.storage import content_name

    item = EvidenceItem.objects.get(case=case, kind="audio")
    stored = Path(settings.MEDIA_ROOT) / content_name(item.sha256)
    stored.chmod(0o640)
    stored.write_bytes(b"altered")
    api = client_for(legal)
    job = api.get(_export(api, case, django_capture_on_commit_callbacks).json()["url"]).json()
    assert job["state"] == "failed" and "cannot be vouched for" in job["error"]
    assert not CustodyEvent.objects.filter(action="packing").exists()
