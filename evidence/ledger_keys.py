"""The public keys trusted to check tree heads: every PEM in settings.LEDGER_PUBLIC_KEYS_DIR.

A key is known by its id, the SHA-256 of its DER SubjectPublicKeyInfo, which
is computed from the PEM itself: a file's name is only a convenience, so a
renamed or misnamed file cannot make one key pass for another. Web hosts,
verify_integrity and the API read keys only from here; the private key is
needed only where heads are signed (evidence/signing.py), which adds its own
public key here so a fresh install works without a step by hand.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings

logger = logging.getLogger(__name__)


def key_id_of(public_key: Ed25519PublicKey) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def keys_dir() -> Path:
    return Path(settings.LEDGER_PUBLIC_KEYS_DIR)


def trusted_keys() -> dict[str, str]:
    """key id -> public key PEM, for every Ed25519 public key in the folder (others are skipped, loudly),
    the most recently added first."""
    found: dict[str, str] = {}
    folder = keys_dir()
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.pem"), key=lambda p: (-p.stat().st_mtime_ns, p.name)):
        try:
            pem = path.read_text(encoding="ascii")
            key = serialization.load_pem_public_key(pem.encode("ascii"))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            logger.warning("Skipping %s in LEDGER_PUBLIC_KEYS_DIR: not a PEM public key (%s)", path, exc)
            continue
        if not isinstance(key, Ed25519PublicKey):
            logger.warning("Skipping %s in LEDGER_PUBLIC_KEYS_DIR: a %s, not Ed25519", path, type(key).__name__)
            continue
        found[key_id_of(key)] = pem
    return found


def public_pem(key_id: str) -> str | None:
    """The trusted PEM with this key id, or None when the key is unknown."""
    return trusted_keys().get(key_id)


def add_public_key(pem: str, key_id: str) -> Path:
    """Write ``<key_id>.pem`` unless it is there (atomically: a reader never sees half a key)."""
    folder = keys_dir()
    target = folder / f"{key_id}.pem"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(pem)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
