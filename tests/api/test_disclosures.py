"""The disclosure register: every package names its recipient and purpose, and the case's
register lists what went to whom, when, by whom, with the package's digest."""

import hashlib
import io
import json
import shutil
import subprocess
import sys
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from evidence.models import CustodyEvent, ExportJob
from evidence.services import evidence_register
from tests import factories
from tests.api.helpers import client_for
from tests.factories import CaseFactory, sealed_item

DATA = b"RIFF....WAVEfmt " + bytes(range(200)) * 10
CHAMBER = {"recipient": "Trial Chamber II", "purpose": "Disclosure under Rule 77 before the confirmation hearing"}
DEFENCE = {"recipient": "Counsel for the defence of A. B.", "purpose": "Inspection of the intercepts"}

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="verify.py needs the openssl command")


@pytest.fixture(autouse=True)
def _own_key(settings, tmp_path):
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = tmp_path / "keys" / "ledger.pem"


@pytest.fixture(autouse=True)
def _in_process(eager_celery):
    """The export job runs in this process, even when REDIS_URL names a broker."""


@pytest.fixture
def case(team, investigator):
    case = CaseFactory(team=team, created_by=investigator, sensitivity="restricted")
    sealed_item(actor=investigator, case=case, data=DATA, filename="intercept.wav", kind="audio", title="Intercept")
    evidence_register(actor=investigator, case=case, kind="webpage", title="Report", held_by="A newspaper")
    return case


def export(user, case, body, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client_for(user).post(f"/api/v1/cases/{case.reference}/exports/", body, format="json")


def register(user, case):
    return client_for(user).get(f"/api/v1/cases/{case.reference}/disclosures/")


@pytest.mark.parametrize("body, field", [
    ({}, "recipient"),
    ({"purpose": "Trial"}, "recipient"),
    ({"recipient": "   ", "purpose": "Trial"}, "recipient"),
    ({"recipient": "Trial Chamber II"}, "purpose"),
    ({"recipient": "Trial Chamber II", "purpose": ""}, "purpose"),
    ({"recipient": "Trial\nChamber", "purpose": "Trial"}, "recipient"),
    ({"recipient": "x" * 301, "purpose": "Trial"}, "recipient"),
])
def test_an_export_without_a_recipient_or_purpose_is_a_400_that_says_which(
    case, legal, body, field, django_capture_on_commit_callbacks,
):
    response = export(legal, case, body, django_capture_on_commit_callbacks)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid" and field in response.json()["errors"]
    assert field in response.json()["detail"]
    assert not ExportJob.objects.exists()
    assert not CustodyEvent.objects.filter(action="packing").exists()


def test_who_may_not_export_hears_that_before_anything_about_the_body(case, investigator,
                                                                     django_capture_on_commit_callbacks):
    response = export(investigator, case, {}, django_capture_on_commit_callbacks)
    assert response.status_code == 403 and "legal" in response.json()["detail"]


def test_a_body_with_unknown_fields_is_refused(case, legal, django_capture_on_commit_callbacks):
    response = export(legal, case, {**CHAMBER, "recipients": ["x"]}, django_capture_on_commit_callbacks)
    assert response.status_code == 400 and "recipients" in response.json()["errors"]


def test_the_register_lists_what_went_to_whom_newest_first(case, legal, team, django_capture_on_commit_callbacks):
    first = export(legal, case, CHAMBER, django_capture_on_commit_callbacks)
    colleague = factories.user_with_role("legal", team=team)
    second = export(colleague, case, DEFENCE, django_capture_on_commit_callbacks)
    assert first.status_code == second.status_code == 202
    # Jobs that built nothing are not disclosures.
    ExportJob.objects.create(case=case, requested_by=legal, state=ExportJob.State.FAILED, **DEFENCE)

    response = register(legal, case)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["case"] == case.reference and body["count"] == 2
    newest, oldest = body["results"]
    assert (newest["recipient"], newest["purpose"], newest["created_by"]) == (
        DEFENCE["recipient"], DEFENCE["purpose"], colleague.username)
    assert (oldest["recipient"], oldest["purpose"], oldest["created_by"]) == (
        CHAMBER["recipient"], CHAMBER["purpose"], legal.username)
    assert newest["created_at"] >= oldest["created_at"]
    exhibits = [f"{case.reference}/E001", f"{case.reference}/E002"]
    for row, job_id in ((newest, second.json()["id"]), (oldest, first.json()["id"])):
        assert row["id"] == job_id and row["exhibits"] == exhibits
        job = ExportJob.objects.get(pk=job_id)
        with default_storage.open(job.package_name, "rb") as stored:
            assert row["package_sha256"] == hashlib.sha256(stored.read()).hexdigest()
    # The job itself says to whom, too.
    job = client_for(legal).get(first.json()["url"]).json()
    assert (job["recipient"], job["purpose"]) == (CHAMBER["recipient"], CHAMBER["purpose"])


@needs_openssl
def test_the_package_names_its_recipient_and_still_verifies(case, legal, tmp_path,
                                                            django_capture_on_commit_callbacks):
    api = client_for(legal)
    job = api.get(export(legal, case, CHAMBER, django_capture_on_commit_callbacks).json()["url"]).json()
    assert job["state"] == "done", job
    body = b"".join(api.get(job["download_url"]).streaming_content)
    zipfile.ZipFile(io.BytesIO(body)).extractall(tmp_path / "unzipped")
    (bag,) = (tmp_path / "unzipped").iterdir()

    bag_info = (bag / "bag-info.txt").read_text()
    assert f"Disclosed-To: {CHAMBER['recipient']}" in bag_info
    assert f"Disclosure-Purpose: {CHAMBER['purpose']}" in bag_info
    readme = (bag / "README.txt").read_text()
    assert f"Disclosed to: {CHAMBER['recipient']}" in readme and CHAMBER["purpose"] in readme
    manifest = json.loads((bag / "data" / "package-manifest.json").read_text())
    assert (manifest["recipient"], manifest["purpose"]) == (CHAMBER["recipient"], CHAMBER["purpose"])
    verify = subprocess.run([sys.executable, "-I", str(bag / "verify.py")], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout

    # The recipient is under the signature: naming someone else breaks the package.
    raw = (bag / "data" / "package-manifest.json").read_text()
    (bag / "data" / "package-manifest.json").write_text(raw.replace(CHAMBER["recipient"], "Somebody else"))
    forged = subprocess.run([sys.executable, "-I", str(bag / "verify.py")], capture_output=True, text=True)
    assert forged.returncode != 0 and "NOT VERIFIED" in forged.stdout
    # Each item's packing entry says for whom it was packed.
    packing = CustodyEvent.objects.filter(action="packing", details__package_id=job["id"])
    assert {e.details["recipient"] for e in packing} == {CHAMBER["recipient"]}


def test_an_outsider_sees_no_register(case, outsider, legal, django_capture_on_commit_callbacks):
    export(legal, case, CHAMBER, django_capture_on_commit_callbacks)
    response = register(outsider, case)
    assert response.status_code == 404 and CHAMBER["recipient"] not in response.content.decode()
    assert register(legal, type("C", (), {"reference": "UA-1999-0001"})).status_code == 404
    stranger = factories.user_with_role("legal", team=factories.TeamFactory())
    assert register(stranger, case).status_code == 404


def test_the_register_is_for_legal_staff_and_the_cases_team(team, investigator, outsider, legal):
    case = CaseFactory(team=team, created_by=investigator, sensitivity="open")
    assert register(investigator, case).status_code == 200
    assert register(legal, case).status_code == 200
    # An investigator of another team may read an open case, not whom it was disclosed to.
    refused = register(outsider, case)
    assert refused.status_code == 403 and "legal staff" in refused.json()["detail"]


def test_the_register_takes_no_parameters(case, legal):
    response = client_for(legal).get(f"/api/v1/cases/{case.reference}/disclosures/?recipient=x")
    assert response.status_code == 400 and "recipient" in response.json()["errors"]


@needs_openssl
def test_the_command_names_the_recipient_and_refuses_without_one(case, legal, tmp_path):
    with pytest.raises(CommandError, match="recipient"):
        call_command("export_case", case.reference, str(tmp_path / "none"), "--as-user", legal.username,
                     stdout=io.StringIO())
    with pytest.raises(CommandError, match="recipient"):
        call_command("export_case", case.reference, str(tmp_path / "blank"), "--recipient", " ",
                     "--purpose", "Trial", stdout=io.StringIO())
    call_command("export_case", case.reference, str(tmp_path / "out"), "--as-user", legal.username,
                 "--recipient", DEFENCE["recipient"], "--purpose", DEFENCE["purpose"], stdout=io.StringIO())
    (bag,) = (tmp_path / "out").iterdir()
    assert f"Disclosed-To: {DEFENCE['recipient']}" in (bag / "bag-info.txt").read_text()
    manifest = json.loads((bag / "data" / "package-manifest.json").read_text())
    assert manifest["recipient"] == DEFENCE["recipient"]
    verify = subprocess.run([sys.executable, "-I", str(bag / "verify.py")], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout
