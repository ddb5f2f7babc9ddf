"""The custody chain as the API lists it, and POST …/verify/: chain, fixity, log."""

import hashlib

import pytest
from django.conf import settings as django_settings
from django.db import connection

from evidence import signing
from evidence.custody import entry_body, entry_hash
from evidence.models import CustodyEvent, LogNode
from evidence.services import evidence_register
from evidence.storage import content_name
from tests import db_guards
from tests.api.helpers import sealed_item
from tests.factories import CaseFactory

CONTENT = b"the exhibit's bytes"


@pytest.fixture
def item(team, investigator):
    case = CaseFactory(team=team, created_by=investigator)
    return sealed_item(investigator, case, CONTENT)


def raw(sql: str, params=()):
    """Write past the append-only triggers, as an attacker with the owner's rights would."""
    db_guards.tamper(sql, params)


def test_it_lists_the_chain_with_every_field_and_hashes_that_recompute(item, legal, api):
    body = api(legal).get(f"/api/v1/evidence/{item.pk}/custody/").json()
    entries = body["results"]
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    assert {"seq", "action", "outcome", "actor", "occurred_at", "recorded_at", "details", "prev_hash",
            "entry_hash"} <= set(entries[0])
    assert entries[0]["action"] == "accession"
    for entry in entries:
        fields = {k: entry[k] for k in ("seq", "action", "outcome", "actor", "occurred_at", "recorded_at",
                                         "details", "prev_hash")}
        assert entry_hash(entry_body(item_id=str(item.pk), **fields)) == entry["entry_hash"]


def test_the_chain_pages_by_seq(item, legal, api):
    client = api(legal)
    total = item.custody.count()
    seen, url = [], f"/api/v1/evidence/{item.pk}/custody/?page_size=1"
    while url:
        page = client.get(url).json()
        seen += [e["seq"] for e in page["results"]]
        url = page["next"]
    assert seen == list(range(1, total + 1))
    assert client.get(f"/api/v1/evidence/{item.pk}/custody/?ordering=-seq").status_code == 400
    assert client.get(f"/api/v1/evidence/{item.pk}/custody/?action=capture").status_code == 400


def test_verify_finds_nothing_wrong_and_records_the_fixity_check(item, legal, api, settings, tmp_path):
    settings.LEDGER_SIGNING_KEY_FILE = tmp_path / "ledger.pem"
    settings.LEDGER_PUBLIC_KEYS_DIR = tmp_path / "public-keys"
    signing.sign_tree_head()  # what the signer (a worker) does; the request itself never signs
    before = item.custody.count()
    response = api(legal).post(f"/api/v1/evidence/{item.pk}/verify/")
    assert response.status_code == 200
    report = response.json()
    assert report["ok"] is True
    assert report["chain"] == {"ok": True, "length": before + 1, "broken_seq": None, "problem": ""}
    assert report["fixity"]["ok"] is True and report["fixity"]["actual_sha256"] == hashlib.sha256(CONTENT).hexdigest()
    assert report["log"]["ok"] is True and report["log"]["checked"] == before + 1 and report["log"]["problems"] == []
    signed = report["signed_head"]
    assert signed["ok"] is True and signed["signature_ok"] is True and signed["entries_checked"] == before
    assert signed["entries_pending"] == 1  # the fixity entry this request made waits for the next head
    event = item.custody.order_by("-seq").first()
    assert (event.action, event.outcome, event.actor_user) == ("fixity_check", "success", legal)
    assert event.seq == report["fixity"]["event_seq"]


def test_verify_reports_bytes_that_changed_on_disk_and_records_the_failure(item, legal, api):
    path = django_settings.MEDIA_ROOT / content_name(item.sha256)
    path.chmod(0o640)
    path.write_bytes(b"the exhibit's bytes, altered")
    report = api(legal).post(f"/api/v1/evidence/{item.pk}/verify/").json()
    assert report["ok"] is False and report["fixity"]["ok"] is False
    assert "digest proven at sealing" in report["fixity"]["problem"]
    assert report["chain"]["ok"] is True
    assert item.custody.filter(action="fixity_check").latest("seq").outcome == "failure"
    item.refresh_from_db()
    assert item.state == "quarantined" and item.custody.filter(action="quarantine").exists()


def test_verify_reports_missing_content(item, legal, api):
    (django_settings.MEDIA_ROOT / content_name(item.sha256)).unlink()
    report = api(legal).post(f"/api/v1/evidence/{item.pk}/verify/").json()
    assert report["fixity"]["ok"] is False and "missing" in report["fixity"]["problem"]


def test_verify_finds_a_rewritten_custody_entry_in_the_chain_and_in_the_log(committed_db, item, legal, api):
    raw(f"UPDATE {CustodyEvent._meta.db_table} SET details = %s WHERE item_id = %s AND seq = 1",
        ['{"rewritten": true}', item.pk.hex if connection.vendor == "sqlite" else str(item.pk)])
    report = api(legal).post(f"/api/v1/evidence/{item.pk}/verify/").json()
    assert report["ok"] is False
    assert report["chain"]["ok"] is False and report["chain"]["broken_seq"] == 1
    assert report["log"]["ok"] is False and report["log"]["problems"][0]["seq"] == 1


def test_verify_finds_a_leaf_changed_in_the_log(committed_db, item, legal, api):
    index = item.custody.get(seq=1).log_index
    raw(f"UPDATE {LogNode._meta.db_table} SET hash = %s WHERE level = 0 AND index = %s"
        .replace(" index ", ' "index" '), [b"\x00" * 32, index])
    report = api(legal).post(f"/api/v1/evidence/{item.pk}/verify/").json()
    assert report["log"]["ok"] is False
    assert report["log"]["problems"][0]["log_index"] == index and report["chain"]["ok"] is True


def test_verify_of_a_reference_checks_chain_and_log_only(team, investigator, legal, api):
    case = CaseFactory(team=team, created_by=investigator)
    ref = evidence_register(actor=investigator, case=case, kind="intercept", title="Tape", held_by="SBU")
    report = api(legal).post(f"/api/v1/evidence/{ref.pk}/verify/").json()
    assert report["ok"] is True and report["fixity"]["ok"] is None and report["fixity"]["checked"] is False
    assert not ref.custody.filter(action="fixity_check").exists()
