"""Moving hashed content into the content-addressed store, once, never overwritten.

An object is only ever visible under its final name when complete: on local
disk the staged file is hard-linked (or copied to a temporary name and then
linked) into place, and link(2) refuses an existing name, so two workers
storing the same bytes cannot clobber each other. Other storages (S3) write
whole objects atomically; a concurrent write that lost the race lands under
another name, is deleted, and the winner is verified instead. An object that
is already present is re-hashed, never rewritten.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid

from django.core.files import File
from django.core.files.storage import default_storage

from evidence import storage
from evidence.hashing import sha256_stream


class StoredObjectMismatch(Exception):
    """The object under a digest's name does not have that digest: never overwrite it."""


@dataclasses.dataclass(frozen=True)
class Stored:
    name: str
    created: bool  # False: the object was already there (and was verified)


def object_sha256(name: str) -> tuple[str, int]:
    with storage.open_name(name) as handle:
        return sha256_stream(handle)


def verify_object(name: str, sha256: str, size: int | None = None) -> None:
    actual, actual_size = object_sha256(name)
    if actual != sha256 or (size is not None and actual_size != size):
        raise StoredObjectMismatch(
            f"The stored object {name} has SHA-256 {actual} ({actual_size} bytes), "
            f"not {sha256} ({size} bytes). It was left untouched."
        )


def put(staged_name: str, sha256: str, size: int) -> Stored:
    """Make the staged bytes (already hashed to `sha256`) the object `sha256/ab/cd/<hex>`."""
    name = storage.content_name(sha256)
    if storage.exists(name):
        verify_object(name, sha256, size)
        return Stored(name, created=False)
    source = storage.local_path(staged_name)
    target = storage.local_path(name)
    if source is not None and target is not None:
        return _put_local(source, target, name, sha256, size)
    return _put_remote(staged_name, name, sha256, size)


def _put_local(source: str, target: str, name: str, sha256: str, size: int) -> Stored:
    os.makedirs(os.path.dirname(target), mode=0o750, exist_ok=True)
    try:
        # Same inode as the bytes we hashed: nothing new to verify.
        os.link(source, target)
        return Stored(name, created=True)
    except FileExistsError:
        verify_object(name, sha256, size)
        return Stored(name, created=False)
    except OSError:
        pass  # a filesystem without hard links, or staging on another device
    temp = f"{target}.partial-{uuid.uuid4().hex}"
    try:
        with open(source, "rb") as src, open(temp, "xb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
        os.chmod(temp, 0o440)
        verify_object_path(temp, sha256, size)
        try:
            os.link(temp, target)
            created = True
        except FileExistsError:
            verify_object(name, sha256, size)
            created = False
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return Stored(name, created=created)


def verify_object_path(path: str, sha256: str, size: int) -> None:
    with open(path, "rb") as handle:
        actual, actual_size = sha256_stream(handle)
    if (actual, actual_size) != (sha256, size):
        raise StoredObjectMismatch(f"The copy at {path} does not match {sha256}: the source changed under us.")


def _put_remote(staged_name: str, name: str, sha256: str, size: int) -> Stored:
    with storage.open_name(staged_name) as handle:
        saved = default_storage.save(name, File(handle, name=name))
    if saved != name:
        # Someone stored it first (file_overwrite is off): keep theirs, verified.
        default_storage.delete(saved)
        verify_object(name, sha256, size)
        return Stored(name, created=False)
    try:
        verify_object(name, sha256, size)
    except StoredObjectMismatch:
        # Our own write came back wrong (a broken transfer): remove it so that
        # no half-written object stays under the digest's name, and let the
        # pipeline retry.
        default_storage.delete(name)
        raise OSError(f"The object written to {name} did not read back as {sha256}.") from None
    return Stored(name, created=True)
