"""Message digests of evidence content, computed in one read pass.

Pure functions: no Django, no ORM. The content is read once, in fixed-size
chunks through a small ring of reused buffers, so memory stays constant
whatever the size of the file. hashlib releases the GIL while it hashes a
buffer larger than 2 KiB, so on a multi-core machine the digests run on
worker threads while the calling thread reads the next chunk.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import queue
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

CHUNK_SIZE = 1 << 20
ALGORITHMS = ("sha256", "sha512", "sha1", "md5")

# Buffers in the ring. The reader may run this many chunks minus one ahead
# of the slowest worker; measured: 4 is as fast as 8 and costs 4 MiB.
_SLOTS = 4

# Relative CPU cost per byte of each digest, measured with hashlib on the
# 2-core AMD EPYC with SHA-NI (bench/bench_hashing.py): the layout's basis
# until this host's own speeds are given (`use_speeds`, which a worker does
# at start from evidence/hash_layout.py's measurement).
_COST = {"md5": 1.00, "sha512": 0.94, "sha256": 0.44, "sha1": 0.42}
_speeds: dict[str, float] = {name: 1.0 / cost for name, cost in _COST.items()}
_layouts: dict[tuple[tuple[str, ...], int], list[list[str]]] = {}

_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")

Progress = Callable[[int], Any]


@dataclasses.dataclass(frozen=True)
class Digests:
    """Lower-case hex digests of one stream and its size in bytes."""

    sha256: str
    sha512: str
    sha1: str
    md5: str
    size: int

    def as_dict(self) -> dict[str, str | int]:
        return dataclasses.asdict(self)


def digest_stream(
    stream: BinaryIO,
    *,
    chunk_size: int = CHUNK_SIZE,
    progress: Progress | None = None,
) -> Digests:
    """SHA-256, SHA-512, SHA-1 and MD5 of a binary stream, from its current
    position to its end, in one pass.

    `progress`, if given, is called with the number of bytes read so far
    after each chunk. An exception raised by the stream or by `progress`
    stops the worker threads and propagates.
    """
    hexes, size = _digest(stream, ALGORITHMS, chunk_size, progress)
    return Digests(size=size, **hexes)


def digest_path(path: str | os.PathLike[str], *, progress: Progress | None = None) -> Digests:
    """`digest_stream` of the file at `path`."""
    # Unbuffered: readinto() then lands straight in our buffers, no extra copy.
    with open(path, "rb", buffering=0) as stream:
        _advise_sequential(stream)
        return digest_stream(stream, progress=progress)


def sha256_stream(stream: BinaryIO, chunk_size: int = CHUNK_SIZE) -> tuple[str, int]:
    """(hex SHA-256, size) of a binary stream: for fixity re-checks."""
    hexes, size = _digest(stream, ("sha256",), chunk_size, None)
    return hexes["sha256"], size


def is_sha256_hex(value: str) -> bool:
    """True if `value` is exactly 64 hex characters (either case)."""
    return isinstance(value, str) and _SHA256_HEX.fullmatch(value) is not None


def normalise_sha256(value: Any) -> str:
    """`value` stripped and lower-cased; ValueError unless 64 hex characters."""
    if not isinstance(value, str):
        # ValueError, not TypeError: callers validating input catch one error.
        raise ValueError(  # noqa: TRY004
            f"A SHA-256 digest must be a string of 64 hex characters, not {type(value).__name__}."
        )
    cleaned = value.strip()
    if not is_sha256_hex(cleaned):
        shown = cleaned if len(cleaned) <= 80 else cleaned[:77] + "..."
        raise ValueError(f"A SHA-256 digest is 64 hex characters (0-9, a-f); got {len(cleaned)} characters: {shown!r}.")
    return cleaned.lower()


def repr_digest_header(sha256_hex: str) -> str:
    """RFC 9530 `Repr-Digest` field value for a SHA-256 given in hex."""
    raw = bytes.fromhex(normalise_sha256(sha256_hex))
    return f"sha-256=:{base64.b64encode(raw).decode('ascii')}:"


# --- the one-pass engine -------------------------------------------------


def _digest(
    stream: BinaryIO,
    names: Sequence[str],
    chunk_size: int,
    progress: Progress | None,
) -> tuple[dict[str, str], int]:
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}.")
    fill = _filler(stream)
    # MD5 and SHA-1 are kept for matching other tools' records, not for
    # security: say so, or a FIPS-mode OpenSSL refuses them.
    hashers = {name: hashlib.new(name, usedforsecurity=False) for name in names}
    first = memoryview(bytearray(chunk_size))

    size = fill(first)
    if size and progress is not None:
        progress(size)
    cpus = _cpu_count()
    if size < chunk_size or cpus < 2:
        # A stream that fits one chunk, or a single core: threads only cost.
        size = _hash_inline(first, size, fill, list(hashers.values()), progress)
    else:
        ring = [first] + [memoryview(bytearray(chunk_size)) for _ in range(_SLOTS - 1)]
        groups = _layout(names, cpus)
        size = _hash_threaded(ring, size, fill, [[hashers[n] for n in g] for g in groups], progress)
    return {name: h.hexdigest() for name, h in hashers.items()}, size


def _hash_inline(buffer: memoryview, filled: int, fill: Callable[[memoryview], int], hashers: list, progress) -> int:
    size = 0
    while filled:
        view = buffer[:filled]
        for hasher in hashers:
            hasher.update(view)
        size += filled
        filled = fill(buffer)
        if filled and progress is not None:
            progress(size + filled)
    return size


class _Worker(threading.Thread):
    """Updates its digests with each chunk it is handed, in order."""

    def __init__(self, hashers: list, slots: int) -> None:
        super().__init__(name="evidence-hashing", daemon=True)
        self.hashers = hashers
        self.inbox: queue.SimpleQueue[memoryview | None] = queue.SimpleQueue()
        # One permit per ring buffer this worker has finished with. The
        # first chunk was read before the workers existed, hence slots - 1.
        self.done = threading.Semaphore(slots - 1)
        self.error: BaseException | None = None

    def run(self) -> None:
        while (view := self.inbox.get()) is not None:
            if self.error is None:
                try:
                    for hasher in self.hashers:
                        hasher.update(view)
                except BaseException as exc:  # noqa: BLE001 - handed to the reader, not lost
                    self.error = exc
            # Release even after an error, or the reader would wait forever.
            self.done.release()


def _hash_threaded(
    ring: list[memoryview],
    filled: int,
    fill: Callable[[memoryview], int],
    groups: list[list],
    progress: Progress | None,
) -> int:
    workers = [_Worker(group, len(ring)) for group in groups]
    for worker in workers:
        worker.start()
    size = filled
    view = ring[0][:filled]
    chunk = 0
    try:
        while True:
            for worker in workers:
                worker.inbox.put(view)
            chunk += 1
            # Chunk n reuses the buffer of chunk n - len(ring): wait until
            # every worker has finished that one before overwriting it.
            for worker in workers:
                worker.done.acquire()
            if any(worker.error is not None for worker in workers):
                break
            buffer = ring[chunk % len(ring)]
            filled = fill(buffer)
            if not filled:
                break
            size += filled
            if progress is not None:
                progress(size)
            view = buffer[:filled]
    finally:
        for worker in workers:
            worker.inbox.put(None)
        for worker in workers:
            worker.join()
    for worker in workers:
        if worker.error is not None:
            raise worker.error
    return size


def _filler(stream: BinaryIO) -> Callable[[memoryview], int]:
    """A function that fills a buffer from `stream` and returns the byte count,
    short only at end of stream: short reads are retried so that threads are
    handed whole chunks."""
    readinto = getattr(stream, "readinto", None)
    read = getattr(stream, "read", None)
    if readinto is None and read is None:
        raise TypeError(f"Expected a binary stream with read() or readinto(), got {type(stream).__name__}.")

    def read_some(view: memoryview) -> int | None:
        if readinto is not None:
            return readinto(view)
        data = read(len(view))
        if data is None:
            return None
        if isinstance(data, str):
            raise TypeError("Expected a binary stream, but read() returned text.")
        count = len(data)
        view[:count] = data
        return count

    def fill(buffer: memoryview) -> int:
        filled = 0
        while filled < len(buffer):
            count = read_some(buffer[filled:])
            if count is None:
                # A non-blocking stream with no data yet: a digest of what
                # arrived so far would silently be the digest of a truncation.
                raise BlockingIOError("The stream has no data ready; digests need a blocking stream.")
            if count == 0:
                break
            filled += count
        return filled

    return fill


def use_speeds(speeds: dict[str, float]) -> None:
    """Lay digests out over threads by these speeds (bytes per second, this host's)."""
    global _speeds
    _speeds = {**_speeds, **{name: float(v) for name, v in speeds.items() if v and v > 0}}
    _layouts.clear()


def _layout(names: Sequence[str], cpus: int) -> list[list[str]]:
    """Digests spread over up to `cpus` threads so that the busiest thread has the
    least work, by the speeds in use (evidence/hash_layout.py). Cached per call shape."""
    key = (tuple(names), cpus)
    if key not in _layouts:
        from evidence.hash_layout import choose_layout

        speeds = {name: _speeds.get(name, 1.0) for name in names}
        _layouts[key] = [list(group) for group in choose_layout(speeds, names, cpus)]
    return _layouts[key]


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _advise_sequential(stream: BinaryIO) -> None:
    # Doubles the kernel's read-ahead for a file that is not yet cached.
    advise = getattr(os, "posix_fadvise", None)
    if advise is not None:
        try:
            advise(stream.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        except OSError:
            pass
