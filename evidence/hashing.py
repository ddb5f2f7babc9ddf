"""Message digests of evidence content, computed in one read pass.

Pure functions, no Django, no ORM. hashlib releases the GIL while it hashes a
buffer larger than 2 KiB, so on a multi-core machine the digests run on
threads, and memory stays constant whatever the size of the content:
- a stream (an upload, an object in S3) is read once, in fixed-size chunks
  through a small ring of reused buffers, and each thread takes a fixed
  group of digests (`_layout`, from this host's measured speeds);
- a large local file is mapped, a window at a time, by each thread for the
  pieces it hashes, so a digest can run on one thread for the first part of
  the file and on another for the rest: every thread then carries just its
  share of the work, whatever the CPU (`_digest_mapped`).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import mmap
import os
import queue
import re
import stat
import threading
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

CHUNK_SIZE = 1 << 20
ALGORITHMS = ("sha256", "sha512", "sha1", "md5")

# A local file at least this large is hashed by threads that each map the part
# they need (`_digest_mapped`): it lets a digest move between threads, which
# keeps every core evenly busy on any CPU. Smaller ones are not worth the threads.
SPLIT_MIN_BYTES = 16 << 20
# The part of the file a hashing thread has mapped at a time: bounds memory.
_WINDOW = 16 << 20

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
    mapped: bool = True,
) -> Digests:
    """SHA-256, SHA-512, SHA-1 and MD5 of a binary stream, from its current
    position to its end, in one pass.

    `progress`, if given, is called with the number of bytes read so far
    after each chunk (a large local file: every tenth of a second while its
    threads hash it). `mapped=False` reads even a large local file through
    the one reader, so that a slow `progress` paces the hashing itself. An
    exception raised by the stream or by `progress` stops the worker threads
    and propagates.
    """
    hexes, size = _digest(stream, ALGORITHMS, chunk_size, progress, mapped=mapped)
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
    *,
    mapped: bool = True,
) -> tuple[dict[str, str], int]:
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}.")
    span = _mapped_span(stream) if mapped and len(names) > 1 and _cpu_count() > 1 else None
    if span is not None:
        return _digest_mapped(stream, span[0], span[1], names, progress)
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


# --- local files: each thread maps what it hashes -------------------------------


def _mapped_span(stream: BinaryIO) -> tuple[int, int] | None:
    """(start, end) of what is left of `stream` if it is a large regular local file
    that can be mapped, else None (then it is read once, through the ring)."""
    try:
        fileno = stream.fileno()
        start = stream.tell()
        info = os.fstat(fileno)
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both of the last two
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size - start < SPLIT_MIN_BYTES:
        return None
    return start, info.st_size


def _digest_mapped(
    stream: BinaryIO, start: int, end: int, names: Sequence[str], progress: Progress | None
) -> tuple[dict[str, str], int]:
    """The digests of bytes [start, end) of a local file, by threads that follow
    `hash_layout.split_schedule`: a digest may run on one thread for the first
    part of the file and on another for the rest, handed over once its first
    part is done, so that no thread has more than its share of the work.

    Each thread maps windows of the file (no copy, memory bounded by the
    window) instead of sharing one reader. The file must not change meanwhile:
    its size is checked again at the end. Leaves the stream at `end`.
    """
    fileno = stream.fileno()
    hashers = {name: hashlib.new(name, usedforsecurity=False) for name in names}
    plan = split_plan(names)
    span = end - start

    def byte(fraction: float) -> int:
        return start + round(span * fraction)

    # A digest's first part must be done before another thread takes up the rest.
    handed_over = {name: threading.Event() for name in names}
    stop = threading.Event()
    cost = {name: 1.0 / _speeds.get(name, 1.0) for name in names}
    done_work = [0.0] * len(plan)
    errors: list[BaseException] = []

    def run(index: int, pieces: list) -> None:
        try:
            for names_here, first, last, waits_for, hands_over in _segments(pieces, byte):
                if waits_for is not None:
                    while not handed_over[waits_for].wait(0.05):
                        if stop.is_set():
                            return
                group = [hashers[name] for name in names_here]
                weight = sum(cost[name] for name in names_here)
                for window in _windows(fileno, first, last):
                    if stop.is_set():
                        return
                    for hasher in group:
                        hasher.update(window)
                    done_work[index] += weight * len(window)
                if hands_over is not None:  # a head: the rest of this digest is another thread's
                    handed_over[hands_over].set()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, not lost
            errors.append(exc)
            stop.set()

    threads = [threading.Thread(target=run, args=(i, p), name="evidence-hashing", daemon=True)
               for i, p in enumerate(plan)]
    for thread in threads:
        thread.start()
    total_work = sum(cost.values()) * span
    reported = 0
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.1)
                if progress is not None and not stop.is_set():
                    now = int(span * min(1.0, sum(done_work) / total_work))
                    if now > reported:
                        reported = now
                        progress(now)
    except BaseException:
        stop.set()
        for thread in threads:
            thread.join()
        raise
    if errors:
        raise errors[0]
    if os.fstat(fileno).st_size != end:
        raise RuntimeError("The file changed size while it was being hashed; hash it again once it is complete.")
    if progress is not None and reported < span:
        progress(span)
    stream.seek(end)
    return {name: h.hexdigest() for name, h in hashers.items()}, span


def split_plan(names: Sequence[str]) -> list:
    """The split schedule of `names` on this host's cores, by the speeds in use."""
    from evidence.hash_layout import split_schedule

    return split_schedule({name: _speeds.get(name, 1.0) for name in names}, names, _cpu_count())


def _segments(pieces: list, byte: Callable[[float], int]):
    """A thread's pieces as (digests, first byte, end byte, digest to wait for, digest
    handed over when done): whole digests next to each other share one pass."""
    segments: list[tuple[list[str], int, int, str | None, str | None]] = []
    for name, lo, hi in pieces:
        whole = lo == 0.0 and hi == 1.0
        if whole and segments and segments[-1][3] is None and segments[-1][4] is None and segments[-1][5]:
            segments[-1][0].append(name)
            continue
        segments.append(([name], byte(lo), byte(hi), name if lo > 0 else None, name if hi < 1 else None, whole))
    return [segment[:5] for segment in segments]


def _windows(fileno: int, first: int, last: int):
    """Read-only memoryviews of [first, last) of the file, a window at a time; the
    caller releases each view before asking for the next, which unmaps it."""
    granularity = mmap.ALLOCATIONGRANULARITY
    flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
    position = first
    while position < last:
        base = position - position % granularity
        length = min(last, base + _WINDOW) - base
        mapping = mmap.mmap(fileno, length, flags=flags, prot=mmap.PROT_READ, offset=base)
        whole = memoryview(mapping)
        view = whole[position - base:length]
        try:
            yield view
        finally:
            # Every view released before the mapping is closed, or close() refuses.
            view.release()
            whole.release()
            mapping.close()
        position = base + length


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
