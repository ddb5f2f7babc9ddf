"""Signed tree heads for the global Merkle log (Ed25519, as a Certificate Transparency log signs).

A head says "the log held ``tree_size`` entries whose RFC 9162 root is
``root_hash`` at ``timestamp``". The signed bytes are RFC 9162's
TreeHeadDataV2 (section 4.9): uint64 timestamp in milliseconds, uint64 tree
size, the root hash with a one-byte length, and a two-byte length of the
(empty) extensions. Anyone holding the public key can check a head with
``openssl pkeyutl -verify -rawin`` and nothing of ours.

There is one signer: the sequencer and the beat task (evidence.ledger_tasks)
and the export builder, all in workers, call ``sign_tree_head``. Everything else, the web
requests above all, reads the latest signed head and checks it against the
public keys in LEDGER_PUBLIC_KEYS_DIR (evidence/ledger_keys.py); entries
appended after that head are reported as pending, not as a failure.

The private key comes from settings.LEDGER_SIGNING_KEY (a PEM string) or the
file at LEDGER_SIGNING_KEY_FILE; when neither holds one, a key is generated
on first use and written to that file with 0600 permissions. Only the signer
loads it, and it adds its public key to LEDGER_PUBLIC_KEYS_DIR.
"""

from __future__ import annotations

import base64
import logging
import os
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from evidence import ledger, ledger_keys, log_store
from evidence.custody import event_body, leaf_bytes
from evidence.models import CustodyEvent, EvidenceItem, LogState, TreeHead

logger = logging.getLogger(__name__)

ALGORITHM = "Ed25519"
SIGNED_DATA = (
    "RFC 9162 TreeHeadDataV2: uint64 timestamp (ms since 1970-01-01 UTC), uint64 tree_size, "
    "uint8 32, the 32-byte root hash, uint16 0 (no extensions); all big-endian"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- the key ------------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    public_pem: str
    key_id: str  # SHA-256 of the DER SubjectPublicKeyInfo, hex

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


def public_key_id(public_key: Ed25519PublicKey) -> str:
    return ledger_keys.key_id_of(public_key)


def _parse_private(pem: bytes, where: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"{where} is not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{where} holds a {type(key).__name__}; the log signs with Ed25519.")
    return key


def _create_key_file(path: Path) -> Ed25519PrivateKey:
    """Write a new development key; if another process just wrote one, use theirs."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _parse_private(path.read_bytes(), f"LEDGER_SIGNING_KEY_FILE ({path})")
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    logger.warning(
        "Generated a new Ed25519 log signing key at %s. Set LEDGER_SIGNING_KEY or keep this file: "
        "heads signed with it can only be checked against its public key.", path,
    )
    return key


@lru_cache(maxsize=4)
def _load(pem_setting: str, file_setting: str) -> SigningKey:
    if pem_setting.strip():
        private = _parse_private(pem_setting.encode(), "LEDGER_SIGNING_KEY")
    else:
        path = Path(file_setting)
        if path.exists():
            private = _parse_private(path.read_bytes(), f"LEDGER_SIGNING_KEY_FILE ({path})")
        else:
            private = _create_key_file(path)
    public = private.public_key()
    public_pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
    return SigningKey(private=private, public_pem=public_pem, key_id=public_key_id(public))


def signing_key() -> SigningKey:
    """The private key: for the signer only (never called in a web request)."""
    key = _load(settings.LEDGER_SIGNING_KEY or "", str(settings.LEDGER_SIGNING_KEY_FILE))
    ledger_keys.add_public_key(key.public_pem, key.key_id)
    return key


def verify_signature(message: bytes, signature: bytes, public_pem: str) -> bool:
    public = serialization.load_pem_public_key(public_pem.encode("ascii"))
    try:
        public.verify(signature, message)
    except InvalidSignature:
        return False
    return True


# --- tree heads -----------------------------------------------------------------


def timestamp_ms(value: datetime) -> int:
    return (value - _EPOCH) // timedelta(milliseconds=1)


def tree_head_message(*, tree_size: int, root_hash: bytes, timestamp: int) -> bytes:
    """The exact bytes a head's signature covers (RFC 9162 TreeHeadDataV2)."""
    if len(root_hash) != ledger.HASH_SIZE:
        raise ValueError("a root hash is 32 bytes")
    return struct.pack(">QQB", timestamp, tree_size, len(root_hash)) + root_hash + struct.pack(">H", 0)


def head_message(head: TreeHead) -> bytes:
    return tree_head_message(
        tree_size=head.tree_size, root_hash=bytes.fromhex(head.root_hash), timestamp=timestamp_ms(head.timestamp)
    )


def latest_head() -> TreeHead | None:
    return TreeHead.objects.order_by("-tree_size", "-timestamp").first()


def sign_tree_head(*, force: bool = False) -> TreeHead:
    """Sign the log as it stands, unless the latest head already covers it (or ``force``).

    The sequencer waits on the LogState lock for the few milliseconds this
    takes, so the head covers exactly the entries integrated before it. A new head is
    signed only if it is consistent with the previous one: a log whose stored
    nodes no longer extend the last signed head is refused, loudly.

    Then, outside that lock (call it outside a transaction, as the workers do),
    the head is written to the witness folder and a new one is sent to the TSA.
    """
    head, created = _sign(force=force)
    # Imported here: both modules build on this one (head_as_dict, signing_key).
    from evidence import timestamps, witness

    witness.publish(head)
    if created:
        timestamps.stamp_head(head)
    return head


def _sign(*, force: bool) -> tuple[TreeHead, bool]:
    with transaction.atomic():
        state, _ = LogState.objects.select_for_update().get_or_create(pk=1)
        previous = latest_head()
        if previous is not None and previous.tree_size > state.size:
            raise log_store.LogIntegrityError(
                f"The log holds {state.size} entries but a head was signed at size {previous.tree_size}."
            )
        if previous is not None and previous.tree_size == state.size and not force:
            return previous, False
        new_root = log_store.root(state.size)
        if previous is not None:
            proof = log_store.consistency_proof(previous.tree_size, state.size)
            if not ledger.verify_consistency(
                previous.tree_size, state.size, bytes.fromhex(previous.root_hash), new_root, proof
            ):
                raise log_store.LogIntegrityError(
                    f"The stored log is not consistent with the head signed at size {previous.tree_size}."
                )
        now = timezone.now()
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # the head carries milliseconds
        key = signing_key()
        message = tree_head_message(tree_size=state.size, root_hash=new_root, timestamp=timestamp_ms(now))
        head = TreeHead.objects.create(
            tree_size=state.size, root_hash=new_root.hex(), timestamp=now,
            signature=base64.b64encode(key.sign(message)).decode("ascii"), key_id=key.key_id,
        )
        return head, True


def current_head() -> TreeHead | None:
    """The latest signed head, or None before the first one. Never signs: entries after
    it wait for the signer (beat, every LEDGER_HEAD_INTERVAL_SECONDS)."""
    return latest_head()


def head_as_dict(head: TreeHead) -> dict[str, Any]:
    return {
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "timestamp": head.timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "timestamp_ms": timestamp_ms(head.timestamp),
        "signature": head.signature,
        "key_id": head.key_id,
        "algorithm": ALGORITHM,
        "signed_data": SIGNED_DATA,
    }


def head_signature_ok(head: TreeHead, public_pem: str | None = None) -> bool:
    """Does the signature check with ``public_pem``, or else with the trusted key the head names?"""
    pem = public_pem or ledger_keys.public_pem(head.key_id)
    if pem is None:
        return False
    try:
        signature = base64.b64decode(head.signature, validate=True)
    except ValueError:
        return False
    return verify_signature(head_message(head), signature, pem)


def head_signature_problem(head: TreeHead, trusted: dict[str, str] | None = None) -> str:
    """What is wrong with a head's signature ("" when it checks), naming the key."""
    trusted = ledger_keys.trusted_keys() if trusted is None else trusted
    pem = trusted.get(head.key_id)
    if pem is None:
        return (f"signed by key {head.key_id}, which is not among the trusted public keys "
                "(LEDGER_PUBLIC_KEYS_DIR)")
    if not head_signature_ok(head, pem):
        return f"the signature does not verify with key {head.key_id}"
    return ""


# --- checking an item's entries against a head -------------------------------------


def entry_leaf_hash(event: CustodyEvent) -> bytes:
    """The leaf hash an entry must have in the log, recomputed from its stored fields."""
    return ledger.leaf_hash(leaf_bytes(event_body(event), event.entry_hash))


def check_item_against_head(item: EvidenceItem) -> dict[str, Any]:
    """Is every custody entry of ``item``, as stored now, in the log under the latest signed head?

    Never signs. Checks the head's signature with the trusted key it names,
    that the stored log still yields the signed root, and an RFC 9162
    inclusion proof for each entry the head covers, recomputed from its stored
    fields, so an entry rewritten behind the database triggers' back fails
    here. Entries after the head are pending (``entries_pending``): not yet
    signed for, which is not a fault.
    """
    events = list(CustodyEvent.objects.filter(item_id=item.pk).order_by("seq"))
    head = current_head()
    if head is None:
        return {
            "ok": True, "pending": bool(events), "tree_size": 0, "root_hash": None, "timestamp": None,
            "key_id": None, "signature_ok": None, "root_ok": None, "entries_checked": 0,
            "entries_after_head": len(events), "entries_pending": len(events),
            "entries_queued": sum(1 for e in events if e.log_index is None), "problems": [],
            "problem": "", "note": "No tree head has been signed yet; every entry is pending.",
        }
    head_root = bytes.fromhex(head.root_hash)
    problems: list[str] = []
    signature_problem = head_signature_problem(head)
    signature_ok = not signature_problem
    if signature_problem:
        problems.append(f"the tree head at size {head.tree_size}: {signature_problem}")
    root_ok = log_store.root(head.tree_size) == head_root
    if not root_ok:
        problems.append(f"the stored log no longer gives the root signed at size {head.tree_size}")

    # Not yet integrated (log_index null) or integrated after the head: pending either way.
    covered = [e for e in events if e.log_index is not None and e.log_index < head.tree_size]
    proofs = log_store.inclusion_proofs([e.log_index for e in covered], head.tree_size)
    stored_leaves = log_store.leaves(e.log_index for e in covered)
    for event in covered:
        leaf = entry_leaf_hash(event)
        if not ledger.verify_inclusion(leaf, event.log_index, head.tree_size, proofs[event.log_index], head_root):
            if stored_leaves[event.log_index] != leaf:
                problems.append(
                    f"entry {event.seq} differs from the entry logged at index {event.log_index}"
                )
            else:
                problems.append(f"entry {event.seq}: the inclusion proof for log index {event.log_index} fails")
    pending = len(events) - len(covered)
    return {
        "ok": not problems,
        "pending": bool(pending),
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "timestamp": head_as_dict(head)["timestamp"],
        "key_id": head.key_id,
        "signature_ok": signature_ok,
        "root_ok": root_ok,
        "entries_checked": len(covered),
        "entries_after_head": pending,
        "entries_pending": pending,
        "problems": problems,
        "problem": problems[0] if problems else "",
        "entries_queued": sum(1 for e in events if e.log_index is None),
        "note": f"{pending} entries are after this head, waiting for the next one to be signed." if pending else "",
    }
