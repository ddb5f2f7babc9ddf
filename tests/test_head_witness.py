"""Witnessed heads and key rotation: each signed head is written once to the witness folder with the
access log's tip, `verify_integrity --witness DIR` proves the log consistent with every one of them
(naming a rolled-back, forked or unknown-key head), and heads signed before a key rotation still verify
while the retired key's public half is kept."""

import base64
import io
import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from catalogue import access_chain
from evidence import log_store, signing, witness
from evidence.custody import custody_append
from evidence.models import TreeHead
from evidence.services import evidence_register
from tests.factories import CaseFactory

pytestmark = pytest.mark.usefixtures("own_ledger")


@pytest.fixture
def folder(settings) -> Path:
    return Path(settings.LEDGER_WITNESS_DIR)


@pytest.fixture
def item(investigator, team):
    case = CaseFactory(team=team, created_by=investigator)
    return evidence_register(actor=investigator, case=case, kind="intercept", title="Call", held_by="SBU")


def grow(item, user, n: int = 1) -> None:
    for step in range(n):
        custody_append(item=item, action="transfer", user=user, details={"step": step})


def run_verify(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_integrity", "--no-content", *args, stdout=out, stderr=io.StringIO())
        return 0, out.getvalue()
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)


def pem_of(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def forged_witness(folder: Path, *, tree_size: int, root_hash: str, key: Ed25519PrivateKey,
                   access: tuple[int, str] | None = None) -> Path:
    """A witness file as the signer writes one, for a head of our choosing, signed with ``key``."""
    timestamp_ms = 1_790_000_000_000
    message = signing.tree_head_message(tree_size=tree_size, root_hash=bytes.fromhex(root_hash),
                                        timestamp=timestamp_ms)
    key_id = signing.public_key_id(key.public_key())
    record = {"format": witness.FORMAT, "public_key_pem": None, "access_log": None, "head": {
        "tree_size": tree_size, "root_hash": root_hash, "timestamp_ms": timestamp_ms, "key_id": key_id,
        "signature": base64.b64encode(key.sign(message)).decode(), "algorithm": "Ed25519"}}
    if access is not None:
        tip_message = witness.access_tip_message(tree_size=tree_size, root_hash=root_hash, timestamp_ms=timestamp_ms,
                                                 size=access[0], tip=access[1])
        record["access_log"] = {"size": access[0], "tip": access[1], "key_id": key_id,
                                "signature": base64.b64encode(key.sign(tip_message)).decode()}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / witness.file_name(tree_size)
    path.write_text(json.dumps(record))
    return path


def trusted_private_key(settings) -> Ed25519PrivateKey:
    return serialization.load_pem_private_key(Path(settings.LEDGER_SIGNING_KEY_FILE).read_bytes(), password=None)


def test_each_signed_head_is_written_once_with_its_key_and_the_access_log_tip(item, investigator, legal, folder):
    access_chain.append(user_id=legal.pk, case_ids=[item.case_id], via="api", action="read")
    head = signing.sign_tree_head()
    path = folder / "0000000001.json"
    record = json.loads(path.read_text())
    assert record["head"] == signing.head_as_dict(head)
    assert record["public_key_pem"] == signing.signing_key().public_pem
    size, tip = access_chain.tip()
    assert size >= 1 and record["access_log"]["size"] == size and record["access_log"]["tip"] == tip
    message = witness.access_tip_message(tree_size=1, root_hash=head.root_hash,
                                         timestamp_ms=signing.timestamp_ms(head.timestamp), size=size, tip=tip)
    assert signing.verify_signature(message, base64.b64decode(record["access_log"]["signature"]),
                                    record["public_key_pem"])
    assert not os.stat(path).st_mode & 0o222  # read-only
    before = path.read_bytes()
    signing.sign_tree_head(force=True)  # same size, same root: the witnessed file stands
    assert path.read_bytes() == before
    assert not list(folder.glob(".incoming-*"))
    grow(item, investigator)
    signing.sign_tree_head()
    assert sorted(p.name for p in folder.iterdir()) == ["0000000001.json", "0000000002.json"]


def test_signing_a_head_at_a_witnessed_size_with_another_root_is_refused_as_a_fork(item, investigator, folder,
                                                                                   settings):
    signing.sign_tree_head()
    forged_witness(folder, tree_size=2, root_hash="ab" * 32, key=trusted_private_key(settings))
    grow(item, investigator)
    with pytest.raises(log_store.LogIntegrityError, match="Fork: the head at size 2"):
        signing.sign_tree_head()


def test_verify_integrity_passes_a_log_consistent_with_every_witnessed_head(item, investigator, folder):
    signing.sign_tree_head()
    grow(item, investigator, 3)
    signing.sign_tree_head()
    grow(item, investigator, 2)  # entries after the last witnessed head are fine
    code, out = run_verify("--witness", str(folder))
    assert code == 0, out
    assert f"Checked the log against 2 witnessed head(s) in {folder}." in out


def test_a_witnessed_head_larger_than_the_log_is_a_rollback_naming_it(item, investigator, folder, settings):
    signing.sign_tree_head()
    grow(item, investigator, 2)
    signing.sign_tree_head()
    # The log was witnessed at size 9; the database now holds 3 entries.
    forged_witness(folder, tree_size=9, root_hash="cd" * 32, key=trusted_private_key(settings))
    code, out = run_verify("--witness", str(folder))
    assert code == 1
    assert "witnessed head 0000000009.json (size 9, root cdcdcdcdcdcdcdcd...): rollback: the log now holds only 3" in out


def test_a_witnessed_head_with_another_root_at_its_size_is_a_fork_naming_it(item, investigator, folder, settings):
    grow(item, investigator, 3)
    signing.sign_tree_head()
    forged_witness(folder, tree_size=2, root_hash="ef" * 32, key=trusted_private_key(settings))
    code, out = run_verify("--witness", str(folder))
    assert code == 1
    assert "witnessed head 0000000002.json (size 2, root efefefefefefefef...): fork: the stored log gives another " \
           "root at size 2" in out
    assert "0000000004.json" not in out  # the genuine head checks


def test_a_witnessed_head_signed_by_an_unknown_key_is_a_fault_naming_the_key(item, folder):
    stranger = Ed25519PrivateKey.generate()
    forged_witness(folder, tree_size=1, root_hash=log_store.root(1).hex(), key=stranger)
    code, out = run_verify("--witness", str(folder))
    assert code == 1
    assert (f"witnessed head 0000000001.json (size 1, root {log_store.root(1).hex()[:16]}...): signed by key "
            f"{signing.public_key_id(stranger.public_key())}, which is not among the trusted public keys") in out


def test_an_access_log_cut_back_or_rewritten_after_its_tip_was_witnessed_is_a_fault(item, legal, folder, settings):
    access_chain.append(user_id=legal.pk, case_ids=[item.case_id] * 3, via="api", action="read")
    size, tip = access_chain.tip()
    signing.signing_key()  # the signer's key, trusted
    key = trusted_private_key(settings)
    root = log_store.root(1).hex()
    forged_witness(folder, tree_size=1, root_hash=root, key=key, access=(size, tip))
    assert run_verify("--witness", str(folder))[0] == 0
    forged_witness(folder, tree_size=1, root_hash=root, key=key, access=(size + 2, tip))
    code, out = run_verify("--witness", str(folder))
    assert code == 1 and f"access-log rollback: entry {size + 2}, the tip it witnessed, is no longer" in out
    forged_witness(folder, tree_size=1, root_hash=root, key=key, access=(size, "12" * 32))
    code, out = run_verify("--witness", str(folder))
    assert code == 1 and f"the access log was rewritten: entry {size} no longer has the hash witnessed" in out


def test_heads_signed_before_a_key_rotation_still_verify_while_the_old_public_key_is_kept(
        item, investigator, legal, folder, settings):
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    old_id, new_id = signing.public_key_id(old.public_key()), signing.public_key_id(new.public_key())
    settings.LEDGER_SIGNING_KEY = pem_of(old)
    first = signing.sign_tree_head()
    grow(item, investigator)
    settings.LEDGER_SIGNING_KEY = pem_of(new)  # the rotation: a new private key, the old public key kept
    second = signing.sign_tree_head()
    assert (first.key_id, second.key_id) == (old_id, new_id)
    code, out = run_verify("--witness", str(folder))
    assert code == 0, out
    assert signing.check_item_against_head(item)["ok"]
    keys = APIClient().get("/api/v1/log/key/").json()
    assert keys["key_id"] == new_id and {k["key_id"] for k in keys["keys"]} == {old_id, new_id}

    (Path(settings.LEDGER_PUBLIC_KEYS_DIR) / f"{old_id}.pem").unlink()
    code, out = run_verify("--witness", str(folder))
    assert code == 1
    assert (f"signed tree head at size {first.tree_size}: signed by key {old_id}, which is not among the trusted "
            "public keys") in out
    assert f"witnessed head 0000000001.json (size 1, root {first.root_hash[:16]}...): signed by key {old_id}" in out
    assert f"signed tree head at size {second.tree_size}:" not in out


def test_an_item_checked_against_a_head_signed_by_an_unknown_key_says_so(item, settings):
    head = signing.sign_tree_head()
    (Path(settings.LEDGER_PUBLIC_KEYS_DIR) / f"{head.key_id}.pem").unlink()
    report = signing.check_item_against_head(item)
    assert not report["ok"] and not report["signature_ok"]
    assert report["problems"][0] == (f"the tree head at size {head.tree_size}: signed by key {head.key_id}, "
                                      "which is not among the trusted public keys (LEDGER_PUBLIC_KEYS_DIR)")
    assert TreeHead.objects.count() == 1
