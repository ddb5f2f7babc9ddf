"""The read API as users meet it: gunicorn over real HTTP, at 1, 8 and 32 concurrent clients.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/evidence_bench \\
        python bench/bench_http.py [--duration 15] [--clients 1 8 32] [--only case_list ...]

Builds (once; reused when present) the database of bench/bench_api.py: 100,000
cases and 1,000,000 items in generate_series SQL, plus here one custody entry
per item (1,000,000), a Merkle log over them (bench/bench_log_store.py's SQL
fill) and a signed tree head. Then starts gunicorn (2 x cores sync workers,
as a deployment would) on 127.0.0.1 and, per endpoint and per number of
clients, runs wrk (Debian's `wrk`; keep-alive connections, a Lua script that
cycles through varied paths and prints the percentiles) for --duration
seconds. As the user: a legal-team member with a token, who sees every open
case and their team's restricted and confidential ones (~93% of the cases).

Beside each endpoint, in the same run, the database's own time: every query
one request ran, captured in-process and replayed on a plain cursor after 15
warm-up runs (psycopg prepares after 5; PERFORMANCE.md): "SQL main" is the
slowest statement of the request (the page, the match), "SQL all" the sum
of its reads (a write, such as the access log's entry for a case read, takes
the next place in a chain and cannot be replayed; "queries" counts them all).
The ratio HTTP p50 / SQL all is what the HTTP stack, Python and the queue in
front of the workers add.

And beside them the CPU one request costs, which load on a shared machine
does not distort as it does latency (bench/api_cpu.py, --cpu-requests calls
per endpoint in-process through Django's WSGI handler): "web CPU" is the
Django process's (a gunicorn worker's, less the socket and HTTP parsing),
"db CPU" its PostgreSQL backend's (/proc). The goal (issue #11) is p95 <
50 ms at 8 clients; 8 clients on 2 cores queue behind each other's CPU, so
p50 is about 4 x the CPU per request and the goal needs about 10 ms or less
of web + db CPU per request.

The lead's re-measure on a quiet machine (reuses the database when present):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/evidence_bench_api \
        .venv/bin/python bench/bench_http.py --duration 15 --clients 1 8 32

Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import bench_api  # noqa: E402  (sets DATABASE_URL and the other environment before Django loads)
import harness  # noqa: E402

KEYS = Path(os.environ.get("BENCH_KEYS_DIR", ROOT / "var" / "bench-keys"))
os.environ["LEDGER_SIGNING_KEY_FILE"] = str(KEYS / "signing-key.pem")
os.environ["LEDGER_PUBLIC_KEYS_DIR"] = str(KEYS / "public")
os.environ["LEDGER_WITNESS_DIR"] = str(KEYS / "witness")
os.environ["LEDGER_TSA_URL"] = ""

progress = bench_api.progress

CUSTODY_SQL = """
INSERT INTO evidence_custodyevent (item_id, seq, action, outcome, actor, actor_user_id, occurred_at, recorded_at,
                                   details, prev_hash, entry_hash, log_index)
SELECT i.id, 1, 'ingestion', 'success', 'user:bench-investigator', NULL, i.created_at, i.created_at,
       jsonb_build_object('exhibit', i.exhibit), repeat('0', 64),
       encode(sha256(convert_to('entry ' || i.id::text, 'UTF8')), 'hex'),
       row_number() OVER (ORDER BY i.created_at, i.id) - 1
FROM evidence_evidenceitem i
"""

LUA = r"""
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local headers = {["Authorization"] = "Token " .. os.getenv("BENCH_TOKEN"), ["Accept"] = "application/json"}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %.3f %.3f %.3f %.3f\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout + e.status, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.mean / 1000))
end
"""


def fill_ledger() -> None:
    """One custody entry per item, the log over them, and a signed head: once."""
    import bench_log_store
    from django.db import connection

    from evidence import signing

    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM evidence_custodyevent)")
        if not cursor.fetchone()[0]:
            started = time.perf_counter()
            cursor.execute(CUSTODY_SQL)
            cursor.execute("VACUUM (ANALYZE) evidence_custodyevent")
            progress(f"  custody entries: {time.perf_counter() - started:.1f} s")
        cursor.execute("SELECT count(*) FROM evidence_custodyevent")
        entries = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(size), 0) FROM evidence_logstate")
        logged = cursor.fetchone()[0]
    if logged == 0:
        started = time.perf_counter()
        bench_log_store.fill_log(entries)
        progress(f"  Merkle log of {entries:,} leaves: {time.perf_counter() - started:.1f} s")
    if signing.latest_head() is None:
        signing.sign_tree_head()


def choose_paths(rng: random.Random) -> dict[str, list[str]]:
    """The endpoints and, for each, the paths a series cycles through."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reference FROM catalogue_case WHERE sensitivity = 'open' ORDER BY random() LIMIT 500")
        references = [r for (r,) in cursor.fetchall()]
        cursor.execute("SELECT i.id::text, i.sha256 FROM evidence_evidenceitem i TABLESAMPLE SYSTEM (0.1) "
                       "JOIN catalogue_case c ON c.id = i.case_id WHERE c.sensitivity = 'open' LIMIT 500")
        items = cursor.fetchall()
        # A group code among the crimes the cases hold: the filter that used to probe case by case.
        cursor.execute("SELECT p.code FROM catalogue_crimecategory c JOIN catalogue_crimecategory p "
                       "ON p.id = c.parent_id JOIN catalogue_case_categories t ON t.crimecategory_id = c.id "
                       "GROUP BY p.code ORDER BY count(*) LIMIT 1")
        group = cursor.fetchone()[0]
    rng.shuffle(references)
    return {
        "case list": ["/api/v1/cases/"],
        f"cases, category={group}": [f"/api/v1/cases/?category={group}"],
        "cases, country=GE": ["/api/v1/cases/?country=GE"],
        "cases, q": [f"/api/v1/cases/?q=shelling+mykolaiv{n}" for n in range(97)],
        "case detail": [f"/api/v1/cases/{r}/" for r in references],
        "evidence, case=": [f"/api/v1/evidence/?case={r}" for r in references],
        "evidence detail": [f"/api/v1/evidence/{pk}/" for pk, _ in items],
        "custody": [f"/api/v1/evidence/{pk}/custody/" for pk, _ in items],
        "log head": ["/api/v1/log/head/"],
        "hash lookup": [f"/api/v1/hashes/{digest}/" for _, digest in items],
    }


def sql_times(paths: list[str], token: str, runs: int = 60, warmup: int = 15) -> tuple[float, float, int]:
    """(SQL main p50, SQL all p50, queries) for the first path, its reads replayed on a plain cursor."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT="application/json")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(paths[0])
    assert response.status_code == 200, (paths[0], response.status_code, response.content[:300])
    # The reads. A write cannot be replayed: the access log's entry takes the next place in a chain
    # (on PostgreSQL a SELECT of catalogue_access_append, catalogue migration 0014).
    statements = [q["sql"] for q in captured.captured_queries
                  if q["sql"].lstrip().upper().startswith("SELECT") and "catalogue_access_append(" not in q["sql"]]
    per_statement: list[list[float]] = [[] for _ in statements]
    with connection.cursor() as cursor:
        for run in range(warmup + runs):
            for n, sql in enumerate(statements):
                started = time.perf_counter()
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
                if run >= warmup:
                    per_statement[n].append((time.perf_counter() - started) * 1000)
    medians = [statistics.median(times) for times in per_statement] or [0.0]
    return max(medians), sum(medians), len(captured.captured_queries)


def filter_baselines(user, group: str, runs: int = 40) -> list[tuple[str, float, float]]:
    """The first page of the category and country filters as they were (EXISTS over the link
    tables, probed case by case) and as they are (the case row's facets): SQL p50 of each."""
    from django.core.exceptions import EmptyResultSet
    from django.db import connection
    from django.db.models import Exists, OuterRef

    from catalogue.api.filters import CaseFilter
    from catalogue.models import Case
    from catalogue.rome_statute import codes_within
    from catalogue.selectors import cases_visible_to

    visible = cases_visible_to(user).order_by("-id")

    def by_category(value: str) -> tuple[str, object, object]:
        codes = codes_within(value) or [value]
        links = Case.categories.through.objects.filter(case=OuterRef("pk"), crimecategory__code__in=codes)
        # The filter itself (it first narrows the codes to those some case holds: one small query, not timed).
        return f"category={value}", visible.filter(Exists(links)), CaseFilter().filter_category(visible, "", value)

    # A common group, a crime of 5% of the cases, and one no case holds (the whole table is probed).
    pairs = [by_category(group), by_category("7(1)(g)-3"), by_category("8(2)(b)")]
    pairs.append(("country=GE",
                  visible.filter(Exists(Case.places.through.objects.filter(case=OuterRef("pk"), place__country="GE"))),
                  visible.filter(countries__overlaps=["GE"])))
    rows = []
    for label, old, new in pairs:
        medians = []
        for queryset in (old, new):
            try:
                sql, params = queryset.values_list("id", flat=True)[:50].query.sql_with_params()
            except EmptyResultSet:  # a filter that knows, without asking, that nothing matches
                medians.append(0.0)
                continue
            times = []
            with connection.cursor() as cursor:
                for run in range(15 + runs):
                    started = time.perf_counter()
                    cursor.execute(sql, params)
                    cursor.fetchall()
                    if run >= 15:
                        times.append((time.perf_counter() - started) * 1000)
            medians.append(statistics.median(times))
        rows.append((label, *medians))
    return rows


def start_gunicorn(port: int, workers: int, worker_class: str = "sync", threads: int = 1) -> subprocess.Popen:
    # A sync worker closes the connection after each response whatever --keep-alive says
    # (wrk then reconnects); gthread keeps it open. The warm-up series (2 x workers clients)
    # then reaches every worker before anything is timed.
    return harness.start_gunicorn(ROOT, port, workers, options=("--worker-class", worker_class, "--threads", str(threads)),
                                  env={**os.environ, "ALLOWED_HOSTS": "127.0.0.1", "DEBUG": "0"})


def run_wrk(port: int, paths: list[str], token: str, clients: int, duration: int, workdir: Path) -> dict:
    paths_file = workdir / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    script = workdir / "bench.lua"
    script.write_text(LUA)
    env = {**os.environ, "BENCH_PATHS": str(paths_file), "BENCH_TOKEN": token}
    threads = min(clients, 2)
    result = subprocess.run(["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{duration}s", "--timeout", "10s",
                             "-s", str(script), f"http://127.0.0.1:{port}"],
                            env=env, capture_output=True, text=True, check=True)
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH "))
    requests, micros, errors, p50, p95, p99, mean = line.split()[1:]
    return {"requests": int(requests), "rps": int(requests) / (int(micros) / 1e6), "errors": int(errors),
            "p50": float(p50), "p95": float(p95), "p99": float(p99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=15, help="seconds per endpoint and number of clients")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--only", nargs="*", default=None, help="endpoint labels that start with these words")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--cpu-requests", type=int, default=200, help="in-process requests per endpoint for the "
                        "CPU figures (0: skip them)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn's worker class (sync, gthread)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (gthread)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed (Debian: apt-get install wrk)")

    bench_api.create_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    progress("migrating")
    call_command("migrate", verbosity=0)
    progress("filling (first run only; several minutes)")
    world = bench_api.fill()
    fill_ledger()
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM catalogue_case), (SELECT count(*) FROM evidence_evidenceitem), "
                       "(SELECT count(*) FROM evidence_custodyevent)")
        n_cases, n_items, n_entries = cursor.fetchone()
    progress(f"{n_cases:,} cases, {n_items:,} items, {n_entries:,} custody entries")

    endpoints = choose_paths(random.Random(args.seed))
    if args.only:
        endpoints = {k: v for k, v in endpoints.items() if any(k.startswith(word) for word in args.only)}
    token = world["token"]
    group = next(label for label in endpoints if label.startswith("cases, category=")).split("=", 1)[1] \
        if any(label.startswith("cases, category=") for label in endpoints) else "6"
    baselines = filter_baselines(world["legal"], group)
    sql = {}
    for label, paths in endpoints.items():
        progress(f"SQL of {label}")
        sql[label] = sql_times(paths, token)
    cpu: dict[str, dict] = {}
    if args.cpu_requests:
        import api_cpu

        get = harness.wsgi_get(token)
        for label, paths in endpoints.items():
            progress(f"CPU per request of {label}")
            cpu[label] = api_cpu.cpu_per_request(get, paths, args.cpu_requests)
    connection.close()

    port = harness.free_port()
    progress(f"gunicorn, {args.workers} workers, on 127.0.0.1:{port}")
    server = start_gunicorn(port, args.workers, args.worker_class, args.threads)
    results: dict[tuple[str, int], dict] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for label, paths in endpoints.items():
                # Warm every worker's connection and prepared statements (psycopg prepares after 5 runs).
                run_wrk(port, paths, token, 2 * args.workers, 3, Path(tmp))
                for clients in args.clients:
                    progress(f"{label}: {clients} clients, {args.duration} s")
                    results[label, clients] = run_wrk(port, paths, token, clients, args.duration, Path(tmp))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    print("\nThe list's filters, first page of 50, SQL p50 in the same run: through the link tables "
          "(before catalogue migration 0012) and on the case row (now).\n")
    print("| filter | links (EXISTS) | case row (facets) | ratio |")
    print("|---|---|---|---|")
    for label, old_ms, new_ms in baselines:
        ratio = f"{old_ms / new_ms:.1f}x" if new_ms else "no query"
        print(f"| {label} | {old_ms:.2f} | {new_ms:.2f} | {ratio} |")
    print()
    threads = f", {args.threads} threads each" if args.worker_class != "sync" else ""
    print(f"\nRead API over HTTP: gunicorn ({args.workers} {args.worker_class} workers{threads}) on 127.0.0.1, "
          f"wrk, {args.duration} s per row; {n_cases:,} cases, {n_items:,} items, {n_entries:,} custody entries; "
          f"{os.cpu_count()} cores shared with the load generator and PostgreSQL. Times in ms.\n")
    print(f"Goal (issue #11): p95 < 50 ms at 8 clients, every endpoint. On {os.cpu_count()} cores 8 clients queue "
          f"behind each other's CPU (p50 ~ 8 / {os.cpu_count()} x CPU per request), so web + db CPU per request "
          f"must be about {api_cpu_goal():.0f} ms or less.\n")
    header = ["endpoint", "clients", "p50", "p95", "p99", "req/s", "errors", "SQL main p50", "SQL all p50",
              "queries", "HTTP p50 / SQL all", "web CPU", "db CPU", "p95 < 50"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label in endpoints:
        main_ms, all_ms, queries = sql[label]
        web = f"{cpu[label]['web']:.2f}" if label in cpu else "-"
        db = f"{cpu[label]['db']:.2f}" if label in cpu and cpu[label]["db"] is not None else "-"
        for clients in args.clients:
            r = results[label, clients]
            met = ("yes" if r["p95"] < 50 else "no") if clients == 8 else ""
            print(f"| {label} | {clients} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['rps']:.0f} | "
                  f"{r['errors']} | {main_ms:.2f} | {all_ms:.2f} | {queries} | {r['p50'] / all_ms:.1f}x | "
                  f"{web} | {db} | {met} |")


def api_cpu_goal() -> float:
    import api_cpu

    return api_cpu.GOAL_CPU_MS


if __name__ == "__main__":
    main()
