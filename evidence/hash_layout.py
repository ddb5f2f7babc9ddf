"""Which digests share a hashing thread, chosen from the speeds measured on this host.

Pure functions, no Django. The one-pass hasher (evidence/hashing.py) runs one
thread per group of digests; the pass lasts as long as the busiest thread.
How costly each digest is depends on the CPU: with SHA extensions SHA-256 and
SHA-1 are cheap and MD5 and SHA-512 dear; without them SHA-256 is the
dearest. A layout fixed for one kind of CPU left one thread with 5.6 s of
work and the other with 3.7 s on an Intel host without SHA extensions.

So a worker measures each digest once at start (a few MiB each, ~0.2 s), keeps
the figures in a small JSON file keyed by the CPU and the OpenSSL build
(re-measured when either changes), and the layout is the grouping of digests
into threads with the shortest estimated pass: on 2 cores, usually the two
groups whose busier one has the least work. A digest cannot be split between
threads (its state is sequential); where no two groups come out even, three
threads on two cores let the kernel share the cores out in time instead
(`choose_layout`). `balance` says how near the machine's limit a layout is.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import platform
import ssl
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

MIB = 1 << 20
SAMPLE_BYTES = 4 * MIB
ROUNDS = 5
# The cache's form (2: thread CPU time); figures older than a week are measured again,
# so one unlucky measurement does not lay the digests out for ever.
FORMAT = 2
MAX_AGE_SECONDS = 7 * 24 * 3600

Layout = list[tuple[str, ...]]


# Each thread beyond the cores costs a little (switches, a queue hand-off per chunk):
# a layout with more threads must be this much better per extra thread to win.
EXTRA_THREAD_PENALTY = 0.02


def pass_seconds(loads: Sequence[float], cores: int) -> float:
    """How long threads with these loads (CPU seconds) take on `cores` cores that the
    kernel shares evenly among the threads still running (processor sharing)."""
    left = sorted(load for load in loads if load > 0)
    elapsed = 0.0
    while left:
        rate = min(1.0, cores / len(left))
        step = left[0]
        elapsed += step / rate
        left = [load - step for load in left[1:] if load - step > 1e-12]
    return elapsed


def choose_layout(speeds: Mapping[str, float], names: Sequence[str], cores: int) -> Layout:
    """Digests `names` grouped into threads so that the pass ends soonest on `cores`
    cores, given each digest's speed (bytes per second). With as many threads as
    cores that is the grouping whose busiest thread has the least work. Where no
    grouping can be even (one digest, or the indivisible remainder, is too large),
    a thread more than the cores can be better: the kernel then shares the cores
    out in time, which a digest's sequential state cannot be. Ties go to fewer
    threads, then to the order of `names`. Exhaustive: 15 groupings of 4 digests."""
    names = list(names)
    if not names:
        return []
    cores = max(1, cores)
    cost = {name: 1.0 / speeds[name] if speeds.get(name) else float("inf") for name in names}
    best_key, best = None, None
    # Digest i goes to thread assignment[i]; only canonical assignments (thread k used
    # only after thread k-1), so that each grouping is tried once.
    for assignment in itertools.product(range(len(names)), repeat=len(names)):
        if any(assignment[i] > max(assignment[:i], default=-1) + 1 for i in range(len(names))):
            continue
        threads = max(assignment) + 1
        if cores == 1 and threads > 1:
            continue
        loads = [0.0] * threads
        for name, thread in zip(names, assignment, strict=True):
            loads[thread] += cost[name]
        estimate = pass_seconds(loads, cores) * (1 + EXTRA_THREAD_PENALTY * max(0, threads - cores))
        key = (estimate, threads)
        if best_key is None or key < best_key:
            best_key, best = key, assignment
    groups: dict[int, list[str]] = {}
    for name, thread in zip(names, best, strict=True):
        groups.setdefault(thread, []).append(name)
    return [tuple(group) for _, group in sorted(groups.items())]


def balance(speeds: Mapping[str, float], layout: Layout, cores: int) -> float:
    """The machine's limit over the layout's estimated pass (1.0: the cores are kept
    evenly busy; the limit is the larger of the dearest digest and an even split)."""
    costs = {name: 1.0 / speeds[name] for group in layout for name in group}
    limit = max(max(costs.values()), sum(costs.values()) / max(1, cores))
    return limit / pass_seconds([sum(costs[name] for name in group) for group in layout], cores)


def measure_speeds(names: Sequence[str], *, sample_bytes: int = SAMPLE_BYTES, rounds: int = ROUNDS) -> dict[str, float]:
    """Bytes per CPU second of each digest in hashlib on this host: the best of `rounds`
    over `sample_bytes`, in 1 MiB updates as the hasher makes them."""
    block = memoryview(os.urandom(MIB))
    blocks = max(1, sample_bytes // MIB)
    best = dict.fromkeys(names, float("inf"))
    # Rounds interleaved, so that a neighbour's burst of work slows every digest alike.
    for _ in range(rounds):
        for name in names:
            hasher = hashlib.new(name, usedforsecurity=False)
            # CPU time of this thread, not the wall clock: a neighbour that takes the
            # core away for a while does not make a digest look slow.
            start = time.thread_time()
            for _ in range(blocks):
                hasher.update(block)
            best[name] = min(best[name], time.thread_time() - start)
    return {name: blocks * MIB / max(seconds, 1e-9) for name, seconds in best.items()}


def host_key() -> str:
    """What the speeds depend on: the CPU (model and flags), OpenSSL and Python."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            lines = info.read().splitlines()
        model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), cpu)
        flags = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("flags")), "")
        cpu = f"{model} {hashlib.sha256(flags.encode()).hexdigest()[:16]}"
    except OSError:
        pass
    # OPENSSL_ia32cap masks CPU features from OpenSSL (bench_hashing.py --emulate-no-sha uses it).
    return f"{cpu} | {ssl.OPENSSL_VERSION} {os.environ.get('OPENSSL_ia32cap', '')} | {sys.version.split()[0]}"


def default_cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "evidence-catalogue" / "hash-speeds.json"


def cached_speeds(path: str | os.PathLike[str], names: Sequence[str]) -> dict[str, float]:
    """The speeds recorded in `path` for this host, or measured now and recorded there."""
    path = Path(path)
    key = host_key()
    try:
        recorded = json.loads(path.read_text())
        fresh = 0 <= time.time() - recorded["measured_at"] < MAX_AGE_SECONDS
        if (recorded.get("version") == FORMAT and recorded.get("host") == key and fresh
                and all(recorded["speeds"].get(n, 0) > 0 for n in names)):
            return {n: float(recorded["speeds"][n]) for n in names}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # missing, unreadable or another host's: measure
    speeds = measure_speeds(names)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under a temporary name, then renamed: two workers starting at once
        # never read half a file.
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".hash-speeds-")
        with os.fdopen(handle, "w") as out:
            json.dump({"version": FORMAT, "host": key, "speeds": speeds, "measured_at": time.time()}, out)
        os.replace(temp, path)
    except OSError:
        pass  # a read-only home: measured again at the next start, which costs ~0.2 s
    return speeds


# A piece of one digest's work: (digest, first byte, end byte) as fractions of the file.
Piece = tuple[str, float, float]
# Splitting a digest costs a hand-over between threads; a sliver is not worth it.
MIN_PIECE = 0.02


def split_schedule(speeds: Mapping[str, float], names: Sequence[str], cores: int) -> list[list[Piece]]:
    """Each thread's pieces of digest work, in order, so that no thread carries more
    than its share (McNaughton's wrap-around rule for preemptible jobs).

    A digest's state is sequential, so it cannot run on two threads at once; but
    it can run on one thread for the first part of the file and on another for
    the rest, if the two parts never overlap in time. Filling threads one after
    the other up to the pass length T = max(dearest digest, total / threads) and
    wrapping the overflow of a digest to the start of the next thread does that:
    the wrapped head (the file's first bytes) runs first on the next thread, the
    tail runs last on this one, and since no digest is longer than T the head is
    done before the tail is due. Each thread then has T of work: the machine's
    limit, where `choose_layout`'s whole digests per thread can leave one thread
    with more than its share. For files that every thread can read on its own
    (evidence/hashing.py maps them); a stream read once keeps `choose_layout`.
    """
    names = list(names)
    if not names:
        return []
    threads = max(1, min(cores, len(names)))
    cost = {name: 1.0 / speeds[name] if speeds.get(name) else 1.0 for name in names}
    # Dearest first, so that the split digests are the cheaper ones; ties in the order given.
    order = sorted(names, key=lambda name: -cost[name])
    length = max(max(cost.values()), sum(cost.values()) / threads)
    plan: list[list[Piece]] = [[] for _ in range(threads)]
    thread, used = 0, 0.0
    for name in order:
        room = length - used
        if thread == threads - 1 or cost[name] <= room * (1 + 1e-9):
            plan[thread].append((name, 0.0, 1.0))
            used += cost[name]
            continue
        head = (cost[name] - room) / cost[name]  # the part that wraps to the next thread
        if head < MIN_PIECE or head > 1 - MIN_PIECE:
            # Not worth a hand-over: the whole digest goes where it fits the better.
            if head <= 0.5:
                plan[thread].append((name, 0.0, 1.0))
                thread, used = thread + 1, 0.0
            else:
                thread, used = thread + 1, 0.0
                plan[thread].append((name, 0.0, 1.0))
                used = cost[name]
            continue
        plan[thread].append((name, head, 1.0))
        thread += 1
        plan[thread].insert(0, (name, 0.0, head))
        used = head * cost[name]
    return [pieces for pieces in plan if pieces]


def schedule_balance(speeds: Mapping[str, float], plan: Sequence[Sequence[Piece]], cores: int) -> float:
    """The machine's limit over the schedule's busiest thread (1.0: even)."""
    cost = {name: 1.0 / speeds[name] for pieces in plan for name, _, _ in pieces}
    limit = max(max(cost.values()), sum(cost.values()) / max(1, cores))
    loads = [sum(cost[name] * (end - start) for name, start, end in pieces) for pieces in plan]
    return limit / pass_seconds(loads, cores)
