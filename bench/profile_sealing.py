"""Where a sealed item's cost goes: a burst sealed in this process, as a worker's tasks would seal it.

    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/profile_sealing.py [--items 200] [--profile]

Files N items of 64 KiB (the service, evidence_register), then delivers their
`ingest` messages in order to the task body in this process (not eager: each
task takes its item and fills its batch as a worker does), in a throwaway
database and a throwaway queue. Prints figures that load on a shared machine
does not distort: this process's CPU per item, the PostgreSQL backend's CPU per
item (from /proc, so the server must run on this host), statements per item,
messages queued per item; and, with --profile, cProfile's top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pipeline import admin_connection, server_url  # noqa: E402


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) a local process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--statements", action="store_true", help="the statements' shapes, per item")
    parser.add_argument("--callers", nargs="*", help="with --profile: who calls these functions")
    args = parser.parse_args()
    if not server_url().startswith(("postgres://", "postgresql://")) or not os.environ.get("REDIS_URL"):
        print("profile_sealing needs DATABASE_URL (PostgreSQL) and REDIS_URL; skipped.", file=sys.stderr)
        return 0
    base_url = server_url()
    db_name = f"bench_profile_{uuid.uuid4().hex[:8]}"
    with admin_connection(base_url) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    media = tempfile.mkdtemp(prefix="bench-profile-media-")
    queue = f"bench-profile-{uuid.uuid4().hex[:8]}"
    os.environ.update({
        "DATABASE_URL": urlunsplit(urlsplit(base_url)._replace(path=f"/{db_name}")),
        "MEDIA_ROOT": media, "CELERY_QUEUE": queue, "DEBUG": "0", "LOG_LEVEL": "WARNING",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-long-enough-for-the-production-check-01"),
    })
    os.environ.pop("DATABASE_OWNER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection, connections

    try:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        run(args, queue)
    finally:
        connections.close_all()
        with admin_connection(base_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        import redis

        client = redis.Redis.from_url(os.environ["REDIS_URL"])
        client.delete(queue)
        os.system(f"rm -rf {media}")
    del connection
    return 0


def run(args, queue: str) -> None:
    import base64
    import json

    import redis
    from bench_pipeline import _filer
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from evidence import pipeline
    from evidence.models import EvidenceItem

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    file_one = _filer()
    # The first filing reads roles and creates the log, its sealing loads libmagic and the
    # extractors: a warm-up, not counted.
    pipeline.ingest(str(file_one(-1).pk))
    client.delete(queue)
    started = time.process_time()
    for number in range(args.items):
        file_one(number)
    filing_cpu = time.process_time() - started
    # The filings' messages, in the order a worker would take them.
    messages = [json.loads(raw) for raw in client.lrange(queue, 0, -1)][::-1]
    ids = [json.loads(base64.b64decode(m["body"]))[0][0] for m in messages
           if m["headers"]["task"] == "evidence.tasks.ingest"]
    client.delete(queue)
    from evidence.batch import appetite

    sizes: list[int] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    profiler = cProfile.Profile() if args.profile else None
    server_before, cpu_before, wall_before = backend_cpu(backend), time.process_time(), time.perf_counter()
    outcomes: dict[str, int] = {}
    with CaptureQueriesContext(connection) as queries:
        if profiler:
            profiler.enable()
        for item_id in ids:
            sizes.append(appetite.batch())
            outcome = pipeline.ingest(item_id, fill=appetite.batch() - 1, learn=appetite)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if profiler:
            profiler.disable()
    cpu = time.process_time() - cpu_before
    wall = time.perf_counter() - wall_before
    server = backend_cpu(backend) - server_before
    sealed = EvidenceItem.objects.filter(state="sealed").count() - 1
    queued = client.llen(queue)
    kinds: dict[str, int] = {}
    for raw in client.lrange(queue, 0, -1):
        task = json.loads(raw)["headers"]["task"]
        kinds[task] = kinds.get(task, 0) + 1
    n = args.items
    print(f"{n} items of 64 KiB, batch {settings.EVIDENCE_INGEST_BATCH} to {settings.EVIDENCE_INGEST_BATCH_MAX} "
          f"(claims asked for: {sorted(set(sizes))}); outcomes of the {len(ids)} tasks: {outcomes}")
    print(f"sealed: {sealed}")
    print(f"filing:  this process {1000 * filing_cpu / n:.2f} ms CPU per item")
    print(f"sealing: this process {1000 * cpu / n:.2f} ms CPU per item, PostgreSQL backend "
          f"{1000 * server / n:.2f} ms per item; {len(queries.captured_queries) / n:.2f} statements per item; "
          f"{queued / n:.2f} messages queued per item {kinds}; wall {1000 * wall / n:.2f} ms per item")
    if args.statements:
        import re
        from collections import Counter

        shapes = Counter(re.sub(r"'[^']*'|\b\d+\b", "?", q["sql"])[:110] for q in queries.captured_queries)
        for shape, count in shapes.most_common():
            print(f"{count / n:7.3f} per item  {shape}")
    if profiler:
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        for name in args.callers or []:
            stats.print_callers(name)
    client.delete(queue)


if __name__ == "__main__":
    sys.exit(main())
