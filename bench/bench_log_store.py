"""Benchmark the database-backed Merkle log (evidence/log_store.py) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evidence_<you> \\
        python bench/bench_log_store.py [--leaves 1000000] [--appends 2000] [--samples 300]

Works in a scratch database made like a test database (test_<name>, migrated,
dropped at the end), so it never touches real data. Steps:
 1. fill the log with N leaves in SQL (PostgreSQL's sha256(), level by level),
    and check the root against the in-memory tree of evidence/ledger.py;
 2. time custody_append integrating in the writer (entry + chain + log, one
    transaction each, as the embedded default does) at that log size, from one
    client and from two threads; the sequenced path: bench/bench_sequencer.py;
 3. time root, inclusion and consistency proofs read from the database at
    size ~N (median of --samples, after warming up past psycopg's prepare
    threshold), and the naive alternative: reading every leaf.
Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-long-enough-for-the-production-check-01")


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _median(run, samples) -> float:
    times = []
    for sample in samples:
        start = time.perf_counter()
        run(sample)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fill_log(n: int) -> None:
    """N leaves, leaf i = SHA-256(0x00 || int8send(i)), and every complete node above them, in SQL."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO evidence_lognode (level, "index", hash) '
            "SELECT 0, i, sha256('\\x00'::bytea || int8send(i)) FROM generate_series(0, %s - 1) AS i", [n]
        )
        level, count = 0, n
        while count >= 2:
            cursor.execute(
                'INSERT INTO evidence_lognode (level, "index", hash) '
                "SELECT %s, l.\"index\" / 2, sha256('\\x01'::bytea || l.hash || r.hash) "
                "FROM evidence_lognode l JOIN evidence_lognode r "
                'ON r.level = l.level AND r."index" = l."index" + 1 '
                'WHERE l.level = %s AND l."index" %% 2 = 0', [level + 1, level]
            )
            level, count = level + 1, count // 2
        cursor.execute("INSERT INTO evidence_logstate (id, size) VALUES (1, %s)", [n])
        cursor.execute("ANALYZE evidence_lognode")


def memory_root(n: int) -> bytes:
    from evidence import ledger

    tree = ledger.MemoryTree()
    for i in range(n):
        tree.append(i.to_bytes(8, "big", signed=True))
    return tree.root()


def time_appends(count: int, threads: int) -> float:
    """custody_append calls per second, spread over `threads` clients each on its own item."""
    from django.db import connection

    from catalogue.models import Case, Team
    from evidence.custody import custody_append
    from evidence.models import EvidenceItem
    from tests import factories

    team = Team.objects.first() or factories.TeamFactory()
    user = factories.user_with_role("investigator", team=team)
    case = Case.objects.create(reference=f"BN-2024-{random.randrange(10**6):06d}", title="Bench", team=team,
                               created_by=user)
    items = [EvidenceItem.objects.create(case=case, number=i + 1, exhibit=f"{case.reference}/E{i + 1:03d}",
                                         kind="document", title="bench", created_by=user, held_by="bench",
                                         state="reference")
             for i in range(threads)]
    per_thread = count // threads
    barrier = threading.Barrier(threads + 1)

    def writer(item) -> None:
        barrier.wait()
        for i in range(per_thread):
            custody_append(item=item.pk, action="transfer", agent="agent:bench", details={"i": i})
        connection.close()

    workers = [threading.Thread(target=writer, args=(item,)) for item in items]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    return per_thread * threads / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=9162)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        parser.error("set DATABASE_URL to a PostgreSQL database (the benchmark fills it with SQL)")
    settings.LEDGER_SIGNING_KEY_FILE = Path("/tmp") / f"bench-ledger-key-{os.getpid()}.pem"
    # A scratch log: its heads must not reach the real witness folder (a fork there) or the trusted keys.
    settings.LEDGER_WITNESS_DIR = ""
    settings.LEDGER_TSA_URL = ""
    settings.LEDGER_PUBLIC_KEYS_DIR = Path("/tmp") / f"bench-ledger-keys-{os.getpid()}"
    # The appends timed here integrate in the writer (the embedded default), so they keep
    # measuring entry + chain + log; the sequenced path is bench/bench_sequencer.py's.
    settings.LEDGER_INTEGRATE_IN_WRITER = True
    _progress(f"creating scratch database test_{connection.settings_dict['NAME']}")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        Path(settings.LEDGER_SIGNING_KEY_FILE).unlink(missing_ok=True)
        shutil.rmtree(settings.LEDGER_PUBLIC_KEYS_DIR, ignore_errors=True)


def run(args) -> None:
    from evidence import ledger, log_store, signing

    n, rng = args.leaves, random.Random(args.seed)
    _progress(f"filling {n:,} leaves with SQL")
    start = time.perf_counter()
    fill_log(n)
    fill_seconds = time.perf_counter() - start
    _progress("checking the SQL-built root against the in-memory tree")
    assert log_store.root(n) == memory_root(n), "the SQL fill does not match RFC 9162 hashing"

    _progress(f"{args.appends:,} custody appends, one client, at log size {n:,}")
    one = time_appends(args.appends, 1)
    _progress(f"{args.appends:,} custody appends, two threads")
    two = time_appends(args.appends, 2)
    _progress("200 bare log appends")
    start = time.perf_counter()
    for i in range(200):
        log_store.append_leaf(f"bare {i}".encode())
    bare = 200 / (time.perf_counter() - start)

    size = log_store.size()
    root = log_store.root(size)
    indexes = [rng.randrange(size) for _ in range(args.samples)]
    olds = [rng.randrange(1, size) for _ in range(args.samples)]
    for i in indexes[:20]:  # past psycopg's prepare threshold, so the timed calls are steady-state
        log_store.inclusion_proof(i, size)
    _progress(f"timing proofs at size {size:,}")
    root_t = _median(lambda _: log_store.root(size), range(args.samples))
    incl_t = _median(lambda i: log_store.inclusion_proof(i, size), indexes)
    cons_t = _median(lambda m: log_store.consistency_proof(m, size), olds)
    many_t = _median(lambda _: log_store.inclusion_proofs(indexes[:50], size), range(20))
    head_t = _median(lambda _: signing.sign_tree_head(force=True), range(20))
    for i in indexes[:50]:
        assert ledger.verify_inclusion(log_store.leaf(i), i, size, log_store.inclusion_proof(i, size), root)
    for m in olds[:50]:
        assert ledger.verify_consistency(m, size, log_store.root(m), root, log_store.consistency_proof(m, size))

    _progress("naive reference: read every leaf and hash the tree")
    start = time.perf_counter()
    leaves = [bytes(h) for h in log_store.LogNode.objects.filter(level=0).order_by("index")
              .values_list("hash", flat=True).iterator(chunk_size=50_000)]
    naive_root = ledger.root_from_leaves(leaves)
    naive_t = time.perf_counter() - start
    assert naive_root == root

    def ms(seconds: float) -> str:
        return f"{seconds * 1e3:,.2f} ms"

    rows = [
        (f"fill {n:,} leaves + nodes (SQL)", f"{fill_seconds:,.1f} s", ""),
        ("custody_append, 1 client", f"{one:,.0f} appends/s", "entry + chain + log, in the writer"),
        ("custody_append, 2 threads", f"{two:,.0f} appends/s", "serialised on the LogState row"),
        ("log_store.append_leaf alone", f"{bare:,.0f} appends/s", ""),
        ("root(N) from the database", ms(root_t), "2 queries"),
        ("inclusion_proof(i, N)", ms(incl_t), "2 queries"),
        ("consistency_proof(m, N)", ms(cons_t), "2 queries"),
        ("50 inclusion proofs at once", ms(many_t), "2 queries"),
        ("sign a tree head (root, consistency, Ed25519)", ms(head_t), ""),
        ("naive: read all leaves, hash the tree", f"{naive_t:,.2f} s", f"{naive_t / incl_t:,.0f}x an inclusion proof"),
    ]
    print(f"Database Merkle log benchmark: PostgreSQL, N = {size:,} leaves, {args.samples} samples/median")
    print()
    header = ("operation", "median / rate", "note")
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(3)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
