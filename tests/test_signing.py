"""Signed tree heads: the key, the signature (checked with openssl too), when heads are signed,
and checking an item's entries against the latest head."""

import base64
import os
import shutil
import stat
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from evidence import ledger, log_store, signing
from evidence.custody import custody_append
from evidence.ledger_tasks import sign_tree_head as sign_tree_head_task
from evidence.models import CustodyEvent, TreeHead
from evidence.services import evidence_register
from tests import db_guards
from tests.factories import CaseFactory


@pytest.fixture(autouse=True)
def _own_key(settings, tmp_path):
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = tmp_path / "keys" / "ledger.pem"
    settings.LEDGER_PUBLIC_KEYS_DIR = tmp_path / "public-keys"


@pytest.fixture
def item(investigator, team):
    case = CaseFactory(team=team, created_by=investigator)
    return evidence_register(actor=investigator, case=case, kind="intercept", title="Call", held_by="SBU")


def test_it_makes_a_development_key_on_first_use_readable_only_by_its_owner(settings):
    path = settings.LEDGER_SIGNING_KEY_FILE
    assert not path.exists()
    key = signing.signing_key()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert signing.public_key_id(loaded.public_key()) == key.key_id
    signing._load.cache_clear()
    assert signing.signing_key().key_id == key.key_id  # reused, not replaced
    published = settings.LEDGER_PUBLIC_KEYS_DIR / f"{key.key_id}.pem"
    assert published.read_text() == key.public_pem  # the signer trusts its own key


def test_it_takes_the_key_from_the_setting_when_given(settings):
    private = Ed25519PrivateKey.generate()
    settings.LEDGER_SIGNING_KEY = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    assert signing.signing_key().key_id == signing.public_key_id(private.public_key())
    assert not settings.LEDGER_SIGNING_KEY_FILE.exists()


def test_it_refuses_a_key_that_is_not_ed25519(settings):
    settings.LEDGER_SIGNING_KEY = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"
    with pytest.raises(ImproperlyConfigured, match="LEDGER_SIGNING_KEY"):
        signing.signing_key()


def test_a_head_signs_the_rfc_9162_tree_head_data(item):
    head = signing.sign_tree_head()
    assert head.tree_size == log_store.size() == 1
    assert head.root_hash == log_store.root().hex()
    message = signing.head_message(head)
    assert message[:8] == signing.timestamp_ms(head.timestamp).to_bytes(8, "big")
    assert message[8:16] == (1).to_bytes(8, "big")
    assert message[16] == 32 and message[17:49] == bytes.fromhex(head.root_hash) and message[49:] == b"\x00\x00"
    assert signing.head_signature_ok(head)
    other = Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    assert not signing.head_signature_ok(head, other)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not installed")
def test_openssl_alone_verifies_a_head_with_the_published_key(item, tmp_path):
    head = signing.sign_tree_head()
    (tmp_path / "pub.pem").write_text(signing.signing_key().public_pem)
    (tmp_path / "msg").write_bytes(signing.head_message(head))
    (tmp_path / "sig").write_bytes(base64.b64decode(head.signature))
    command = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin",
               "-in", "msg", "-sigfile", "sig"]
    assert subprocess.run(command, cwd=tmp_path, capture_output=True).returncode == 0
    (tmp_path / "msg").write_bytes(signing.tree_head_message(
        tree_size=head.tree_size + 1, root_hash=bytes.fromhex(head.root_hash),
        timestamp=signing.timestamp_ms(head.timestamp)))
    assert subprocess.run(command, cwd=tmp_path, capture_output=True).returncode != 0


def test_it_signs_a_new_head_only_when_the_log_has_grown(item, investigator):
    first = signing.sign_tree_head()
    assert signing.sign_tree_head().pk == first.pk
    assert signing.current_head().pk == first.pk
    custody_append(item=item, action="transfer", user=investigator)
    assert signing.current_head().pk == first.pk  # reading never signs
    second = signing.sign_tree_head()
    assert second.pk != first.pk and second.tree_size == first.tree_size + 1
    assert signing.current_head().pk == second.pk
    assert TreeHead.objects.count() == 2
    assert signing.sign_tree_head(force=True).pk != second.pk


def test_the_periodic_task_signs_when_the_log_grew(item, investigator):
    assert sign_tree_head_task.apply().get() == 1
    custody_append(item=item, action="transfer", user=investigator)
    assert sign_tree_head_task.apply().get() == 2
    assert TreeHead.objects.count() == 2
    schedule = django_settings.CELERY_BEAT_SCHEDULE["ledger-sign-tree-head"]
    assert schedule["task"] == sign_tree_head_task.name
    assert schedule["schedule"] == django_settings.LEDGER_HEAD_INTERVAL_SECONDS
    if "LEDGER_HEAD_INTERVAL_SECONDS" not in os.environ:
        assert django_settings.LEDGER_HEAD_INTERVAL_SECONDS == 60
    stamping = django_settings.CELERY_BEAT_SCHEDULE["ledger-stamp-pending-heads"]
    assert stamping["task"] == "evidence.ledger_tasks.stamp_pending_heads"


def test_consecutive_heads_are_consistent(item, investigator):
    old = signing.sign_tree_head()
    for n in range(5):
        custody_append(item=item, action="transfer", user=investigator, details={"n": n})
    new = signing.sign_tree_head()
    proof = log_store.consistency_proof(old.tree_size, new.tree_size)
    assert ledger.verify_consistency(old.tree_size, new.tree_size, bytes.fromhex(old.root_hash),
                                     bytes.fromhex(new.root_hash), proof)


def test_it_refuses_to_sign_a_log_that_no_longer_extends_the_last_head(committed_db, item, investigator):
    signing.sign_tree_head()
    custody_append(item=item, action="transfer", user=investigator)
    db_guards.tamper('UPDATE evidence_lognode SET hash = %s WHERE level = 1 AND "index" = 0', [b"\x07" * 32])
    with pytest.raises(log_store.LogIntegrityError, match="not consistent"):
        signing.sign_tree_head()


def test_an_untouched_item_checks_against_the_latest_head(item, investigator):
    custody_append(item=item, action="transfer", user=investigator)
    signing.sign_tree_head()
    report = signing.check_item_against_head(item)
    assert report["ok"], report
    assert report["entries_checked"] == 2 and report["signature_ok"] and report["root_ok"]
    assert report["tree_size"] == log_store.size()
    assert report["key_id"] == signing.signing_key().key_id
    assert report["entries_pending"] == 0 and not report["pending"]


def test_entries_after_the_latest_head_are_pending_not_faults(item, investigator):
    before = signing.check_item_against_head(item)
    assert before["ok"] and before["pending"] and before["entries_pending"] == 1 and before["tree_size"] == 0
    signing.sign_tree_head()
    custody_append(item=item, action="transfer", user=investigator)
    report = signing.check_item_against_head(item)
    assert report["ok"] and report["problems"] == []
    assert (report["entries_checked"], report["entries_pending"]) == (1, 1)
    assert TreeHead.objects.count() == 1  # checking did not sign


def test_an_entry_rewritten_behind_the_triggers_fails_against_the_head(committed_db, item, investigator):
    custody_append(item=item, action="transfer", user=investigator, details={"to": "vault"})
    signing.sign_tree_head()
    item_key = str(item.pk) if connection.vendor == "postgresql" else item.pk.hex
    db_guards.tamper("UPDATE evidence_custodyevent SET details = %s WHERE seq = 2 AND item_id = %s",
                     ['{"to": "home"}', item_key])
    assert CustodyEvent.objects.get(item=item, seq=2).details == {"to": "home"}
    report = signing.check_item_against_head(item)
    assert not report["ok"]
    assert report["problems"] == ["entry 2 differs from the entry logged at index 1"]
