"""An insider with the database owner's rights and the content store forges an exhibit.

The attack the issue describes: forged bytes written under a new `sha256/…`
name and the item's digest columns and size rewritten to match, behind the
triggers' back. Every check must compare with the digests proven in the
item's custody chain, catch it, record a failure (never a success for the
forged bytes) and quarantine the item.
"""

import hashlib
import io
import os
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from evidence import export, fixity, storage
from evidence.models import CustodyEvent, EvidenceItem
from tests import db_guards, factories
from tests.api.helpers import client_for

ORIGINAL = b"the intercepted call, as collected" * 100
FORGED = b"a different recording, planted later" * 100


@pytest.fixture
def people(committed_db):
    team = factories.TeamFactory()
    return {
        "team": team,
        "investigator": factories.user_with_role("investigator", team=team),
        "legal": factories.user_with_role("legal", team=team),
    }


@pytest.fixture
def item(people):
    case = factories.CaseFactory(team=people["team"], created_by=people["investigator"], sensitivity="restricted")
    return factories.sealed_item(actor=people["investigator"], case=case, data=ORIGINAL, filename="call.wav",
                                 kind="audio", title="Intercept")


def _key(item) -> str:
    return str(item.pk) if connection.vendor == "postgresql" else item.pk.hex


def forge_with_new_name(item: EvidenceItem) -> str:
    """Store forged bytes under their own digest and point every column at them."""
    digests = {name: hashlib.new(name, FORGED).hexdigest() for name in ("sha256", "sha512", "sha1", "md5")}
    default_storage.save(storage.content_name(digests["sha256"]), ContentFile(FORGED))
    changed = db_guards.tamper(
        "UPDATE evidence_evidenceitem SET sha256 = %s, sha512 = %s, sha1 = %s, md5 = %s, size = %s WHERE id = %s",
        [digests["sha256"], digests["sha512"], digests["sha1"], digests["md5"], len(FORGED), _key(item)],
    )
    assert changed == 1
    item.refresh_from_db()
    assert item.sha256 == digests["sha256"]
    return digests["sha256"]


def overwrite_stored(item: EvidenceItem, data: bytes) -> None:
    path = Path(default_storage.path(storage.content_name(item.sha256)))
    os.chmod(path, 0o640)
    path.write_bytes(data)


def run_verify(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_integrity", *args, stdout=out, stderr=io.StringIO())
        return 0, out.getvalue()
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)


def no_success_for(item: EvidenceItem, forged_sha256: str) -> bool:
    checks = CustodyEvent.objects.filter(item=item, action="fixity_check", outcome="success")
    return not [c for c in checks if forged_sha256 in str(c.details)]


def test_verify_integrity_names_columns_that_disagree_with_the_chain(item):
    original = item.sha256
    forge_with_new_name(item)
    code, out = run_verify()
    assert code == 1
    assert f"{item.exhibit}: tampering: the item's sha256 column says" in out
    assert original in out  # the proven digest is named beside the forged one
    assert "size column" in out


def test_the_api_verify_records_a_failure_against_the_proven_digest_and_quarantines(item, people):
    original = item.sha256
    forged = forge_with_new_name(item)
    report = client_for(people["legal"]).post(f"/api/v1/evidence/{item.pk}/verify/").json()
    assert report["ok"] is False
    assert report["fixity"]["ok"] is False and report["fixity"]["expected_sha256"] == original
    assert any("tampering" in line for line in report["fixity"]["tampering"])
    check = item.custody.filter(action="fixity_check").latest("seq")
    assert check.outcome == "failure" and check.details["expected_sha256"] == original
    assert no_success_for(item, forged)
    item.refresh_from_db()
    assert item.state == "quarantined" and "tampering" in item.error
    assert item.custody.filter(action="quarantine").exists()


def test_downloads_refuse_bytes_the_chain_does_not_prove(item, people):
    forge_with_new_name(item)
    response = client_for(people["legal"]).get(f"/api/v1/evidence/{item.pk}/content/")
    assert response.status_code == 409
    assert "custody record" in response.json()["detail"]
    assert not item.custody.filter(action="dissemination").exists()


def test_the_fixity_sweep_never_records_a_success_for_forged_bytes(item):
    forged = forge_with_new_name(item)
    summary = fixity.fixity_sweep()
    assert summary["failures"] == 1
    assert no_success_for(item, forged)
    item.refresh_from_db()
    assert item.state == "quarantined"


def test_an_export_refuses_the_forged_item_and_records_why(item, people, tmp_path):
    forge_with_new_name(item)
    with pytest.raises(export.ExportError, match="cannot be vouched for"):
        export.export_to_directory(case=item.case, directory=tmp_path / "out", user=people["legal"],
                                   recipient="Trial Chamber II", purpose="Trial")
    item.refresh_from_db()
    assert item.state == "quarantined"
    failure = item.custody.filter(action="fixity_check").latest("seq")
    assert failure.outcome == "failure" and failure.details["check"] == "export"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())  # nothing half-made


@pytest.mark.parametrize("damage", ["swapped", "truncated"])
def test_a_swapped_or_truncated_file_is_caught_everywhere(item, people, damage):
    overwrite_stored(item, FORGED[: len(ORIGINAL)] if damage == "swapped" else ORIGINAL[:-1])
    code, out = run_verify()
    assert code == 1 and f"{item.exhibit}: The stored object" in out
    report = client_for(people["legal"]).post(f"/api/v1/evidence/{item.pk}/verify/").json()
    assert report["ok"] is False and report["fixity"]["ok"] is False
    item.refresh_from_db()
    assert item.state == "quarantined"


def test_a_rewritten_digest_entry_is_caught_by_the_log(item):
    """The owner rewrites the chain's digest entry too (recomputing its hash): the log disagrees."""
    forged = forge_with_new_name(item)
    entry = item.custody.get(action="message_digest_calculation")
    details = {**entry.details, "sha256": forged}
    import json

    db_guards.tamper("UPDATE evidence_custodyevent SET details = %s WHERE id = %s", [json.dumps(details), entry.pk])
    code, out = run_verify()
    assert code == 1
    assert f"{item.exhibit}: custody entry {entry.seq}" in out
