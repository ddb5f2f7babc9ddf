"""CPU per API request, in-process: what a busy machine does not distort.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/evidence_bench \\
        python bench/api_cpu.py [--requests 200] [--only case_list ...] [--profile "case detail"]

On the database bench/bench_http.py builds (100,000 cases, 1,000,000 items;
run that first), each endpoint is called --requests times through Django's
WSGI handler in this process, as gunicorn's worker calls it (middleware,
token authentication, throttle, DRF, filters, pagination, serialisers, JSON,
the access log's entries), cycling through the same paths as the HTTP bench.
Per request:
  - "web CPU": this process's CPU time (time.process_time), i.e. what a
    gunicorn worker spends, less the socket and HTTP parsing;
  - "db CPU": the CPU time of this connection's PostgreSQL backend, read from
    /proc/<pid>/stat (clock ticks, so only meaningful over many requests;
    "n/a" where the server is not on this host);
  - "queries": statements sent.
Neither counts time spent waiting for a core, so both hold under load, unlike
wall-clock latency. With 8 clients on 2 cores every request waits behind the
others' CPU: p50 is about 8 / 2 = 4 times the CPU one request takes (web +
database + the load generator's share), so p95 < 50 ms needs roughly <= 10 ms
of CPU per request all told.

--profile LABEL prints a cProfile of that endpoint's requests (top functions
by own time and by cumulative time) instead of the table.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import bench_api  # noqa: E402  (sets DATABASE_URL and the rest before Django loads)
import bench_http  # noqa: E402  (and the signing keys)
from harness import wsgi_get  # noqa: E402

_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
GOAL_CPU_MS = 10.0  # per request, web + database: see the docstring


def backend_cpu_ms(pid: int | None) -> float | None:
    """User + system CPU of a local process in ms, or None when it cannot be read."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * _TICK_MS  # utime, stime (fields 14 and 15 of stat)


def cpu_per_request(get, paths: list[str], requests: int, warmup: int = 15) -> dict:
    """{"web": ms, "db": ms or None, "queries": n, "wall": ms} per request, over `requests` calls."""
    from django.db import connection

    def call(n: int) -> None:
        status, body = get(paths[n % len(paths)])
        assert status.startswith("200"), (paths[n % len(paths)], status, body[:300])

    for n in range(warmup):  # connection, prepared statements (psycopg prepares after 5 runs), caches
        call(n)
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT NULL")
        pid = cursor.fetchone()[0]
    # Counted by a wrapper: Django's request_started signal empties the captured-queries log.
    statements: list[str] = []
    with connection.execute_wrapper(lambda execute, sql, *rest: statements.append(sql) or execute(sql, *rest)):
        call(0)
    db_before, wall_before, web_before = backend_cpu_ms(pid), time.perf_counter(), time.process_time()
    for n in range(requests):
        call(n)
    web, wall, db_after = time.process_time() - web_before, time.perf_counter() - wall_before, backend_cpu_ms(pid)
    db = None if db_before is None or db_after is None else (db_after - db_before) / requests
    return {"web": web * 1000 / requests, "db": db, "queries": len(statements),
            "wall": wall * 1000 / requests}


def profile(get, paths: list[str], requests: int) -> str:
    for n in range(15):
        get(paths[n % len(paths)])
    profiler = cProfile.Profile(time.process_time)  # CPU, not waiting for the database or a core
    profiler.enable()
    for n in range(requests):
        get(paths[n % len(paths)])
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(35)
    stats.sort_stats("cumulative").print_stats(60)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint")
    parser.add_argument("--only", nargs="*", default=None, help="endpoint labels that start with these words")
    parser.add_argument("--profile", default=None, help="cProfile this endpoint instead")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()

    import random

    import django

    django.setup()
    world = bench_api.fill()  # only looks when the database is already filled
    endpoints = bench_http.choose_paths(random.Random(args.seed))
    get = wsgi_get(world["token"])
    if args.profile:
        print(profile(get, endpoints[args.profile], args.requests))
        return
    if args.only:
        endpoints = {k: v for k, v in endpoints.items() if any(k.startswith(word) for word in args.only)}
    print(f"CPU per request, in-process, {args.requests} requests per endpoint (ms); "
          f"goal: web + db <= {GOAL_CPU_MS:.0f} ms (p95 < 50 ms at 8 clients on 2 cores)\n")
    print("| endpoint | web CPU | db CPU | web + db | queries | wall |")
    print("|---|---|---|---|---|---|")
    for label, paths in endpoints.items():
        r = cpu_per_request(get, paths, args.requests)
        db = "n/a" if r["db"] is None else f"{r['db']:.2f}"
        total = r["web"] + (r["db"] or 0)
        print(f"| {label} | {r['web']:.2f} | {db} | {total:.2f} | {r['queries']} | {r['wall']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
