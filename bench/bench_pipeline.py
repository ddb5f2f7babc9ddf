"""Ingest throughput on real workers, Redis and PostgreSQL: before and after, side by side.

    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/bench_pipeline.py \\
        [--items 1000] [--workers 2] [--before-ref 694f06e] [--kill-burst 10000] [--filers 4] [--quick]

For each side, "before" (the code at --before-ref, exported with `git archive`
into a temporary folder; `--before-ref ''` skips it) and "after" (this tree),
in a throwaway database of its own (dropped afterwards) and with `--workers`
`celery -A config worker --pool=solo` processes started from that side's code.
The workers of a phase are started together, listening to nothing, and are
handed the queue at one instant once all answer (Celery's add_consumer), so
none runs alone while the others start.
1. baseline: N bare Celery tasks that each hash the same 64 KiB file (four
   digests) and count themselves done in Redis: tasks per second, and the
   workers' CPU per task;
2. pipeline: N items of 64 KiB filed through evidence_register (the service the
   admin and the API use) in a burst with no worker running (filings per
   second of the service alone, one filer), then the workers handed the queued
   burst: items per second from the first seal to the last, the ratio to (1)
   of the same side, and what load on a shared machine distorts least: the
   workers' CPU per item (from /proc, everything the burst queued: its ingest
   messages, the previews and sequencer tasks it caused), beside the bare
   task's CPU per task, and PostgreSQL's own figures for the bench's database
   (pg_stat_database: time backends spent executing statements, sessions
   opened and transactions committed, per item).
With --kill-burst K (after side only): K items filed by --filers processes
at once, each a case of its own, through the same service (evidence_register,
one filing per call: the service is unchanged, only the filing is spread over
processes so that a 10,000-item burst is filed in minutes); then two workers,
one SIGKILLed once half are sealed, a fresh worker started; prints how many
ended sealed, duplicate custody entries (must be 0) and broken chains (must
be 0). The database role needs CREATEDB (DATABASE_OWNER_URL is used when set).
Progress goes to stderr, the table to stdout, each figure beside its goal.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import harness  # bench/harness.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = 64 * 1024
GOALS = {"rate": 200.0, "ratio": 0.35}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def server_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_OWNER_URL") or os.environ.get(
        "DATABASE_URL", "")


def admin_connection(database_url: str):
    import psycopg

    parts = urlsplit(database_url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def wait(condition, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise SystemExit(f"timed out waiting for {what}")


# --- the driver: one subprocess per side, then the table ----------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1000, help="items (and bare tasks) per side (default 1000)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--before-ref", default="694f06e",
                        help="git ref of the code to compare with (default 694f06e, the parent of the batched "
                             "pipeline); '' for this tree only")
    parser.add_argument("--kill-burst", type=int, default=0, help="also a burst of K items with a worker killed")
    parser.add_argument("--filers", type=int, default=4, help="processes filing the kill burst (default 4)")
    parser.add_argument("--quick", action="store_true", help="200 items, no kill burst")
    parser.add_argument("--side", help=argparse.SUPPRESS)  # internal: run one side in this process
    parser.add_argument("--code", help=argparse.SUPPRESS)
    parser.add_argument("--file-only", type=int, help=argparse.SUPPRESS)  # internal: one filer process
    args = parser.parse_args()
    if args.quick:
        args.items, args.kill_burst = 200, 0
    if args.file_only is not None:
        return run_filer(args)
    if not server_url().startswith(("postgres://", "postgresql://")) or not os.environ.get("REDIS_URL"):
        say("bench_pipeline needs DATABASE_URL (PostgreSQL) and REDIS_URL; skipped.")
        return 0
    if args.side:
        return run_side(args)

    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-before-") as before_dir:
        sides = harness.export_sides(args.before_ref, before_dir)
        for name, code in sides:
            say(f"=== {name}: {code}")
            command = [sys.executable, str(Path(__file__).resolve()), "--side", name, "--code", code,
                       "--items", str(args.items), "--workers", str(args.workers),
                       "--kill-burst", str(args.kill_burst if name == "after" else 0), "--filers", str(args.filers)]
            out = subprocess.run(command, cwd=code, check=True, stdout=subprocess.PIPE, text=True).stdout
            results[name] = json.loads(out.strip().splitlines()[-1])
    print_table(results, args)
    return 0


def print_table(results: dict, args) -> None:
    names = list(results)
    print(f"\nIngest pipeline: {args.items} items of 64 KiB filed in a burst, {args.workers} workers "
          f"(--pool=solo); ratios against the bare task of the same side")
    print(f"| {'figure':<66} | " + " | ".join(f"{n:>9}" for n in names) + f" | {'goal':>9} |")
    print(f"|{'-' * 68}|" + "|".join("-" * 11 for _ in names) + f"|{'-' * 11}|")
    rows = [
        ("bare Celery task hashing the same 64 KiB file, tasks/s", "baseline", "", "{:.1f}"),
        ("pipeline, a queued burst sealed, items/s (first→last seal)", "rate", f">= {GOALS['rate']:.0f}", "{:.1f}"),
        ("pipeline / bare task (same side)", "ratio", f">= {GOALS['ratio']}", "{:.2f}"),
        ("workers' CPU per bare task, ms", "baseline_cpu_ms", "", "{:.2f}"),
        ("workers' CPU per sealed item, ms (all the burst queued)", "cpu_ms", "", "{:.2f}"),
        ("bare task's CPU / sealed item's CPU (load-independent ratio)", "cpu_ratio", "", "{:.2f}"),
        ("PostgreSQL time executing statements per item, ms", "pg_active_ms", "", "{:.2f}"),
        ("PostgreSQL sessions opened per item", "pg_sessions", "", "{:.3f}"),
        ("PostgreSQL transactions committed per item", "pg_commits", "", "{:.2f}"),
        ("filings/s through the service (evidence_register, one filer)", "filings", "", "{:.1f}"),
    ]
    for side in results.values():
        side["ratio"] = side["rate"] / side["baseline"]
        side["cpu_ratio"] = side["baseline_cpu_ms"] / side["cpu_ms"] if side.get("cpu_ms") else float("nan")
    for label, key, goal, fmt in rows:
        print(f"| {label:<66} | " + " | ".join(f"{fmt.format(results[n].get(key, float('nan'))):>9}" for n in names)
              + f" | {goal:>9} |")
    kill = results.get("after", {}).get("kill")
    if kill:
        ok = kill["not_sealed"] == 0 and kill["duplicates"] == 0 and kill["broken_chains"] == 0 and (
            kill["log_size"] == kill["entries"])
        print(f"\nBurst of {kill['items']} items (filed by {kill['filers']} processes through evidence_register in "
              f"{kill['filing_seconds']:.0f} s), one of two workers SIGKILLed at {kill['sealed_at_kill']} sealed "
              f"({kill['processing_at_kill']} held): {kill['sealed']} sealed, {kill['not_sealed']} not, "
              f"duplicate custody entries {kill['duplicates']}, broken chains {kill['broken_chains']}, "
              f"log leaves {kill['log_size']} = entries {kill['entries']}; sealed in {kill['seconds']:.0f} s "
              f"({kill['items'] / kill['seconds']:.1f} items/s incl. the kill and the restart). "
              f"Goal: all sealed, no duplicate: {'met' if ok else 'NOT MET'}")


# --- one side, in its own process (its own code on sys.path) ----------------------------


def run_side(args) -> int:
    code = Path(args.code)
    sys.path.insert(0, str(code))
    base_url = server_url()
    db_name = f"bench_pipeline_{uuid.uuid4().hex[:8]}"
    with admin_connection(base_url) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    media = tempfile.mkdtemp(prefix="bench-pipeline-media-")
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    os.environ.update({
        "DATABASE_URL": urlunsplit(urlsplit(base_url)._replace(path=f"/{db_name}")),
        "MEDIA_ROOT": media, "CELERY_QUEUE": queue,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-long-enough-for-the-production-check-01"),
        "DEBUG": "0", "LOG_LEVEL": "WARNING",
    })
    os.environ.pop("DATABASE_OWNER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        say(f"[{args.side}] migrating {db_name}…")
        call_command("migrate", verbosity=0)
        bench = Bench(code, media, queue, db_name)
        result = bench.baseline(args.items, args.workers)
        result.update(bench.pipeline(args.items, args.workers, args.side))
        if args.kill_burst:
            result["kill"] = bench.kill_burst(args.kill_burst, args.filers)
        print(json.dumps(result))
    finally:
        from django.db import connections

        connections.close_all()
        with admin_connection(base_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        subprocess.run(["rm", "-rf", media], check=False)
    return 0


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a local process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_all(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


class Bench:
    """One side's phases, each with its own workers on the side's code and database."""

    def __init__(self, code: Path, media: str, queue: str, db_name: str) -> None:
        self.code, self.media, self.queue, self.db_name = code, media, queue, db_name
        self.tag = uuid.uuid4().hex[:6]
        self.started = 0

    # workers

    def start(self, count: int, extra_env: dict | None = None) -> tuple[list[subprocess.Popen], list[str]]:
        """`count` workers listening to a queue nobody uses; `open_gate` hands them the real one."""
        workers, names = [], []
        for _ in range(count):
            self.started += 1
            name = f"bench-{self.tag}-{self.started}@bench"
            log = open(Path(self.media).parent / f"{Path(self.media).name}-worker-{self.started}.log", "wb")
            env = {**os.environ, "PYTHONPATH": f"{self.code}:{ROOT / 'bench'}", **(extra_env or {})}
            workers.append(subprocess.Popen(
                [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker", "--pool=solo",
                 "-I", "celery_baseline", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "--hostname", name, "-Q", f"{self.queue}-gate"],
                cwd=self.code, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            ))
            names.append(name)
        return workers, names

    def open_gate(self, workers: list[subprocess.Popen], names: list[str]) -> None:
        """Once every worker answers, hand them all the queue at once."""
        from config.celery import app

        deadline = time.monotonic() + 120
        while True:
            for worker in workers:
                if worker.poll() is not None:
                    raise SystemExit(f"a worker exited; see the logs next to {self.media}")
            answered = {name for reply in app.control.ping(destination=names, timeout=1.0) for name in reply}
            if answered >= set(names):
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"workers did not answer: {sorted(set(names) - answered)}")
        replies = app.control.add_consumer(self.queue, destination=names, reply=True, timeout=5.0)
        if len(replies) < len(names):
            raise SystemExit(f"not every worker took the queue: {replies}")

    def settled_cpu(self, workers: list[subprocess.Popen]) -> float:
        """The workers' CPU once the queue is empty and they have stopped working (0.5 s without CPU)."""
        import redis

        client = redis.Redis.from_url(os.environ["REDIS_URL"])
        wait(lambda: client.llen(self.queue) == 0, 600, "the queue to drain", 0.1)
        last = sum(process_cpu(w.pid) for w in workers)
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < 0.5:
            time.sleep(0.1)
            now = sum(process_cpu(w.pid) for w in workers)
            if now - last > 0.02:
                last, quiet_since = now, time.monotonic()
        return last

    def pg_stats(self) -> dict:
        with admin_connection(server_url()) as conn:
            sessions, active, commits = conn.execute(
                "SELECT sessions, active_time, xact_commit FROM pg_stat_database WHERE datname = %s",
                [self.db_name]).fetchone()
        return {"sessions": sessions, "active_ms": active, "commits": commits}

    # phases

    def baseline(self, n: int, count: int) -> dict:
        import redis

        from config.celery import app

        workers, names = self.start(count)
        try:
            path = Path(self.media) / "baseline-64k.bin"
            path.write_bytes(os.urandom(PAYLOAD))
            counter = f"bench:done:{uuid.uuid4().hex}"
            client = redis.Redis.from_url(os.environ["REDIS_URL"])
            say(f"baseline: {n} bare tasks hashing 64 KiB…")
            for _ in range(n):
                app.send_task("bench.hash_file", args=[str(path), counter], queue=self.queue)
            self.open_gate(workers, names)
            cpu_before = sum(process_cpu(w.pid) for w in workers)
            started = time.perf_counter()
            wait(lambda: int(client.get(counter) or 0) >= n, 900, "the baseline tasks")
            elapsed = time.perf_counter() - started
            cpu = self.settled_cpu(workers) - cpu_before
            client.delete(counter)
        finally:
            stop_all(workers)
        say(f"  {n / elapsed:.1f} tasks/s, {1000 * cpu / n:.2f} ms of worker CPU per task")
        return {"baseline": n / elapsed, "baseline_cpu_ms": 1000 * cpu / n}

    def pipeline(self, n: int, count: int, side: str) -> dict:
        """The burst is filed with no worker running (the service alone, as the API would file it),
        then the workers seal it: items per second from the first seal to the last."""
        from evidence.models import EvidenceItem

        file_one = _filer()
        say(f"[{side}] pipeline: {n} items of 64 KiB filed in a burst…")
        started = time.perf_counter()
        for number in range(n):
            file_one(number)
        filed = time.perf_counter() - started
        say(f"  filed in {filed:.1f} s ({n / filed:.1f} filings/s); sealing with the workers…")
        workers, names = self.start(count)
        try:
            before = self.pg_stats()
            self.open_gate(workers, names)
            cpu_before = sum(process_cpu(w.pid) for w in workers)
            began = time.perf_counter()
            wait(lambda: EvidenceItem.objects.filter(state="sealed").count() >= n, 3600, "the items to be sealed", 0.25)
            wall = time.perf_counter() - began
            cpu = self.settled_cpu(workers) - cpu_before
        finally:
            stop_all(workers)  # their backends exit and report their statistics
        time.sleep(1.5)
        after = self.pg_stats()
        not_sealed = EvidenceItem.objects.exclude(state="sealed").count()
        if not_sealed:
            raise SystemExit(f"{not_sealed} item(s) did not seal")
        times = sorted(EvidenceItem.objects.values_list("sealed_at", flat=True))
        span = (times[-1] - times[0]).total_seconds()
        rate = (n - 1) / span if span > 0 else float("inf")
        figures = {"rate": rate, "filings": n / filed, "cpu_ms": 1000 * cpu / n,
                   "pg_active_ms": (after["active_ms"] - before["active_ms"]) / n,
                   "pg_sessions": (after["sessions"] - before["sessions"]) / n,
                   "pg_commits": (after["commits"] - before["commits"]) / n}
        say(f"  sealed from first to last in {span:.1f} s ({rate:.1f} items/s; {wall:.1f} s from the gate); "
            f"{figures['cpu_ms']:.2f} ms of worker CPU per item, PostgreSQL {figures['pg_active_ms']:.2f} ms "
            f"executing, {figures['pg_sessions']:.3f} sessions, {figures['pg_commits']:.2f} commits per item")
        return figures

    def kill_burst(self, n: int, filers: int) -> dict:
        from collections import Counter

        from evidence import log_store
        from evidence.custody import verify_chain
        from evidence.models import CustodyEvent, EvidenceItem

        timing = {"CELERY_VISIBILITY_TIMEOUT": "10", "EVIDENCE_CLAIM_STALE_SECONDS": "8"}
        before = set(EvidenceItem.objects.values_list("pk", flat=True))
        say(f"kill burst: {filers} processes filing {n} items through evidence_register…")
        began = time.perf_counter()
        shares = [n // filers + (k < n % filers) for k in range(filers)]
        procs = [subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--file-only", str(share),
                                   "--code", str(self.code)], cwd=self.code,
                                  env={**os.environ, "PYTHONPATH": str(self.code)}) for share in shares if share]
        if any(proc.wait() for proc in procs):
            raise SystemExit("a filer failed")
        filing_seconds = time.perf_counter() - began
        burst = EvidenceItem.objects.exclude(pk__in=before)
        if burst.count() != n:
            raise SystemExit(f"{burst.count()} items filed, not {n}")
        say(f"  filed in {filing_seconds:.0f} s ({n / filing_seconds:.1f} filings/s); sealing with two workers…")

        def counts() -> Counter:
            return Counter(burst.values_list("state", flat=True))

        workers, names = self.start(2, timing)
        try:
            self.open_gate(workers, names)
            started = time.perf_counter()
            wait(lambda: counts()["sealed"] >= n // 2, 3600, "half the burst", 0.05)
            os.killpg(workers[0].pid, signal.SIGKILL)
            workers[0].wait(10)
            at_kill = counts()
            say(f"  SIGKILLed one worker at {dict(at_kill)}; starting a fresh one")
            fresh, fresh_names = self.start(1, timing)
            workers += fresh
            self.open_gate(fresh, fresh_names)
            wait(lambda: counts()["sealed"] >= n, 3600, "the rest of the burst", 0.5)
            seconds = time.perf_counter() - started
        finally:
            stop_all(workers)
        entries = Counter(CustodyEvent.objects.filter(item__in=burst).values_list("item_id", "action"))
        broken = sum(not verify_chain(item_id).ok for item_id in burst.values_list("pk", flat=True))
        final = counts()
        from evidence import sequencer

        sequencer.integrate_pending(sign=False)  # the workers' last entries may still wait for it
        return {"items": n, "filers": len(procs), "filing_seconds": filing_seconds,
                "sealed_at_kill": at_kill["sealed"], "processing_at_kill": at_kill["processing"],
                "sealed": final["sealed"], "not_sealed": n - final["sealed"],
                "duplicates": sum(count - 1 for count in entries.values()), "broken_chains": broken,
                "log_size": log_store.size(), "entries": CustodyEvent.objects.count(), "seconds": seconds}


def _filer():
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    from catalogue.models import Team
    from catalogue.services import case_create
    from evidence.services import evidence_register

    user = get_user_model().objects.create_superuser(f"bench-{uuid.uuid4().hex[:6]}", password=uuid.uuid4().hex)
    team = Team.objects.create(name=f"Bench {uuid.uuid4().hex[:6]}", slug=f"bench-{uuid.uuid4().hex[:6]}")
    case = case_create(actor=user, team=team, title="Benchmark case", reference=f"UA-2099-{uuid.uuid4().int % 9000 + 1000}")

    def file_one(number: int):
        return evidence_register(actor=user, case=case, kind="other", title=f"bench {number}",
                                 file=ContentFile(os.urandom(PAYLOAD), name=f"bench-{number}.bin"))
    return file_one


def run_filer(args) -> int:
    """One filer process of the kill burst: a case of its own, `--file-only` items through the service."""
    sys.path.insert(0, str(Path(args.code)))
    import django

    django.setup()
    file_one = _filer()
    for number in range(args.file_only):
        file_one(number)
    return 0


if __name__ == "__main__":
    sys.exit(main())
