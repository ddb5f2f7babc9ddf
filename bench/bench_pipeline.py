"""Ingest throughput on real workers, Redis and PostgreSQL: before and after, side by side.

    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/bench_pipeline.py \\
        [--items 1000] [--workers 2] [--before-ref 694f06e] [--kill-burst 10000] [--quick]

For each side, "before" (the code at --before-ref, exported with `git archive`
into a temporary folder; `--before-ref ''` skips it) and "after" (this tree),
in a throwaway database of its own (dropped afterwards) and with `--workers`
`celery -A config worker --pool=solo` processes started from that side's code:
1. baseline: N bare Celery tasks that each hash the same 64 KiB file (four
   digests) and count themselves done in Redis: tasks per second;
2. pipeline: N items of 64 KiB filed through evidence_register (the service the
   admin and the API use) in a burst with no worker running (filings per
   second of the service alone), then the workers started to seal the queued
   burst: items per second from the first seal to the last, and the ratio to
   (1) of the same side.
With --kill-burst K (after side only): K items filed, one of two workers
SIGKILLed once half are sealed, a fresh worker started; prints how many ended
sealed, duplicate custody entries (must be 0) and broken chains (must be 0).
The database role needs CREATEDB (DATABASE_OWNER_URL is used when set).
Progress goes to stderr, the table to stdout.
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
    parser.add_argument("--quick", action="store_true", help="200 items, no kill burst")
    parser.add_argument("--side", help=argparse.SUPPRESS)  # internal: run one side in this process
    parser.add_argument("--code", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.items, args.kill_burst = 200, 0
    if not server_url().startswith(("postgres://", "postgresql://")) or not os.environ.get("REDIS_URL"):
        say("bench_pipeline needs DATABASE_URL (PostgreSQL) and REDIS_URL; skipped.")
        return 0
    if args.side:
        return run_side(args)

    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-before-") as before_dir:
        sides = [("after", str(ROOT))]
        if args.before_ref:
            say(f"exporting {args.before_ref} into {before_dir}…")
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.before_ref], check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", before_dir], input=archive, check=True)
            sides.insert(0, ("before", before_dir))
        for name, code in sides:
            say(f"=== {name}: {code}")
            command = [sys.executable, str(Path(__file__).resolve()), "--side", name, "--code", code,
                       "--items", str(args.items), "--workers", str(args.workers),
                       "--kill-burst", str(args.kill_burst if name == "after" else 0)]
            out = subprocess.run(command, cwd=code, check=True, stdout=subprocess.PIPE, text=True).stdout
            results[name] = json.loads(out.strip().splitlines()[-1])
    print_table(results, args)
    return 0


def print_table(results: dict, args) -> None:
    names = list(results)
    print(f"\nIngest pipeline: {args.items} items of 64 KiB filed in a burst, {args.workers} workers "
          f"(--pool=solo); ratios against the bare task of the same side")
    print(f"| {'figure':<58} | " + " | ".join(f"{n:>9}" for n in names) + f" | {'goal':>9} |")
    print(f"|{'-' * 60}|" + "|".join("-" * 11 for _ in names) + f"|{'-' * 11}|")
    rows = [
        ("bare Celery task hashing the same 64 KiB file, tasks/s", "baseline", "", "{:.1f}"),
        ("pipeline, a queued burst sealed, items/s (first→last seal)", "rate", f">= {GOALS['rate']:.0f}", "{:.1f}"),
        ("pipeline / bare task (same side)", "ratio", f">= {GOALS['ratio']}", "{:.2f}"),
        ("filings/s through the service (evidence_register)", "filings", "", "{:.1f}"),
    ]
    for side in results.values():
        side["ratio"] = side["rate"] / side["baseline"]
    for label, key, goal, fmt in rows:
        print(f"| {label:<58} | " + " | ".join(f"{fmt.format(results[n][key]):>9}" for n in names)
              + f" | {goal:>9} |")
    kill = results.get("after", {}).get("kill")
    if kill:
        print(f"\nBurst of {kill['items']} items, one of two workers SIGKILLed at {kill['sealed_at_kill']} sealed "
              f"({kill['processing_at_kill']} held): {kill['sealed']} sealed, {kill['not_sealed']} not, "
              f"duplicate custody entries {kill['duplicates']}, broken chains {kill['broken_chains']}, "
              f"log leaves {kill['log_size']} = entries {kill['entries']}; {kill['seconds']:.0f} s")


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
    workers: list[subprocess.Popen] = []
    try:
        import django

        django.setup()
        from django.core.management import call_command

        say(f"[{args.side}] migrating {db_name}…")
        call_command("migrate", verbosity=0)
        workers = [start_worker(code, media, n) for n in range(args.workers)]
        result = {"baseline": run_baseline(args.items, queue, media)}
        stop_all(workers)
        workers = []
        pipeline = run_pipeline(args.items, args.side,
                                lambda: workers.extend(start_worker(code, media, 5 + n) for n in range(args.workers)))
        pipeline.pop("workers")
        result.update(pipeline)
        stop_all(workers)
        workers = []
        if args.kill_burst:
            result["kill"] = run_kill_burst(args.kill_burst, code, media)
        print(json.dumps(result))
    finally:
        stop_all(workers)
        from django.db import connections

        connections.close_all()
        with admin_connection(base_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        subprocess.run(["rm", "-rf", media], check=False)
    return 0


def start_worker(code: Path, media: str, number: int, extra_env: dict | None = None) -> subprocess.Popen:
    log = open(Path(media).parent / f"{Path(media).name}-worker-{number}-{uuid.uuid4().hex[:4]}.log", "wb")
    env = {**os.environ, "PYTHONPATH": f"{code}:{ROOT / 'bench'}", **(extra_env or {})}
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker", "--pool=solo",
         "-I", "celery_baseline", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--hostname", f"bench-{uuid.uuid4().hex[:6]}@%h"],
        cwd=code, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    time.sleep(3)  # let it connect before the clock starts
    if worker.poll() is not None:
        raise SystemExit(f"a worker exited; see {log.name}")
    return worker


def stop_all(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def run_baseline(n: int, queue: str, media: str) -> float:
    import redis

    from config.celery import app

    path = Path(media) / "baseline-64k.bin"
    path.write_bytes(os.urandom(PAYLOAD))
    counter = f"bench:done:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    say(f"baseline: {n} bare tasks hashing 64 KiB…")
    started = time.perf_counter()
    for _ in range(n):
        app.send_task("bench.hash_file", args=[str(path), counter], queue=queue)
    wait(lambda: int(client.get(counter) or 0) >= n, 900, "the baseline tasks")
    elapsed = time.perf_counter() - started
    client.delete(counter)
    say(f"  {n / elapsed:.1f} tasks/s")
    return n / elapsed


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


def run_pipeline(n: int, side: str, start_workers) -> dict:
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
    workers = start_workers()
    began = time.perf_counter()
    try:
        wait(lambda: EvidenceItem.objects.filter(state="sealed").count() >= n, 3600, "the items to be sealed", 0.1)
    finally:
        wall = time.perf_counter() - began
    not_sealed = EvidenceItem.objects.exclude(state="sealed").count()
    if not_sealed:
        raise SystemExit(f"{not_sealed} item(s) did not seal")
    times = sorted(EvidenceItem.objects.values_list("sealed_at", flat=True))
    span = (times[-1] - times[0]).total_seconds()
    rate = (n - 1) / span if span > 0 else float("inf")
    say(f"  sealed from first to last in {span:.1f} s ({rate:.1f} items/s; {wall:.1f} s incl. worker start-up)")
    return {"rate": rate, "filings": n / filed, "workers": workers}


def run_kill_burst(n: int, code: Path, media: str) -> dict:
    from collections import Counter

    from evidence import log_store
    from evidence.custody import verify_chain
    from evidence.models import CustodyEvent, EvidenceItem

    timing = {"CELERY_VISIBILITY_TIMEOUT": "10", "EVIDENCE_CLAIM_STALE_SECONDS": "8"}
    file_one = _filer()
    before = set(EvidenceItem.objects.values_list("pk", flat=True))
    say(f"kill burst: filing {n} items…")
    for number in range(n):
        file_one(number)
    burst = EvidenceItem.objects.exclude(pk__in=before)

    def counts() -> Counter:
        return Counter(burst.values_list("state", flat=True))

    started = time.perf_counter()
    workers = [start_worker(code, media, 10 + k, timing) for k in range(2)]
    try:
        wait(lambda: counts()["sealed"] >= n // 2, 3600, "half the burst", 0.05)
        os.killpg(workers[0].pid, signal.SIGKILL)
        workers[0].wait(10)
        at_kill = counts()
        say(f"  SIGKILLed one worker at {dict(at_kill)}; starting a fresh one")
        workers.append(start_worker(code, media, 20, timing))
        wait(lambda: counts()["sealed"] >= n, 3600, "the rest of the burst", 0.5)
        seconds = time.perf_counter() - started
    finally:
        stop_all(workers)
    entries = Counter(CustodyEvent.objects.filter(item__in=burst).values_list("item_id", "action"))
    broken = sum(not verify_chain(item_id).ok for item_id in burst.values_list("pk", flat=True))
    final = counts()
    return {"items": n, "sealed_at_kill": at_kill["sealed"], "processing_at_kill": at_kill["processing"],
            "sealed": final["sealed"], "not_sealed": n - final["sealed"],
            "duplicates": sum(count - 1 for count in entries.values()), "broken_chains": broken,
            "log_size": log_store.size(), "entries": CustodyEvent.objects.count(), "seconds": seconds}


if __name__ == "__main__":
    sys.exit(main())
