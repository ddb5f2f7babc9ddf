"""Witnessed heads: every signed head also written to a folder that someone else copies away,
and the check that the log is still consistent with each of them.

A file per head, ``<tree size, 10 digits>.json`` (``0000000123.json``), in
settings.LEDGER_WITNESS_DIR; its RFC 3161 token, when the TSA gave one, beside
it as ``0000000123.tsr``. Written atomically (a temporary file hard-linked into
place) and never overwritten: a second head at the same size with the same root
leaves the file as it is; one with another root is a fork, and refused.

Each file also records the access log's tip (catalogue.access_chain: entries
and last hash) under a second Ed25519 signature by the head's signer, over a
domain-separated canonical JSON message, so that the access log cannot later
be cut back to an earlier length unnoticed.

``check_dir`` is what ``verify_integrity --witness DIR`` runs: a copy of these
files kept outside the catalogue's reach is what shows a rollback or a fork
that the database alone, rewritten by its owner, would not.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings

from evidence import ledger, ledger_keys, log_store, signing
from evidence.custody import canonical_json
from evidence.models import TreeHead

logger = logging.getLogger(__name__)

FORMAT = "evidence-catalogue-witness/1"
ACCESS_TIP_DOMAIN = "evidence-catalogue/access-log-tip/1"
GENESIS_HASH = "0" * 64


def file_name(tree_size: int) -> str:
    return f"{tree_size:010d}.json"


def witness_dir() -> Path | None:
    configured = settings.LEDGER_WITNESS_DIR
    return Path(configured) if configured else None


def access_tip_message(*, tree_size: int, root_hash: str, timestamp_ms: int, size: int, tip: str) -> bytes:
    """The bytes the access-log tip's signature covers; the domain keeps them from passing for anything else."""
    return canonical_json({
        "domain": ACCESS_TIP_DOMAIN, "tree_size": tree_size, "root_hash": root_hash,
        "timestamp_ms": timestamp_ms, "access_log_size": size, "access_log_tip": tip,
    })


def _access_tip() -> tuple[int, str] | None:
    try:
        # Imported here: the access log is the catalogue's, and may be absent from an older install.
        from catalogue import access_chain
    except ImportError:
        return None
    return access_chain.tip()


def record_for(head: TreeHead) -> dict[str, Any]:
    """What a witness file holds for ``head`` (signed by the signer's key: call it in the signer)."""
    key = signing.signing_key()
    head_dict = signing.head_as_dict(head)
    public_pem = key.public_pem if head.key_id == key.key_id else ledger_keys.public_pem(head.key_id)
    access: dict[str, Any] | None = None
    tip = _access_tip()
    if tip is not None:
        size, last = tip
        message = access_tip_message(tree_size=head.tree_size, root_hash=head.root_hash,
                                     timestamp_ms=head_dict["timestamp_ms"], size=size, tip=last)
        access = {"size": size, "tip": last, "key_id": key.key_id,
                  "signature": base64.b64encode(key.sign(message)).decode("ascii"),
                  "signed_data": f"canonical JSON of {{domain: {ACCESS_TIP_DOMAIN}, tree_size, root_hash, "
                                 "timestamp_ms, access_log_size, access_log_tip}"}
    return {"format": FORMAT, "head": head_dict, "public_key_pem": public_pem, "access_log": access}


def _write_new(target: Path, raw: bytes) -> bool:
    """Put ``raw`` at ``target`` unless something is already there; True if written.

    A hard link, unlike a rename, fails when the name is taken, so two signers
    racing for one size cannot overwrite each other's file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o444)
        try:
            os.link(temporary, target)
        except FileExistsError:
            return False
        return True
    finally:
        Path(temporary).unlink(missing_ok=True)


def _witnessed_root(path: Path) -> str | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))["head"]["root_hash"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def publish(head: TreeHead) -> Path | None:
    """Write ``head`` to the witness folder (when one is set); refuse a fork of a witnessed head."""
    folder = witness_dir()
    if folder is None:
        return None
    target = folder / file_name(head.tree_size)
    if not target.exists():
        raw = (json.dumps(record_for(head), indent=2, sort_keys=True) + "\n").encode("utf-8")
        if _write_new(target, raw):
            return target
    witnessed = _witnessed_root(target)
    if witnessed != head.root_hash:
        raise log_store.LogIntegrityError(
            f"Fork: the head at size {head.tree_size} has root {head.root_hash}, but {target} "
            f"witnessed root {witnessed} at that size."
        )
    return target


def publish_token(head: TreeHead, token: bytes) -> Path | None:
    """Write the head's RFC 3161 token beside its witness file (never over another)."""
    folder = witness_dir()
    if folder is None:
        return None
    target = folder / file_name(head.tree_size).replace(".json", ".tsr")
    if not target.exists():
        _write_new(target, token)
    return target


# --- checking the log against a folder of witnessed heads ----------------------------


@dataclass
class WitnessReport:
    checked: int = 0
    faults: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_dir(directory: Path | str) -> WitnessReport:
    """Is the log, as stored now, consistent with every head witnessed in ``directory``?

    For each file: the head's signature checks with a trusted key; the log
    holds at least that many entries (else it was rolled back); the stored log
    gives that root at that size, and an RFC 9162 consistency proof leads from
    it to the log's current size (else it forked); the head's token, if there
    is one, verifies; and the access-log tip it records is still in the access log.
    """
    from evidence import timestamps  # builds on signing, as this module does

    directory = Path(directory)
    report = WitnessReport()
    if not directory.is_dir():
        report.faults.append(f"the witness folder {directory} does not exist")
        return report
    trusted = ledger_keys.trusted_keys()
    log_size = log_store.size()
    current_root = log_store.root(log_size)
    for path in sorted(directory.glob("*.json")):
        report.checked += 1
        report.faults += _check_file(path, trusted, log_size, current_root, report.warnings, timestamps)
    if not report.checked:
        report.warnings.append(f"the witness folder {directory} holds no witnessed heads")
    return report


def _parse_head(data: Any) -> TreeHead:
    head = data["head"]
    timestamp = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(head["timestamp_ms"]))
    return TreeHead(tree_size=int(head["tree_size"]), root_hash=str(head["root_hash"]).lower(),
                    timestamp=timestamp, signature=str(head["signature"]), key_id=str(head["key_id"]))


def _check_file(path: Path, trusted: dict[str, str], log_size: int, current_root: bytes,
                warnings: list[str], timestamps) -> list[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        head = _parse_head(data)
        root = bytes.fromhex(head.root_hash)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"witnessed head {path.name}: cannot be read as a witnessed head ({exc})"]
    label = f"witnessed head {path.name} (size {head.tree_size}, root {head.root_hash[:16]}...)"
    problem = signing.head_signature_problem(head, trusted)
    if problem:
        return [f"{label}: {problem}"]
    faults: list[str] = []
    if head.tree_size > log_size:
        faults.append(f"{label}: rollback: the log now holds only {log_size} entries")
    else:
        if log_store.root(head.tree_size) != root:
            faults.append(f"{label}: fork: the stored log gives another root at size {head.tree_size}")
        else:
            proof = log_store.consistency_proof(head.tree_size, log_size)
            if not ledger.verify_consistency(head.tree_size, log_size, root, current_root, proof):
                faults.append(f"{label}: fork: the log at size {log_size} is not consistent with it")
    token_path = path.with_suffix(".tsr")
    if token_path.exists():
        why = timestamps.token_problem(token_path.read_bytes(), signing.head_message(head))
        if why is None:
            warnings.append(f"{label}: its timestamp token was not checked: LEDGER_TSA_CA_FILE is not set")
        elif why:
            faults.append(f"{label}: its timestamp token {token_path.name} does not verify: {why}")
    faults += _check_access_tip(label, data, head, trusted, warnings)
    return faults


def _check_access_tip(label: str, data: dict, head: TreeHead, trusted: dict[str, str],
                      warnings: list[str]) -> list[str]:
    access = data.get("access_log")
    if access is None:
        warnings.append(f"{label}: records no access-log tip")
        return []
    try:
        size, tip = int(access["size"]), str(access["tip"])
        signature = base64.b64decode(access["signature"], validate=True)
        pem = trusted.get(access["key_id"])
    except (KeyError, ValueError, TypeError):
        return [f"{label}: its access-log tip is malformed"]
    if pem is None:
        return [f"{label}: its access-log tip is signed by key {access['key_id']}, which is not trusted"]
    message = access_tip_message(tree_size=head.tree_size, root_hash=head.root_hash,
                                 timestamp_ms=signing.timestamp_ms(head.timestamp), size=size, tip=tip)
    if not signing.verify_signature(message, signature, pem):
        return [f"{label}: the signature over its access-log tip does not verify"]
    try:
        from catalogue import access_chain
    except ImportError:
        warnings.append(f"{label}: the access log cannot be checked in this install")
        return []
    if size == 0:
        return [] if tip == GENESIS_HASH else [f"{label}: an empty access log with a tip that is not 64 zeros"]
    stored = access_chain.entry_hash_at(size)
    if stored is None:
        return [f"{label}: access-log rollback: entry {size}, the tip it witnessed, is no longer in the access log"]
    if stored != tip:
        return [f"{label}: the access log was rewritten: entry {size} no longer has the hash witnessed ({tip})"]
    return []
