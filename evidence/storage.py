"""Content-addressed storage through Django's storage API (local disk or S3 alike).

Uploads wait under `incoming/` until the pipeline has hashed them; content
then lives once under `sha256/ab/cd/<hex>` and is never overwritten
(evidence/content_store.py puts it there).
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from typing import IO

from django.core.files import File
from django.core.files.storage import default_storage


def content_name(sha256: str) -> str:
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


STAGING = "incoming"


def stage_upload(fileobj: IO[bytes], original_name: str = "") -> str:
    """Save an upload to the staging area; returns the storage name."""
    name = f"{STAGING}/{uuid.uuid4().hex}"
    return default_storage.save(name, File(fileobj, name=original_name or name))


def staged_files() -> list[tuple[str, datetime]]:
    """Every file in the staging area, with the time it was last written."""
    try:
        _, names = default_storage.listdir(STAGING)
    except FileNotFoundError:  # nothing staged yet
        return []
    return [(f"{STAGING}/{name}", default_storage.get_modified_time(f"{STAGING}/{name}")) for name in names]


def discard(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def open_content(sha256: str) -> IO[bytes]:
    return default_storage.open(content_name(sha256), "rb")


def open_name(name: str) -> IO[bytes]:
    return default_storage.open(name, "rb")


def exists(name: str) -> bool:
    return default_storage.exists(name)


def local_path(name: str) -> str | None:
    """The file's path on local disk, or None for remote storage (S3)."""
    try:
        path = default_storage.path(name)
    except NotImplementedError:
        return None
    return os.fspath(path)
