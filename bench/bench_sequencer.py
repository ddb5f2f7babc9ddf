"""Benchmark custody appends before and after the sequenced log, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evidence_<you> \\
        python bench/bench_sequencer.py [--seconds 8] [--latency-samples 40]

Works in a scratch database made like a test database (test_<name>, migrated,
dropped at the end). For 1 client, 2 threads and 4 writer processes, each
writer appending to its own item, one entry per transaction, it times:
- old: the append as it was before the sequencer (the parent commit's
  custody_append_many, reproduced here line for line: entry, chain, and the
  leaf integrated under the single LogState row lock in the writer's transaction);
- queued: the portable append (evidence/custody.py in Python: BEGIN, lock,
  read the last entry, INSERT, COMMIT; the leaf queued), which was the
  PostgreSQL path until the one-statement function;
- new: custody_append_many as it is now (on PostgreSQL one call of
  evidence_custody_append, autocommitted; the leaf queued);
- bare: a plain INSERT of a row of the same shape and size into a copy of the
  custody table (no trigger, no foreign key), one per transaction: the ceiling.
While queued and new run, a sequencer process integrates and signs a head per
batch beside the writers, on the same cores. The goal (issue #11) is 2,000
entries/s from 4 writers.

Then, from one writer and unaffected by how busy the machine is, the cost of
one append on each path: statements, client CPU (process_time) and the
server's CPU (its backend's utime + stime from /proc, when the server is on
this host), and the sequencer's CPU per leaf the same way.
Then the sequencer alone: leaves/s integrating a backlog (batches of
LEDGER_SEQUENCER_BATCH, one signed head each), and the time from an append's
commit until its entry is proven under a signed head, with the sequencer
polling every --poll seconds (beat runs it every second; appends also nudge it).
Progress goes to stderr, the table to stdout. Figures are noisy on a shared
machine: compare the ratios, which are measured in the same run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-long-enough-for-the-production-check-01")

BARE = "bench_bare_custody"


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the three ways of writing one entry --------------------------------------------


def old_append(item_id, details: dict) -> None:
    """The parent commit's custody_append_many for one entry: the global LogState lock in the writer."""
    from django.db import transaction
    from django.utils import timezone

    from evidence import log_store
    from evidence.custody import GENESIS_HASH, entry_body, entry_hash, leaf_bytes
    from evidence.models import CustodyEvent, EvidenceItem

    with transaction.atomic():
        EvidenceItem.objects.select_for_update().only("id").get(pk=item_id)
        last = CustodyEvent.objects.filter(item_id=item_id).order_by("-seq").only("seq", "entry_hash").first()
        seq = (last.seq if last else 0) + 1
        prev = last.entry_hash if last else GENESIS_HASH
        recorded_at = timezone.now()
        body = entry_body(item_id=item_id, seq=seq, action="transfer", outcome="success", actor="agent:bench",
                          occurred_at=recorded_at, recorded_at=recorded_at, details=details, prev_hash=prev)
        digest = entry_hash(body)
        first_index = log_store.append_leaves([leaf_bytes(body, digest)])
        CustodyEvent.objects.bulk_create([CustodyEvent(
            item_id=item_id, seq=seq, action="transfer", outcome="success", actor="agent:bench",
            occurred_at=recorded_at, recorded_at=recorded_at, details=details, prev_hash=prev,
            entry_hash=digest, log_index=first_index,
        )])


def new_append(item_id, details: dict) -> None:
    from evidence.custody import custody_append

    custody_append(item=item_id, action="transfer", agent="agent:bench", details=details)


def queued_append(item_id, details: dict) -> None:
    """The portable path, which PostgreSQL took before the one-statement function."""
    from evidence.custody import _append_portable, _prepared

    entries = [_prepared({"action": "transfer", "details": details})]
    _append_portable(item_id=item_id, actor="agent:bench", actor_user=None, entries=entries)


def bare_insert(item_id, details: dict) -> None:
    """The same row, as plain SQL into a table with the same columns and indexes (autocommit)."""
    import json

    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BARE} (item_id, seq, action, outcome, actor, occurred_at, recorded_at, details, "
            "prev_hash, entry_hash) VALUES (%s, %s, 'transfer', 'success', 'agent:bench', %s, %s, %s, %s, %s)",
            [item_id, details["n"] + 1, now, now, json.dumps(details), uuid.uuid4().hex * 2, uuid.uuid4().hex * 2],
        )


WAYS = {"old": old_append, "queued": queued_append, "new": new_append, "bare": bare_insert}
GOAL = 2000  # entries/s from 4 writers (issue #11)


# --- writers -----------------------------------------------------------------------


def _writer_loop(way: str, item_id, seconds: float, start_at: float) -> int:
    from django.db import connection

    write = WAYS[way]
    time.sleep(max(0.0, start_at - time.time()))
    stop, done = start_at + seconds, 0
    while time.time() < stop:
        write(item_id, {"n": done, "note": "bench entry of a typical size"})
        done += 1
    connection.close()
    return done


def _process_writer(way, item_id, seconds, start_at, results) -> None:
    import django

    django.setup()
    results.put(_writer_loop(way, item_id, seconds, start_at))


def run_writers(way: str, item_ids: list, mode: str, seconds: float) -> float:
    """Entries/s from len(item_ids) writers (threads or processes), each on its own item."""
    from django.db import connections

    start_at = time.time() + (2.0 if mode == "processes" else 0.3)
    if mode == "processes":
        connections.close_all()  # a forked child must not share the parent's socket
        results = multiprocessing.get_context("fork").Queue()
        procs = [multiprocessing.get_context("fork").Process(
            target=_process_writer, args=(way, item_id, seconds, start_at, results)) for item_id in item_ids]
        for proc in procs:
            proc.start()
        total = sum(results.get(timeout=seconds + 120) for _ in procs)
        for proc in procs:
            proc.join()
    else:
        counts: list[int] = []
        threads = [threading.Thread(target=lambda i=item_id: counts.append(_writer_loop(way, i, seconds, start_at)))
                   for item_id in item_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        total = sum(counts)
    return total / seconds


# --- the sequencer beside the writers ---------------------------------------------------


def _sequencer_loop(poll: float, stop_file: str) -> None:
    import django

    django.setup()
    from evidence import sequencer

    while not os.path.exists(stop_file):
        sequencer.run()
        time.sleep(poll)


class SequencerProcess:
    """A process that runs the sequencer every `poll` seconds, as beat and the nudges do."""

    def __init__(self, poll: float) -> None:
        self.stop_file = f"/tmp/bench-sequencer-stop-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.poll = poll

    def __enter__(self):
        from django.db import connections

        connections.close_all()
        self.proc = multiprocessing.get_context("fork").Process(target=_sequencer_loop,
                                                                args=(self.poll, self.stop_file))
        self.proc.start()
        return self

    def __exit__(self, *exc):
        Path(self.stop_file).touch()
        self.proc.join(120)
        Path(self.stop_file).unlink(missing_ok=True)


def drain() -> None:
    from evidence import sequencer

    sequencer.integrate_pending(timeout=600)


# --- the cost of one append, which load does not distort much ----------------------------


def _backend_cpu() -> float | None:
    """CPU seconds this connection's server process has used, or None when it runs elsewhere."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cost(work, n: int) -> tuple[float, float | None]:
    """(client, server) CPU microseconds per unit of ``work()``, which does ``n`` units."""
    server0, client0 = _backend_cpu(), time.process_time()
    work()
    client, server1 = time.process_time() - client0, _backend_cpu()
    server = None if server0 is None or server1 is None else server1 - server0
    return client / n * 1e6, (None if server is None else server / n * 1e6)


def cost_rows(appends: int) -> list[tuple[str, ...]]:
    """Statements and CPU per append on each path from one writer, then the sequencer's per leaf."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from evidence import sequencer

    rows = []
    counter = iter(range(10**6, 10**7))  # the bare table's seq must not repeat
    for way in ("old", "queued", "new", "bare"):
        write, item_id = WAYS[way], make_items(1)[0]
        for _ in range(20):  # warm caches and plans
            write(item_id, {"n": next(counter), "note": "warm"})
        with CaptureQueriesContext(connection) as counted:
            write(item_id, {"n": next(counter), "note": "bench entry of a typical size"})

        def appending(write=write, item_id=item_id):
            for _ in range(appends):
                write(item_id, {"n": next(counter), "note": "bench entry of a typical size"})

        client, server = _cost(appending, appends)
        total = "" if server is None else f"{client + server:,.0f} µs"
        rows.append((f"one append, {way}", str(len(counted.captured_queries)), f"{client:,.0f} µs",
                     "n/a" if server is None else f"{server:,.0f} µs", total))
    pending = sequencer.pending_count()

    def integrating():
        while True:
            with transaction.atomic():
                if not sequencer.integrate_batch(settings.LEDGER_SEQUENCER_BATCH):
                    return

    with CaptureQueriesContext(connection) as counted:
        client, server = _cost(integrating, pending)
    rows.append((f"sequencer, per leaf ({pending:,} leaves, no signing)",
                 f"{len(counted.captured_queries) / pending:.3f}", f"{client:,.0f} µs",
                 "n/a" if server is None else f"{server:,.0f} µs", "" if server is None else f"{client + server:,.0f} µs"))
    return rows


# --- the run ---------------------------------------------------------------------------


def make_items(n: int) -> list:
    import random

    from catalogue.models import Case, Team
    from evidence.models import EvidenceItem
    from tests import factories

    team = Team.objects.first() or factories.TeamFactory()
    user = factories.user_with_role("investigator", team=team)
    case = Case.objects.create(reference=f"BN-2024-{random.randrange(10**6):06d}", title="Bench", team=team,
                               created_by=user)
    return [EvidenceItem.objects.create(case=case, number=i + 1, exhibit=f"{case.reference}/E{i + 1:03d}",
                                        kind="document", title="bench", created_by=user, held_by="bench",
                                        state="reference").pk
            for i in range(n)]


def run(args) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    from django.db import connection

    from evidence import ledger, log_store, sequencer, signing
    from evidence.custody import event_body, leaf_bytes
    from evidence.models import CustodyEvent, TreeHead

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {BARE} (LIKE evidence_custodyevent INCLUDING ALL)")
    _progress(f"CPU per append: {args.cpu_appends} appends from one writer on each path")
    costs = cost_rows(args.cpu_appends)
    rows: list[tuple[str, ...]] = []
    shapes = [("1 client", 1, "threads"), ("2 threads", 2, "threads"), ("4 writers (processes)", 4, "processes")]
    for label, writers, mode in shapes:
        figures = {}
        for way in ("bare", "old", "queued", "new"):
            items = make_items(writers)
            _progress(f"{label}: {way} for {args.seconds} s")
            if way in ("queued", "new"):
                with SequencerProcess(args.poll):
                    figures[way] = run_writers(way, items, mode, args.seconds)
                drain()
            else:
                figures[way] = run_writers(way, items, mode, args.seconds)
        goal = ""
        if writers == 4:
            goal = f"≥ {GOAL:,}/s: {'met' if figures['new'] >= GOAL else 'not met'}"
        rows.append((f"custody append, {label}", f"{figures['old']:,.0f}/s", f"{figures['queued']:,.0f}/s",
                     f"{figures['new']:,.0f}/s", f"{figures['bare']:,.0f}/s",
                     f"{figures['new'] / figures['old']:.1f}x / {figures['new'] / figures['queued']:.1f}x",
                     f"{figures['new'] / figures['bare']:.0%}", goal))

    # The sequencer alone on a backlog: leaves/s, a signed head per batch.
    _progress(f"queueing entries for the sequencer: 4 writer processes for {args.backlog_seconds} s")
    run_writers("new", make_items(4), "processes", args.backlog_seconds)
    queued = sequencer.pending_count()
    heads_before = TreeHead.objects.count()
    start = time.perf_counter()
    done = sequencer.run(seconds=3600)
    integrate_s = time.perf_counter() - start
    assert done.integrated == queued and sequencer.pending_count() == 0
    heads = TreeHead.objects.count() - heads_before
    rows.append((f"sequencer: integrate {queued:,} queued leaves", "(in the append)", "",
                 f"{queued / integrate_s:,.0f} leaves/s", "", "",
                 f"{heads} signed heads (batch {done.batches and -(-queued // done.batches)})", ""))

    # Append to proven: commit, then wait until a signed head covers the entry.
    _progress(f"append to proven, {args.latency_samples} samples, sequencer polling every {args.poll} s")
    item_id = make_items(1)[0]
    waits = []
    with SequencerProcess(args.poll):
        for i in range(args.latency_samples):
            new_append(item_id, {"n": i})
            entry = CustodyEvent.objects.filter(item_id=item_id).order_by("-seq").first()
            t0 = time.perf_counter()
            while True:
                entry.refresh_from_db(fields=["log_index"])
                head = signing.latest_head()
                if entry.log_index is not None and head is not None and head.tree_size > entry.log_index:
                    break
                time.sleep(0.005)
            waits.append(time.perf_counter() - t0)
    waits.sort()
    rows.append(("append to proven under a signed head", "0 (in the append)", "",
                 f"median {statistics.median(waits) * 1e3:,.0f} ms", "", "",
                 f"p90 {waits[int(len(waits) * 0.9) - 1] * 1e3:,.0f} ms, poll {args.poll} s", ""))

    # The guarantees held through all of it.
    events = list(CustodyEvent.objects.order_by("log_index"))
    assert [e.log_index for e in events] == list(range(len(events))), "a gap or a duplicate"
    assert log_store.root() == ledger.root_from_leaves(
        [ledger.leaf_hash(leaf_bytes(event_body(e), e.entry_hash)) for e in events])
    _progress(f"checked: {len(events):,} entries, indexes 0..n-1, root = RFC 9162 reference")
    return rows, costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0, help="per writer shape and path")
    parser.add_argument("--backlog-seconds", type=float, default=10.0,
                        help="how long 4 writers queue entries for the sequencer to integrate alone")
    parser.add_argument("--latency-samples", type=int, default=40)
    parser.add_argument("--poll", type=float, default=0.2, help="seconds between sequencer runs beside writers")
    parser.add_argument("--cpu-appends", type=int, default=500, help="appends per path for the CPU cost table")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        parser.error("set DATABASE_URL to a PostgreSQL database")
    settings.LEDGER_SIGNING_KEY_FILE = Path("/tmp") / f"bench-ledger-key-{os.getpid()}.pem"
    settings.LEDGER_WITNESS_DIR = ""
    settings.LEDGER_TSA_URL = ""
    settings.LEDGER_PUBLIC_KEYS_DIR = Path("/tmp") / f"bench-ledger-keys-{os.getpid()}"
    settings.LEDGER_INTEGRATE_IN_WRITER = False  # the sequenced path, whatever REDIS_URL says
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no nudges to a broker: the sequencer process polls
    _progress(f"creating scratch database test_{connection.settings_dict['NAME']}")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        rows, costs = run(args)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        Path(settings.LEDGER_SIGNING_KEY_FILE).unlink(missing_ok=True)
        shutil.rmtree(settings.LEDGER_PUBLIC_KEYS_DIR, ignore_errors=True)

    print(f"Custody appends, PostgreSQL, {args.seconds:g} s per figure: old (LogState lock in the writer), "
          f"queued (portable Python append, leaf queued), new (one call of evidence_custody_append, leaf queued); "
          f"goal ≥ {GOAL:,} entries/s from 4 writers")
    print()
    _table(("operation", "old", "queued", "new", "bare INSERT", "new/old / new/queued", "new vs bare", "goal"), rows)
    print()
    print("Cost of one append from one writer (statements as Django counts them, BEGIN and COMMIT included; "
          "CPU per append: client process_time, server backend from /proc)")
    print()
    _table(("path", "statements", "client CPU", "server CPU", "total"), costs)
    cores = os.cpu_count() or 1
    new_total = next((r[4] for r in costs if r[0] == "one append, new"), "")
    leaf_total = costs[-1][4]
    if new_total and leaf_total:
        per = float(new_total.split()[0].replace(",", "")) + float(leaf_total.split()[0].replace(",", ""))
        print()
        print(f"CPU ceiling on this host's {cores} cores, append + its share of the sequencer: "
              f"{cores * 1e6 / per:,.0f} entries/s (ignores the commit's disk flush and the writers' own work)")


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
