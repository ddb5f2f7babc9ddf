"""RFC 3161 time-stamps for tree heads, from a real TSA (`openssl ts -reply`) on loopback: a head is
stamped after it is signed, a TSA that is down never stops signing and its heads are stamped later,
a corrupted or foreign token is a fault, and a court package carries the token for verify.py to check."""

import base64
import io
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from evidence import export, signing, timestamps
from evidence.custody import custody_append
from evidence.ledger_tasks import stamp_pending_heads
from evidence.models import HeadTimestamp, TreeHead
from evidence.services import evidence_register
from tests.factories import CaseFactory, sealed_item
from tests.tsa import LocalTsa, closed_port_url, make_pki

pytestmark = [
    pytest.mark.skipif(shutil.which("openssl") is None, reason="the TSA and its checks need openssl"),
    pytest.mark.usefixtures("own_ledger"),
]


@pytest.fixture
def pki(tmp_path):
    return make_pki(tmp_path / "tsa")


@pytest.fixture
def tsa(settings, pki):
    with LocalTsa(pki) as server:
        settings.LEDGER_TSA_URL = server.url
        settings.LEDGER_TSA_CA_FILE = str(pki.ca_cert)
        yield server


@pytest.fixture
def item(investigator, team):
    case = CaseFactory(team=team, created_by=investigator)
    return evidence_register(actor=investigator, case=case, kind="intercept", title="Call", held_by="SBU")


def run_verify(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_integrity", "--no-content", *args, stdout=out, stderr=io.StringIO())
        return 0, out.getvalue()
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)


def test_a_new_head_is_time_stamped_and_openssl_verifies_the_token(item, tsa, pki, settings, tmp_path, legal):
    head = signing.sign_tree_head()
    stamp = HeadTimestamp.objects.get(head=head)
    assert tsa.requests == 1 and stamp.tsa_url == tsa.url
    assert abs(stamp.gen_time - timezone.now()) < timedelta(minutes=1)
    token = bytes(stamp.token)
    assert timestamps.token_problem(token, signing.head_message(head)) == ""
    witnessed = Path(settings.LEDGER_WITNESS_DIR) / f"{head.tree_size:010d}.tsr"
    assert witnessed.read_bytes() == token
    (tmp_path / "head.bin").write_bytes(signing.head_message(head))
    openssl = subprocess.run(["openssl", "ts", "-verify", "-data", "head.bin", "-in", str(witnessed),
                              "-CAfile", str(pki.ca_cert)], cwd=tmp_path, capture_output=True, text=True)
    assert openssl.returncode == 0, openssl.stderr
    assert signing.sign_tree_head().pk == head.pk and tsa.requests == 1  # no growth, no new head, no new stamp
    code, out = run_verify("--witness", settings.LEDGER_WITNESS_DIR)
    assert code == 0, out
    assert "no timestamp token" not in out and "not checked" not in out
    witnessed.chmod(0o644)
    witnessed.write_bytes(token[:-40] + bytes([token[-40] ^ 1]) + token[-39:])
    code, out = run_verify("--witness", settings.LEDGER_WITNESS_DIR)
    assert code == 1
    assert f"witnessed head {head.tree_size:010d}.json (size {head.tree_size}, root {head.root_hash[:16]}...): " \
           f"its timestamp token {witnessed.name} does not verify" in out
    client = APIClient()
    client.force_authenticate(legal)
    shown = client.get("/api/v1/log/head/").json()
    assert base64.b64decode(shown["timestamp_token"]) == token and shown["tsa_url"] == tsa.url


def test_a_tsa_that_is_down_never_stops_signing_and_its_heads_are_stamped_later(item, pki, settings, caplog, legal):
    settings.LEDGER_TSA_URL = closed_port_url()
    settings.LEDGER_TSA_CA_FILE = str(pki.ca_cert)
    head = signing.sign_tree_head()
    assert TreeHead.objects.filter(pk=head.pk).exists()
    assert not HeadTimestamp.objects.exists()
    assert f"Tree head at size {head.tree_size} is signed but not time-stamped" in caplog.text
    code, out = run_verify()
    assert code == 0, out
    assert f"warning: 1 signed tree head(s) have no timestamp token yet (sizes {head.tree_size})" in out
    client = APIClient()
    client.force_authenticate(legal)
    assert client.get("/api/v1/log/head/").json()["timestamp_token"] is None
    assert stamp_pending_heads.apply().get() == 0  # still down

    with LocalTsa(pki) as server:
        settings.LEDGER_TSA_URL = server.url
        assert stamp_pending_heads.apply().get() == 1
    stamp = HeadTimestamp.objects.get(head=head)
    assert timestamps.token_problem(bytes(stamp.token), signing.head_message(head)) == ""
    code, out = run_verify()
    assert code == 0 and "no timestamp token" not in out, out
    assert client.get("/api/v1/log/head/").json()["timestamp_token"] is not None


def _unstamped_head(settings, item, investigator) -> TreeHead:
    """A head signed while the TSA was down (so it has no token yet)."""
    url = settings.LEDGER_TSA_URL
    settings.LEDGER_TSA_URL = closed_port_url()
    custody_append(item=item, action="transfer", user=investigator)
    head = signing.sign_tree_head()
    settings.LEDGER_TSA_URL = url
    assert not HeadTimestamp.objects.filter(head=head).exists()
    return head


def test_a_corrupted_token_is_a_fault_naming_the_head(item, investigator, tsa, settings):
    head = _unstamped_head(settings, item, investigator)
    token = bytearray(timestamps.request_token(signing.head_message(head)))
    token[-40] ^= 0x01  # inside the TSA's signature
    HeadTimestamp.objects.create(head=head, token=bytes(token), tsa_url=tsa.url, gen_time=timezone.now(),
                                 recorded_at=timezone.now())
    code, out = run_verify()
    assert code == 1
    assert f"FAULT: signed tree head at size {head.tree_size}: its timestamp token from {tsa.url} does not verify" in out


def test_a_token_for_another_head_is_a_fault_naming_the_head(item, investigator, tsa, settings):
    stamped = signing.sign_tree_head()
    foreign = bytes(HeadTimestamp.objects.get(head=stamped).token)
    head = _unstamped_head(settings, item, investigator)
    HeadTimestamp.objects.create(head=head, token=foreign, tsa_url=tsa.url, gen_time=timezone.now(),
                                 recorded_at=timezone.now())
    code, out = run_verify()
    assert code == 1
    assert f"signed tree head at size {head.tree_size}: its timestamp token" in out
    assert f"signed tree head at size {stamped.tree_size}: its timestamp token" not in out


# --- the court package ------------------------------------------------------------------


@pytest.fixture
def case(team, investigator):
    case = CaseFactory(team=team, created_by=investigator, reference="UA-2022-0009")
    sealed_item(actor=investigator, case=case, data=b"\x89PNG" + bytes(range(200)), filename="map.png",
                kind="image", title="Map")
    return case


def run_verifier(bag: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-I", str(bag / "verify.py"), str(bag)], capture_output=True, text=True)


def test_the_package_carries_the_token_and_verify_py_checks_it(case, legal, tsa, tmp_path):
    bag = export.build_bag(case=case, directory=tmp_path / "package", user=legal, package_id="stamped").path
    assert (bag / "data" / "log" / "tree-head.tsr").is_file() and (bag / "data" / "log" / "tsa-ca.pem").is_file()
    result = run_verifier(bag)
    assert result.returncode == 0, result.stdout
    assert "ok    RFC 3161 time-stamp token: the tree head existed at" in result.stdout

    token = bag / "data" / "log" / "tree-head.tsr"
    raw = bytearray(token.read_bytes())
    raw[-40] ^= 0x01
    token.write_bytes(bytes(raw))
    result = run_verifier(bag)
    assert result.returncode == 1
    assert "the time-stamp token data/log/tree-head.tsr does not verify for this tree head" in result.stdout


def test_a_package_without_a_token_says_so_as_a_note_and_still_verifies(case, legal, tmp_path):
    bag = export.build_bag(case=case, directory=tmp_path / "package", user=legal, package_id="unstamped").path
    assert not (bag / "data" / "log" / "tree-head.tsr").exists()
    result = run_verifier(bag)
    assert result.returncode == 0, result.stdout
    assert "note  this package holds no RFC 3161 time-stamp token" in result.stdout
