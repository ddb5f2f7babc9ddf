"""Encryption at rest for the identities of protected people (Fernet: AES-128-CBC + HMAC).

The key comes from IDENTITY_ENCRYPTION_KEYS (comma-separated Fernet keys,
newest first, so a key can be rotated without re-encrypting at once) or,
when that is empty, from IDENTITY_KEY_FILE, created on first use with
owner-only permissions. Keep the key off the database server: a database
dump alone then reveals no identity.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


def _key_file(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key + b"\n")
    logger.warning("Generated a new identity encryption key at %s. Back it up: without it, "
                   "protected identities cannot be read.", path)
    return key


@lru_cache(maxsize=4)
def _keys(configured: str, file_setting: str) -> tuple[bytes, ...]:
    keys = [k.strip().encode() for k in configured.split(",") if k.strip()] or [_key_file(Path(file_setting))]
    for key in keys:
        try:
            Fernet(key)
        except ValueError as exc:
            raise ImproperlyConfigured(
                "IDENTITY_ENCRYPTION_KEYS holds a value that is not a Fernet key; make one with "
                "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            ) from exc
    return tuple(keys)


def keys() -> tuple[bytes, ...]:
    return _keys(settings.IDENTITY_ENCRYPTION_KEYS, str(settings.IDENTITY_KEY_FILE))


def encrypt(identity: dict[str, Any]) -> tuple[str, str]:
    """The ciphertext of an identity record, and the id of the key that made it."""
    newest = keys()[0]
    token = Fernet(newest).encrypt(json.dumps(identity, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return token.decode("ascii"), key_id(newest)


def decrypt(ciphertext: str) -> dict[str, Any]:
    try:
        plain = MultiFernet([Fernet(k) for k in keys()]).decrypt(ciphertext.encode("ascii"))
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "This identity cannot be decrypted with the configured keys (IDENTITY_ENCRYPTION_KEYS)."
        ) from exc
    return json.loads(plain)
