"""The digests' thread layout is chosen from this host's measured speeds (evidence/hash_layout.py)."""

import hashlib
import io
import itertools
import json
import os

import pytest

from evidence import hash_layout, hashing
from evidence.hash_layout import balance, choose_layout, pass_seconds

NAMES = hashing.ALGORITHMS
GIB = 1 << 30
# hashlib on the 2-core AMD EPYC with SHA extensions (docs: PERFORMANCE.md), bytes per second.
AMD_LIKE = {"sha256": 1.56e9, "sha1": 1.48e9, "sha512": 0.74e9, "md5": 0.67e9}
# An Intel host without SHA extensions, seconds per GiB: the old fixed layout gave its
# threads 5.6 s (SHA-512 + SHA-256) and 3.7 s (MD5 + SHA-1) of work.
INTEL_LIKE = {name: GIB / seconds for name, seconds in {"sha256": 3.5, "sha512": 2.1, "sha1": 1.7, "md5": 2.0}.items()}
OLD_FIXED = [("md5", "sha1"), ("sha512", "sha256")]


def groupings(names):
    """Every way to put the digests into non-empty threads."""
    for assignment in itertools.product(range(len(names)), repeat=len(names)):
        groups = {}
        for name, thread in zip(names, assignment, strict=True):
            groups.setdefault(thread, []).append(name)
        yield [tuple(g) for g in groups.values()]


@pytest.mark.parametrize("speeds", [AMD_LIKE, INTEL_LIKE], ids=["amd-like", "intel-like"])
def test_no_grouping_ends_the_pass_sooner_on_two_cores(speeds):
    chosen = choose_layout(speeds, NAMES, 2)
    assert sorted(n for g in chosen for n in g) == sorted(NAMES)
    seconds = pass_seconds([sum(1 / speeds[n] for n in g) for g in chosen], 2)
    assert all(seconds <= pass_seconds([sum(1 / speeds[n] for n in g) for g in other], 2) + 1e-15
               for other in groupings(NAMES))


def test_on_an_amd_like_host_two_threads_of_nearly_equal_work():
    chosen = choose_layout(AMD_LIKE, NAMES, 2)
    assert sorted(map(sorted, chosen)) == [["md5", "sha256"], ["sha1", "sha512"]]
    loads = [sum(1 / AMD_LIKE[n] for n in g) for g in chosen]
    share = sum(loads) / 2
    assert max(loads) <= share * 1.03
    assert balance(AMD_LIKE, chosen, 2) >= 0.95


def test_on_an_intel_like_host_the_old_fixed_layout_was_lopsided_and_the_chosen_one_is_not():
    chosen = choose_layout(INTEL_LIKE, NAMES, 2)
    assert balance(INTEL_LIKE, OLD_FIXED, 2) < 0.85
    # No two groups come out even here (best: 5.2 s against a 4.65 s share); a third
    # thread lets the kernel share the two cores out in time.
    assert sorted(map(sorted, chosen)) == [["md5", "sha1"], ["sha256"], ["sha512"]]
    assert balance(INTEL_LIKE, chosen, 2) >= 0.95


def test_one_core_gets_one_thread_and_more_cores_get_more():
    assert choose_layout(AMD_LIKE, NAMES, 1) == [tuple(NAMES)]
    assert len(choose_layout(AMD_LIKE, NAMES, 4)) >= 3
    assert choose_layout(AMD_LIKE, ["sha256"], 2) == [("sha256",)]


def test_pass_seconds_shares_the_cores_among_running_threads():
    assert pass_seconds([3.0, 3.0], 2) == 3.0
    assert pass_seconds([1.0, 1.0, 1.0], 2) == pytest.approx(1.5)
    assert pass_seconds([2.0, 1.0], 1) == 3.0


def test_the_hasher_uses_the_layout_of_the_speeds_it_was_given(monkeypatch):
    seen = []
    real = hashing._hash_threaded

    def spy(ring, filled, fill, groups, progress):
        seen.append(sorted(sorted(h.name for h in g) for g in groups))
        return real(ring, filled, fill, groups, progress)

    monkeypatch.setattr(hashing, "_hash_threaded", spy)
    monkeypatch.setattr(hashing, "_cpu_count", lambda: 2)
    monkeypatch.setattr(hashing, "_speeds", dict(hashing._speeds))
    data = os.urandom(3 * hashing.CHUNK_SIZE + 5)
    try:
        for speeds in (INTEL_LIKE, AMD_LIKE):
            hashing.use_speeds(speeds)
            digests = hashing.digest_stream(io.BytesIO(data))
            assert digests.md5 == hashlib.md5(data).hexdigest() and digests.sha256 == hashlib.sha256(data).hexdigest()
            assert digests.sha512 == hashlib.sha512(data).hexdigest() and digests.sha1 == hashlib.sha1(data).hexdigest()
    finally:
        hashing._layouts.clear()
    assert seen == [sorted(sorted(g) for g in choose_layout(s, NAMES, 2)) for s in (INTEL_LIKE, AMD_LIKE)]


def test_speeds_are_measured_once_per_host_and_read_back_after(tmp_path, monkeypatch):
    path = tmp_path / "cache" / "hash-speeds.json"
    measured = hash_layout.cached_speeds(path, NAMES)
    assert set(measured) == set(NAMES) and all(v > 0 for v in measured.values())
    assert json.loads(path.read_text())["host"] == hash_layout.host_key()
    monkeypatch.setattr(hash_layout, "measure_speeds", lambda names: pytest.fail("measured again"))
    assert hash_layout.cached_speeds(path, NAMES) == measured


def test_another_hosts_an_old_or_a_broken_file_is_measured_afresh(tmp_path):
    import time

    path = tmp_path / "hash-speeds.json"
    ones = {n: 1.0 for n in NAMES}
    path.write_text(json.dumps({"version": hash_layout.FORMAT, "host": "another CPU", "speeds": ones,
                                "measured_at": time.time()}))
    assert hash_layout.cached_speeds(path, NAMES)["sha256"] > 1.0
    path.write_text(json.dumps({"version": hash_layout.FORMAT, "host": hash_layout.host_key(), "speeds": ones,
                                "measured_at": time.time() - hash_layout.MAX_AGE_SECONDS - 1}))
    assert hash_layout.cached_speeds(path, NAMES)["sha1"] > 1.0
    path.write_text("{not json")
    assert hash_layout.cached_speeds(path, NAMES)["md5"] > 1.0
    assert json.loads(path.read_text())["host"] == hash_layout.host_key()


def test_a_worker_lays_out_its_digests_by_this_hosts_speeds_at_start(tmp_path, settings, monkeypatch):
    from config.celery import fit_hashing_to_host

    path = tmp_path / "speeds.json"
    path.write_text(json.dumps({"version": hash_layout.FORMAT, "host": hash_layout.host_key(), "speeds": INTEL_LIKE,
                                "measured_at": __import__("time").time()}))
    settings.EVIDENCE_HASH_SPEEDS_FILE = str(path)
    monkeypatch.setattr(hashing, "_speeds", dict(hashing._speeds))
    try:
        fit_hashing_to_host()
        assert sorted(map(sorted, hashing._layout(NAMES, 2))) == [["md5", "sha1"], ["sha256"], ["sha512"]]
    finally:
        hashing._layouts.clear()


# --- the split schedule: a digest may pass from one thread to another -------------------------


def _loads(speeds, plan):
    return [sum((hi - lo) / speeds[name] for name, lo, hi in pieces) for pieces in plan]


@pytest.mark.parametrize("speeds", [AMD_LIKE, INTEL_LIKE], ids=["amd-like", "intel-like"])
@pytest.mark.parametrize("cores", [1, 2, 3, 4, 8])
def test_the_split_schedule_gives_no_thread_more_than_its_share(speeds, cores):
    plan = hash_layout.split_schedule(speeds, NAMES, cores)
    assert len(plan) <= cores
    # Every digest covers the whole file exactly once, its pieces in order and touching.
    for name in NAMES:
        pieces = sorted((lo, hi) for thread in plan for n, lo, hi in thread if n == name)
        assert pieces[0][0] == 0.0 and pieces[-1][1] == 1.0
        assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))
    costs = [1 / speeds[n] for n in NAMES]
    limit = max(max(costs), sum(costs) / cores)
    assert max(_loads(speeds, plan)) <= limit * 1.000001
    assert hash_layout.schedule_balance(speeds, plan, cores) >= 0.999


def test_on_an_intel_like_host_the_split_schedule_beats_every_whole_digest_grouping():
    # Whole digests per thread cannot come out even here (best 5.2 s against a 4.65 s share);
    # handing SHA-512 over halfway gives each thread exactly its share.
    plan = hash_layout.split_schedule(INTEL_LIKE, NAMES, 2)
    two_threads = [g for g in groupings(NAMES) if len(g) <= 2]
    best_whole = min(max(sum(1 / INTEL_LIKE[n] for n in t) for t in g) for g in two_threads)
    assert max(_loads(INTEL_LIKE, plan)) < best_whole * 0.9
    # Even a third thread, with the kernel sharing the cores out perfectly, ends later.
    shared = min(pass_seconds([sum(1 / INTEL_LIKE[n] for n in t) for t in g], 2) for g in groupings(NAMES))
    assert max(_loads(INTEL_LIKE, plan)) < shared
    split = [name for name in NAMES if sum(1 for t in plan for n, _, _ in t if n == name) > 1]
    assert len(split) == 1


def test_a_split_digests_head_comes_first_on_its_thread_and_its_tail_last():
    for speeds in (AMD_LIKE, INTEL_LIKE):
        plan = hash_layout.split_schedule(speeds, NAMES, 2)
        for thread in plan:
            for position, (_, lo, hi) in enumerate(thread):
                if lo > 0:
                    assert position == len(thread) - 1  # a tail: last
                if hi < 1:
                    assert position == 0  # a head: first, so no thread waits on a thread that waits


def test_a_sliver_is_not_split_off():
    # Costs where the wrap would leave under 2% of a digest on one thread.
    speeds = {"sha256": 1.0, "sha512": 1.0, "sha1": 1 / 0.99, "md5": 1 / 1.01}
    plan = hash_layout.split_schedule(speeds, NAMES, 2)
    assert all(lo == 0.0 and hi == 1.0 for thread in plan for _, lo, hi in thread)
