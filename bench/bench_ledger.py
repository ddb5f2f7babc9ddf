"""Benchmark the RFC 9162 Merkle log (evidence/ledger.py) against naive recomputation.

    python bench/bench_ledger.py [--leaves 1000000] [--samples 1000] [--naive-runs 3]

Appends N entries into a MemoryTree, then times root, inclusion and
consistency proofs at size N from stored nodes (median of --samples random
indexes/sizes) and compares each with the named reference: a naive full
recomputation, root_from_leaves over all N leaf hashes, which is the least a
prover without stored subtree hashes must do. Progress goes to stderr, the
table to stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evidence import ledger  # noqa: E402


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _median_seconds(runs: list[Callable[[], object]]) -> float:
    times = []
    for run in runs:
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _reads(run: Callable[[Callable[[int, int], bytes]], object], tree: ledger.MemoryTree) -> int:
    count = 0

    def get_node(level: int, idx: int) -> bytes:
        nonlocal count
        count += 1
        return tree.get_node(level, idx)

    run(get_node)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leaves", type=int, default=1_000_000, help="log size N (default 1,000,000)")
    parser.add_argument("--samples", type=int, default=1000, help="proofs timed per kind (median)")
    parser.add_argument("--naive-runs", type=int, default=3, help="full recomputations timed (median)")
    parser.add_argument("--seed", type=int, default=9162)
    args = parser.parse_args()
    n, rng = args.leaves, random.Random(args.seed)
    if n < 2:
        parser.error("--leaves must be at least 2")

    # Entries shaped like what the catalogue logs: a custody entry hash in hex.
    _progress(f"preparing {n:,} entries")
    entries = [hashlib.sha256(i.to_bytes(8, "big")).hexdigest().encode() for i in range(n)]

    _progress(f"appending {n:,} leaves into MemoryTree")
    tree = ledger.MemoryTree()
    start = time.perf_counter()
    for i, entry in enumerate(entries):
        tree.append(entry)
        if (i + 1) % 200_000 == 0:
            _progress(f"  {i + 1:,} appended")
    append_seconds = time.perf_counter() - start
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    get = tree.get_node

    _progress(f"timing {args.samples} of each proof kind at size {n:,}")
    indexes = [rng.randrange(n) for _ in range(args.samples)]
    old_sizes = [rng.randrange(1, n) for _ in range(args.samples)]
    root_t = _median_seconds([lambda: ledger.root(n, get)] * args.samples)
    incl_t = _median_seconds([lambda i=i: ledger.inclusion_proof(i, n, get) for i in indexes])
    cons_t = _median_seconds([lambda m=m: ledger.consistency_proof(m, n, get) for m in old_sizes])

    top = tree.root()
    incl = [(i, ledger.inclusion_proof(i, n, get)) for i in indexes]
    cons = [(m, tree.root(m), ledger.consistency_proof(m, n, get)) for m in old_sizes]
    assert all(ledger.verify_inclusion(get(0, i), i, n, p, top) for i, p in incl)
    assert all(ledger.verify_consistency(m, n, r, top, p) for m, r, p in cons)
    v_incl_t = _median_seconds([lambda i=i, p=p: ledger.verify_inclusion(get(0, i), i, n, p, top) for i, p in incl])
    v_cons_t = _median_seconds([lambda m=m, r=r, p=p: ledger.verify_consistency(m, n, r, top, p) for m, r, p in cons])

    reads = {
        "root": _reads(lambda g: ledger.root(n, g), tree),
        "inclusion": max(_reads(lambda g, i=i: ledger.inclusion_proof(i, n, g), tree) for i in indexes[:200]),
        "consistency": max(_reads(lambda g, m=m: ledger.consistency_proof(m, n, g), tree) for m in old_sizes[:200]),
    }

    _progress(f"naive reference: root_from_leaves over all {n:,} leaves, {args.naive_runs} runs")
    leaves = [get(0, i) for i in range(n)]
    naive_t = _median_seconds([lambda: ledger.root_from_leaves(leaves)] * args.naive_runs)
    assert ledger.root_from_leaves(leaves) == top

    def us(seconds: float) -> str:
        return f"{seconds * 1e6:,.1f} µs"

    rows = [
        ("append into MemoryTree", f"{n / append_seconds:,.0f} appends/s", f"{append_seconds:.2f} s total", ""),
        ("root(N), stored nodes", us(root_t), f"{reads['root']} reads", f"{naive_t / root_t:,.0f}x"),
        ("inclusion_proof(i, N)", us(incl_t), f"<= {reads['inclusion']} reads", f"{naive_t / incl_t:,.0f}x"),
        ("consistency_proof(m, N)", us(cons_t), f"<= {reads['consistency']} reads", f"{naive_t / cons_t:,.0f}x"),
        ("verify_inclusion", us(v_incl_t), "", ""),
        ("verify_consistency", us(v_cons_t), "", ""),
        ("naive: root_from_leaves(all N)", f"{naive_t:.3f} s", f"{n:,} leaves", "1x (reference)"),
    ]
    print(f"Merkle log benchmark: N = {n:,} leaves, {args.samples} samples/median, Python {sys.version.split()[0]}")
    print(f"peak RSS after appends: {rss_mib:,.0f} MiB ({2 * n - bin(n).count('1'):,} stored nodes)")
    print()
    header = ("operation", "median / rate", "node reads", "speed-up vs naive")
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(4)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
