"""One-pass digests agree with hashlib, whatever the stream does."""

import base64
import hashlib
import io
import os
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence import hashing
from evidence.hashing import (
    Digests,
    digest_path,
    digest_stream,
    is_sha256_hex,
    normalise_sha256,
    repr_digest_header,
    sha256_stream,
)

CHUNK = 1 << 20


def expected(data: bytes) -> Digests:
    return Digests(
        sha256=hashlib.sha256(data).hexdigest(),
        sha512=hashlib.sha512(data).hexdigest(),
        sha1=hashlib.sha1(data).hexdigest(),
        md5=hashlib.md5(data).hexdigest(),
        size=len(data),
    )


class ShortReads(io.RawIOBase):
    """Hands back at most `step` bytes per call, as pipes and sockets do."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data = memoryview(data)
        self.step = step
        self.pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(self.step, len(buffer), len(self.data) - self.pos)
        buffer[:count] = self.data[self.pos : self.pos + count]
        self.pos += count
        return count


class ReadOnly:
    """A stream with read() but no readinto(), returning short reads."""

    def __init__(self, data: bytes, step: int) -> None:
        self.stream = io.BytesIO(data)
        self.step = step

    def read(self, size: int) -> bytes:
        return self.stream.read(min(size, self.step))


class Explodes(io.RawIOBase):
    """Serves `good` bytes of zeros, then fails like a dropped network mount."""

    def __init__(self, good: int) -> None:
        self.left = good

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.left <= 0:
            raise OSError("device went away")
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


@pytest.fixture(scope="module")
def random_mib() -> bytes:
    return os.urandom(5 * CHUNK + 12345)


@pytest.mark.parametrize(
    "size",
    [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK],
    ids=["empty", "one-byte", "chunk-1", "chunk", "chunk+1", "three-chunks"],
)
def test_it_matches_hashlib_at_chunk_boundaries(size):
    data = os.urandom(size)
    assert digest_stream(io.BytesIO(data)) == expected(data)


def test_it_matches_hashlib_on_several_mib_of_random_data(random_mib):
    assert digest_stream(io.BytesIO(random_mib)) == expected(random_mib)


def test_it_matches_hashlib_on_one_core(random_mib, monkeypatch):
    monkeypatch.setattr(hashing, "_cpu_count", lambda: 1)
    assert digest_stream(io.BytesIO(random_mib)) == expected(random_mib)


def test_it_matches_hashlib_with_one_thread_per_digest(random_mib, monkeypatch):
    monkeypatch.setattr(hashing, "_cpu_count", lambda: 8)
    assert digest_stream(io.BytesIO(random_mib), chunk_size=64 * 1024) == expected(random_mib)


def test_it_handles_streams_that_return_short_reads(random_mib):
    assert digest_stream(ShortReads(random_mib, 70_001)) == expected(random_mib)


def test_it_handles_streams_without_readinto(random_mib):
    assert digest_stream(ReadOnly(random_mib, 300_000)) == expected(random_mib)


def test_it_hashes_from_the_current_position():
    stream = io.BytesIO(b"header" + b"payload")
    stream.seek(6)
    assert digest_stream(stream) == expected(b"payload")


def test_it_propagates_a_stream_error_and_stops_its_threads():
    before = threading.active_count()
    with pytest.raises(OSError, match="device went away"):
        digest_stream(Explodes(good=3 * CHUNK + 5))
    assert threading.active_count() == before


def test_it_propagates_an_error_on_the_first_read():
    with pytest.raises(OSError, match="device went away"):
        digest_stream(Explodes(good=0))


def test_it_propagates_a_progress_error_and_stops_its_threads(random_mib):
    def progress(done: int) -> None:
        if done > 2 * CHUNK:
            raise RuntimeError("cancelled")

    before = threading.active_count()
    with pytest.raises(RuntimeError, match="cancelled"):
        digest_stream(io.BytesIO(random_mib), progress=progress)
    assert threading.active_count() == before


@pytest.mark.parametrize("cpus", [1, 2])
def test_it_reports_progress_after_each_chunk(random_mib, monkeypatch, cpus):
    monkeypatch.setattr(hashing, "_cpu_count", lambda: cpus)
    seen: list[int] = []
    digest_stream(io.BytesIO(random_mib), progress=seen.append)
    assert seen == [min((i + 1) * CHUNK, len(random_mib)) for i in range(6)]


def test_it_rejects_text_streams():
    with pytest.raises(TypeError, match="binary"):
        digest_stream(io.StringIO("not bytes"))


def test_it_rejects_a_non_blocking_stream_with_no_data():
    class NotReady(io.RawIOBase):
        def readinto(self, buffer):
            return None

    with pytest.raises(BlockingIOError):
        digest_stream(NotReady())


def test_it_digests_a_path(tmp_path, random_mib):
    path = tmp_path / "exhibit.bin"
    path.write_bytes(random_mib)
    assert digest_path(path) == expected(random_mib)
    assert digest_path(str(path)) == expected(random_mib)


def test_it_digests_an_empty_file(tmp_path):
    path = tmp_path / "empty.bin"
    path.write_bytes(b"")
    assert digest_path(path) == expected(b"")


def test_it_computes_sha256_alone(random_mib):
    assert sha256_stream(io.BytesIO(random_mib)) == (hashlib.sha256(random_mib).hexdigest(), len(random_mib))
    assert sha256_stream(io.BytesIO(b"")) == (hashlib.sha256(b"").hexdigest(), 0)


def test_it_gives_the_digests_as_a_dict():
    assert digest_stream(io.BytesIO(b"abc")).as_dict() == {
        "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "sha512": hashlib.sha512(b"abc").hexdigest(),
        "sha1": "a9993e364706816aba3e25717850c26c9cd0d89d",
        "md5": "900150983cd24fb0d6963f7d28e17f72",
        "size": 3,
    }


def test_it_recognises_sha256_hex():
    assert is_sha256_hex("a" * 64)
    assert is_sha256_hex("ABCDEF0123456789" * 4)
    assert not is_sha256_hex("a" * 63)
    assert not is_sha256_hex("a" * 65)
    assert not is_sha256_hex("g" * 64)
    assert not is_sha256_hex("a" * 64 + "\n")
    assert not is_sha256_hex(" " + "a" * 63)


def test_it_normalises_sha256():
    assert normalise_sha256("  " + "AB" * 32 + "\n") == "ab" * 32


@pytest.mark.parametrize("value", ["", "a" * 63, "a" * 65, "z" * 64, "ab" * 31 + " ab", None, 42, b"a" * 64])
def test_it_rejects_malformed_sha256(value):
    with pytest.raises(ValueError, match="64 hex characters"):
        normalise_sha256(value)


def test_it_writes_an_rfc9530_repr_digest_header():
    # SHA-256 of b"abc"; base64 of its 32 raw bytes worked out independently
    # of our code (echo -n abc | openssl dgst -sha256 -binary | base64).
    hex_digest = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
    assert repr_digest_header(hex_digest) == "sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:"
    assert base64.b64decode("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=") == bytes.fromhex(hex_digest)


def test_it_refuses_a_header_for_a_malformed_digest():
    with pytest.raises(ValueError):
        repr_digest_header("abc")


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=20_000), chunk_size=st.integers(min_value=1, max_value=4096), step=st.integers(1, 5000))
def test_it_matches_hashlib_for_any_bytes_and_chunk_size(data, chunk_size, step):
    assert digest_stream(ShortReads(data, step), chunk_size=chunk_size) == expected(data)
    assert sha256_stream(io.BytesIO(data), chunk_size=chunk_size) == (hashlib.sha256(data).hexdigest(), len(data))


def test_it_never_overwrites_a_buffer_still_being_hashed(monkeypatch):
    # Two buffers and tiny chunks keep the reader pressing on the slowest
    # worker, so an early reuse would show up as a wrong digest.
    monkeypatch.setattr(hashing, "_SLOTS", 2)
    data = os.urandom(3 * CHUNK)
    assert digest_stream(io.BytesIO(data), chunk_size=4096) == expected(data)


# --- large local files: threads that each map their pieces, a digest handed over halfway ----------


@pytest.fixture
def small_split(monkeypatch):
    """The mapped, split schedule for files of any size, in windows of a few pages, so
    that a few MiB cross many windows and every hand-over."""
    monkeypatch.setattr(hashing, "SPLIT_MIN_BYTES", 1)
    monkeypatch.setattr(hashing, "_WINDOW", 3 * 4096)
    monkeypatch.setattr(hashing, "_cpu_count", lambda: 2)


# Speeds under which SHA-512 is split between the two threads (Intel-like, no SHA extensions),
# and under which another digest is: the split point moves with them.
@pytest.mark.parametrize("speeds", [
    {"sha256": 1 / 3.5, "sha512": 1 / 2.1, "sha1": 1 / 1.7, "md5": 1 / 2.0},
    {"sha256": 1.56, "sha1": 1.48, "sha512": 0.74, "md5": 0.67},
    {"sha256": 1.0, "sha512": 1.0, "sha1": 1.0, "md5": 1 / 1.5},
], ids=["intel-like", "amd-like", "md5-dear"])
@pytest.mark.parametrize("size", [1, 4095, 4097, 3 * 4096 + 7, 2 * CHUNK + 12345])
def test_a_mapped_file_gives_hashlibs_digests_whatever_the_schedule(small_split, tmp_path, speeds, size):
    data = os.urandom(size)
    path = tmp_path / "exhibit.bin"
    path.write_bytes(data)
    saved = dict(hashing._speeds)
    try:
        hashing.use_speeds(speeds)
        plan = hashing.split_plan(hashing.ALGORITHMS)
        assert any(lo > 0 for thread in plan for _, lo, _ in thread), "the test meant a digest to be split"
        assert digest_path(path) == expected(data)
    finally:
        hashing.use_speeds(saved)


def test_a_mapped_file_is_hashed_from_the_current_position_and_left_at_its_end(small_split, tmp_path):
    data = os.urandom(100_000)
    path = tmp_path / "exhibit.bin"
    path.write_bytes(data)
    with open(path, "rb", buffering=0) as stream:
        stream.seek(777)
        assert digest_stream(stream) == expected(data[777:])
        assert stream.tell() == len(data)


def test_a_mapped_files_progress_rises_to_its_size(small_split, tmp_path, random_mib):
    path = tmp_path / "exhibit.bin"
    path.write_bytes(random_mib)
    seen = []
    digest_path(path, progress=seen.append)
    assert seen and seen == sorted(seen) and seen[-1] == len(random_mib)


def test_a_progress_error_stops_the_mapped_threads_and_propagates(small_split, tmp_path, random_mib, monkeypatch):
    path = tmp_path / "exhibit.bin"
    path.write_bytes(random_mib * 4)
    slow = hashing._windows

    def slower(*args):  # so that the caller's progress is asked before the threads finish
        for window in slow(*args):
            threading.Event().wait(0.001)
            yield window

    monkeypatch.setattr(hashing, "_windows", slower)
    before = threading.active_count()

    def progress(done):
        raise KeyboardInterrupt("stop")

    with pytest.raises(KeyboardInterrupt):
        digest_path(path, progress=progress)
    assert threading.active_count() == before


def test_a_file_that_grows_while_it_is_hashed_is_refused(small_split, tmp_path, monkeypatch):
    path = tmp_path / "exhibit.bin"
    path.write_bytes(os.urandom(50_000))
    slow = hashing._windows

    def appending(fileno, first, last):
        for window in slow(fileno, first, last):
            yield window
        with open(path, "ab") as more:  # a writer still at work on the file
            more.write(b"late bytes")

    monkeypatch.setattr(hashing, "_windows", appending)
    with pytest.raises(RuntimeError, match="changed size"):
        digest_path(path)


def test_streams_that_cannot_be_mapped_go_through_the_reader(small_split, random_mib, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a BytesIO must not be mapped")

    monkeypatch.setattr(hashing, "_digest_mapped", refuse)
    assert digest_stream(io.BytesIO(random_mib)) == expected(random_mib)


def test_a_local_file_can_be_read_through_the_one_reader_so_that_progress_paces_it(small_split, tmp_path, random_mib,
                                                                                   monkeypatch):
    path = tmp_path / "exhibit.bin"
    path.write_bytes(random_mib)

    def refuse(*args, **kwargs):
        raise AssertionError("mapped=False must not map the file")

    monkeypatch.setattr(hashing, "_digest_mapped", refuse)
    seen = []
    with open(path, "rb", buffering=0) as stream:
        assert digest_stream(stream, progress=seen.append, mapped=False) == expected(random_mib)
    assert seen == [min(CHUNK * n, len(random_mib)) for n in range(1, len(seen) + 1)]  # one call per chunk
