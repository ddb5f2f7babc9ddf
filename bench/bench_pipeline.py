"""Ingest throughput on a real worker, Redis and PostgreSQL, against bare Celery tasks.

    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/bench_pipeline.py [--items 1000] [--quick]

Creates a throwaway database on the DATABASE_URL server (dropped afterwards),
starts `celery -A config worker` as a subprocess, then:
1. baseline: N bare tasks that each hash a 64 KiB file (and count themselves
   done in Redis): tasks per second, from the first send to the last done;
2. pipeline: N items of 64 KiB filed through evidence_register (the service
   the admin and the API use) while the worker seals them: items per second
   from the first filing to the last sealed, and the median filing→sealed time;
3. unloaded latency: a few items filed one at a time, each waited for.
Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = 64 * 1024


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1000, help="items (and bare tasks) per run (default 1000)")
    parser.add_argument("--latency-items", type=int, default=30, help="items filed one by one (default 30)")
    parser.add_argument("--pool", default="solo", help="worker pool (default solo; prefork -c 2 was no faster)")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="200 items, 10 for latency")
    args = parser.parse_args()
    if args.quick:
        args.items, args.latency_items = 200, 10

    base_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")) or not redis_url:
        say("bench_pipeline needs DATABASE_URL (PostgreSQL) and REDIS_URL; skipped.")
        return 0

    db_name = f"bench_pipeline_{uuid.uuid4().hex[:8]}"
    with admin_connection(base_url) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    media = tempfile.mkdtemp(prefix="bench-pipeline-media-")
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    env_update = {
        "DATABASE_URL": urlunsplit(urlsplit(base_url)._replace(path=f"/{db_name}")),
        "MEDIA_ROOT": media, "CELERY_QUEUE": queue, "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-long-enough-for-the-production-check-01"),
        "DEBUG": "0", "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env_update)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    worker = None
    try:
        import django

        django.setup()
        from django.core.management import call_command

        say(f"migrating {db_name}…")
        call_command("migrate", verbosity=0)
        worker = start_worker(args, media)
        rows = [run_baseline(args.items, redis_url, queue, media), *run_pipeline(args.items, args.latency_items)]
        print_table(rows, args)
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        from django.db import connections

        connections.close_all()
        with admin_connection(base_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        subprocess.run(["rm", "-rf", media], check=False)
    return 0


def start_worker(args, media: str) -> subprocess.Popen:
    log = open(Path(media).parent / f"{Path(media).name}-worker.log", "wb")
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'bench'}:{os.environ.get('PYTHONPATH', '')}"}
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker", f"--pool={args.pool}",
         f"--concurrency={args.concurrency}", "-I", "celery_baseline", "--loglevel=WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    time.sleep(3)  # let it connect before the clock starts
    if worker.poll() is not None:
        raise SystemExit(f"the worker exited; see {log.name}")
    return worker


def run_baseline(n: int, redis_url: str, queue: str, media: str) -> tuple[str, float, float | None]:
    import redis

    from config.celery import app

    path = Path(media) / "baseline-64k.bin"
    path.write_bytes(os.urandom(PAYLOAD))
    counter = f"bench:done:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(redis_url)
    say(f"baseline: {n} bare tasks hashing 64 KiB…")
    started = time.perf_counter()
    for _ in range(n):
        app.send_task("bench.hash_file", args=[str(path), counter])
    wait(lambda: int(client.get(counter) or 0) >= n, 600, "the baseline tasks")
    elapsed = time.perf_counter() - started
    client.delete(counter)
    return ("bare Celery task hashing 64 KiB", n / elapsed, None)


def run_pipeline(n: int, latency_items: int) -> list[tuple[str, float, float | None]]:
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    from catalogue.models import Team
    from catalogue.services import case_create
    from evidence.models import EvidenceItem
    from evidence.services import evidence_register

    user = get_user_model().objects.create_superuser("bench", password=uuid.uuid4().hex)
    team = Team.objects.create(name="Bench", slug="bench")
    case = case_create(actor=user, team=team, title="Benchmark case", reference="UA-2099-0001")

    def file_one(number: int) -> EvidenceItem:
        return evidence_register(actor=user, case=case, kind="other", title=f"bench {number}",
                                 file=ContentFile(os.urandom(PAYLOAD), name=f"bench-{number}.bin"))

    def sealed_count() -> int:
        return EvidenceItem.objects.filter(state="sealed").count()

    say(f"pipeline: {n} items of 64 KiB filed and sealed…")
    started = time.perf_counter()
    for number in range(n):
        file_one(number)
    filed = time.perf_counter() - started
    wait(lambda: sealed_count() >= n, 1800, "the items to be sealed", interval=0.2)
    elapsed = time.perf_counter() - started
    not_sealed = EvidenceItem.objects.exclude(state="sealed").count()
    if not_sealed:
        raise SystemExit(f"{not_sealed} item(s) did not seal")
    latencies = [(s - c).total_seconds() for c, s in EvidenceItem.objects.values_list("created_at", "sealed_at")]
    say(f"  filed in {filed:.1f} s ({n / filed:.0f} filings/s), all sealed after {elapsed:.1f} s")

    say(f"latency: {latency_items} items filed one at a time…")
    singles = []
    for number in range(n, n + latency_items):
        item = file_one(number)
        wait(lambda item=item: EvidenceItem.objects.filter(pk=item.pk, state="sealed").exists(), 60, "one item", 0.005)
        item.refresh_from_db()
        singles.append((item.sealed_at - item.created_at).total_seconds())
    return [
        ("pipeline, filed in a burst", n / elapsed, statistics.median(latencies)),
        ("pipeline, filings/s of the service alone", n / filed, None),
        ("pipeline, one item at a time", len(singles) / sum(singles), statistics.median(singles)),
    ]


def print_table(rows, args) -> None:
    baseline = rows[0][1]
    print(f"\nIngest pipeline: {args.items} items of 64 KiB, worker --pool={args.pool} -c {args.concurrency}")
    print(f"{'what':<44} {'per second':>11} {'vs bare':>8} {'median filed→sealed':>20}")
    for name, rate, median in rows:
        ratio = f"{rate / baseline:.2f}" if name.startswith("pipeline, filed") else ""
        shown = f"{median * 1000:.0f} ms" if median is not None else ""
        print(f"{name:<44} {rate:>11.1f} {ratio:>8} {shown:>20}")


if __name__ == "__main__":
    sys.exit(main())
