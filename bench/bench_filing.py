"""Filings through the API as users make them: gunicorn over real HTTP, 4 clients filing 64 KiB uploads.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/evidence_bench REDIS_URL=redis://127.0.0.1:6379/3 \\
        python bench/bench_filing.py [--seconds 10] [--clients 4] [--before-ref 4705ab0] [--quick]

For each side, "before" (the code at --before-ref, exported with `git archive`;
`--before-ref ''` skips it) and "after" (this tree), in a throwaway PostgreSQL
database of its own (dropped afterwards), with REDIS_URL set as in production:
the embedded default is off, so a filing queues its `ingest` task in Redis (on a
queue of the run's own that no worker reads: filing needs no worker) and the
throttle counts live in Redis too (CACHE_URL).

1. In-process, through Django's WSGI handler (as bench/bench_api.py calls it):
   the statements one API POST runs (CaptureQueriesContext) and the CPU time
   per filing of this process (time.process_time), beside the same POST
   refused with a 400 (an unknown `kind`: same body, same authentication,
   throttle and multipart parsing, nothing filed).
2. Over HTTP: gunicorn with 2 x cores sync workers on 127.0.0.1, then
   --clients processes, each with one keep-alive connection (http.client),
   POSTing multipart bodies (case, kind, title and a 64 KiB file, each file's
   bytes different) for --seconds: filings per second, p50/p95/p99 latency.
   Beside it, in the same run and from the same clients, two baselines: the
   refused POST above, and GET /healthz (the server's floor).
   Per-process CPU from /proc (the gunicorn workers, the database backends,
   the clients) divided by the requests made: what load on a shared machine
   does not distort, unlike the rates.
3. Checks afterwards: every 201 made exactly one item, in state received,
   with its upload stored (the staged file's SHA-256 equals what the client
   sent), one accession custody entry whose chain verifies, and one `ingest`
   message queued for it; no item without a 201, no staged file without an
   item, no half-made record from a refused POST.

Progress goes to stderr, the table to stdout. The goal (ISSUE 11): >= 200
filings/s through the API, gunicorn, 4 clients.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import io
import json
import multiprocessing
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
GOAL = 200.0
BOUNDARY = "benchfilingboundary7c1d"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def server_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_OWNER_URL") or os.environ.get(
        "DATABASE_URL", "")


def admin_connection(database_url: str):
    import psycopg

    return psycopg.connect(urlunsplit(urlsplit(database_url)._replace(path="/postgres")), autocommit=True)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- the request bodies (shared by the in-process and HTTP runs) ---------------------


def multipart(fields: dict[str, str], filename: str, content: bytes) -> bytes:
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode())
    return b"".join(parts) + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def filing_body(reference: str, tag: str, base: bytes, kind: str = "video") -> tuple[bytes, str]:
    """A filing of a 64 KiB file whose first bytes are `tag`: (body, the file's SHA-256)."""
    content = tag.encode().ljust(32, b".") + base[32:]
    return multipart({"case": reference, "kind": kind, "title": f"bench {tag}"}, f"{tag}.bin", content), \
        hashlib.sha256(content).hexdigest()


# --- CPU of processes, from /proc --------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


# --- the clients ----------------------------------------------------------------------------


def client(number: int, port: int, token: str, reference: str, mode: str, start_at: float, seconds: float,
           results) -> None:
    """One client: one keep-alive connection, one request at a time, until the time is up."""
    base = os.urandom(PAYLOAD)
    headers = {"Authorization": f"Token {token}", "Accept": "application/json",
               "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    records = []
    counter = 0
    while time.time() < start_at:
        time.sleep(0.001)
    cpu_start = time.process_time()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        counter += 1
        tag = f"{mode[0]}{number}-{counter}-{uuid.uuid4().hex[:8]}"
        if mode == "health":
            method, path, body, sha, sent = "GET", "/healthz", None, "", {"Accept": "application/json"}
        else:
            body, sha = filing_body(reference, tag, base, kind="video" if mode == "file" else "hologram")
            method, path, sent = "POST", "/api/v1/evidence/", headers
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        payload = response.read()
        latency = (time.perf_counter() - started) * 1000
        item_id = ""
        if response.status == 201:
            item_id = json.loads(payload)["id"]
        records.append((latency, response.status, item_id, sha, tag))
    connection.close()
    results.put({"records": records, "cpu": time.process_time() - cpu_start, "pid": os.getpid()})


def run_clients(port: int, token: str, reference: str, mode: str, clients: int, seconds: float,
                server_pids: list[int], db_pids: list[int]) -> dict:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.time() + 2.0  # every client connected and waiting before the clock starts
    processes = [context.Process(target=client, args=(n, port, token, reference, mode, start_at, seconds, results))
                 for n in range(clients)]
    for process in processes:
        process.start()
    while time.time() < start_at:
        time.sleep(0.001)
    server_cpu, db_cpu = cpu_seconds(server_pids), cpu_seconds(db_pids)
    began = time.monotonic()
    outputs = [results.get(timeout=seconds + 120) for _ in processes]
    wall = time.monotonic() - began
    server_cpu, db_cpu = cpu_seconds(server_pids) - server_cpu, cpu_seconds(db_pids) - db_cpu
    for process in processes:
        process.join(30)
    records = [r for output in outputs for r in output["records"]]
    latencies = [r[0] for r in records]
    statuses: dict[int, int] = {}
    for r in records:
        statuses[r[1]] = statuses.get(r[1], 0) + 1
    n = len(records) or 1
    return {
        "requests": len(records), "rate": len(records) / wall, "statuses": statuses,
        "p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
        "server_cpu_ms": server_cpu / n * 1000, "db_cpu_ms": db_cpu / n * 1000,
        "client_cpu_ms": sum(o["cpu"] for o in outputs) / n * 1000,
        "filed": [(r[2], r[3], r[4]) for r in records if r[1] == 201],
        "tags": [r[4] for r in records],
    }


# --- one side, in its own process (its own code on sys.path) ----------------------------------


def prepare_world(code: Path) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts.tokens import token_create
    from catalogue.models import Team
    from catalogue.services import case_create

    user = get_user_model().objects.create_user(f"bench-investigator-{uuid.uuid4().hex[:6]}",
                                                password=uuid.uuid4().hex)
    user.groups.add(Group.objects.get(name="investigator"))
    team = Team.objects.create(name=f"Bench {uuid.uuid4().hex[:6]}", slug=f"bench-{uuid.uuid4().hex[:6]}")
    team.members.add(user)
    case = case_create(actor=user, team=team, title="Benchmark case: an archive filed through the API",
                       reference="UA-2099-0001")
    _, key = token_create(user=user, name="bench")
    return {"user": user, "case": case, "token": key}


def in_process(world: dict, filings: int, profile: bool = False) -> dict:
    """Statements and CPU per filing through Django's WSGI handler, and the refused POST beside it."""
    import contextlib

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    @contextlib.contextmanager
    def statements():
        # Not CaptureQueriesContext: the handler's request_started signal empties the log it reads.
        seen: list[str] = []

        def record(execute, sql, params, many, context):
            seen.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            yield seen

    handler = WSGIHandler()
    base = os.urandom(PAYLOAD)

    def post(body: bytes) -> tuple[str, bytes]:
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/evidence/", "QUERY_STRING": "", "SCRIPT_NAME": "",
            "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}", "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": f"Token {world['token']}", "HTTP_ACCEPT": "application/json",
            "HTTP_HOST": "testserver", "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        started: list[str] = []
        result = handler(environ, lambda status, headers, exc_info=None: started.append(status))
        try:
            content = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        return started[0], content

    reference = world["case"].reference
    sent = []

    def file_one(tag: str) -> None:
        body, sha = filing_body(reference, tag, base)
        status, content = post(body)
        assert status.startswith("201"), (status, content[:300])
        sent.append((json.loads(content)["id"], sha, tag))

    def refuse_one(tag: str) -> None:
        status, content = post(filing_body(reference, tag, base, kind="hologram")[0])
        assert status.startswith("400"), (status, content[:300])

    for n in range(10):  # psycopg prepares after 5 runs; the first request imports and compiles
        file_one(f"w{n}")
        refuse_one(f"r{n}")
    with statements() as captured:
        file_one("counted")
    with statements() as refused:
        refuse_one("counted-refusal")
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)  # CPU, not the waits of a loaded machine
        profiler.enable()
        for n in range(filings):
            file_one(f"profiled{n}")
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(70)
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_callees("evidence_register|views.py.*create|custody_append_many|_lock_case")
        say(out.getvalue())
    cpu = {}
    for label, fn in (("filing", file_one), ("refused", refuse_one)):
        started = time.process_time()
        for n in range(filings):
            fn(f"{label[0]}p{n}")
        cpu[label] = (time.process_time() - started) / filings * 1000
    return {"statements": len(captured), "statements_refused": len(refused), "sql": [sql[:160] for sql in captured],
            "cpu_ms": cpu["filing"], "cpu_refused_ms": cpu["refused"], "filed": sent}


def queued_ingests(queue: str) -> list[str]:
    """The item ids of the `ingest` messages waiting on the run's queue in Redis."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    ids = []
    for raw in client.lrange(queue, 0, -1):
        message = json.loads(raw)
        if message.get("headers", {}).get("task") != "evidence.tasks.ingest":
            continue
        args = json.loads(base64.b64decode(message["body"]))[0]
        ids.append(args[0])
    return ids


def check(world: dict, filed: list[tuple[str, str, str]], refused_tags: list[str], queue: str) -> dict:
    """Every 201 made one whole item; nothing else was made."""
    from django.core.files.storage import default_storage

    from evidence import storage
    from evidence.custody import event_as_entry, verify_entries
    from evidence.models import CustodyEvent, EvidenceItem

    problems = []
    ids = [item_id for item_id, _, _ in filed]
    if len(set(ids)) != len(ids):
        problems.append(f"{len(ids) - len(set(ids))} ids answered twice")
    items = {str(i.pk): i for i in EvidenceItem.objects.filter(case=world["case"])}
    if set(items) != set(ids):
        problems.append(f"{len(set(items) - set(ids))} items without a 201, {len(set(ids) - set(items))} 201s "
                        f"without an item")
    chains: dict[str, list] = {}
    for event in CustodyEvent.objects.filter(item__case=world["case"]).order_by("item_id", "seq"):
        chains.setdefault(str(event.item_id), []).append(event)
    for item_id, sha, tag in filed:
        item = items.get(item_id)
        if item is None:
            continue
        if item.state != "received" or item.title != f"bench {tag}":
            problems.append(f"{item.exhibit}: state {item.state}, title {item.title!r}")
        try:
            with storage.open_name(item.staged_name) as handle:
                stored = hashlib.sha256(handle.read()).hexdigest()
        except OSError as exc:
            stored = f"missing ({exc})"
        if stored != sha:
            problems.append(f"{item.exhibit}: staged upload {stored}, sent {sha}")
        chain = chains.get(item_id, [])
        if [e.action for e in chain] != ["accession"] or not verify_entries([event_as_entry(e) for e in chain]).ok:
            problems.append(f"{item.exhibit}: custody {[e.action for e in chain]}")
    titles = {f"bench {tag}" for tag in refused_tags}
    if EvidenceItem.objects.filter(title__in=titles).exists():
        problems.append("a refused POST left an item")
    try:
        _, staged = default_storage.listdir(storage.STAGING)
    except FileNotFoundError:
        staged = []
    orphans = {f"{storage.STAGING}/{name}" for name in staged} - {i.staged_name for i in items.values()}
    if orphans:
        problems.append(f"{len(orphans)} staged files without an item")
    queued = queued_ingests(queue)
    if sorted(queued) != sorted(ids):
        problems.append(f"ingest messages: {len(queued)} queued ({len(set(queued))} distinct) for {len(ids)} items")
    return {"items": len(items), "problems": problems[:20], "problem_count": len(problems)}


def run_side(args) -> int:
    code = Path(args.code)
    sys.path.insert(0, str(code))
    base_url = server_url()
    db_name = f"bench_filing_{uuid.uuid4().hex[:8]}"
    with admin_connection(base_url) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    media = tempfile.mkdtemp(prefix="bench-filing-media-")
    queue = f"bench-filing-{uuid.uuid4().hex[:8]}"
    os.environ.update({
        "DATABASE_URL": urlunsplit(urlsplit(base_url)._replace(path=f"/{db_name}")),
        "MEDIA_ROOT": media, "CELERY_QUEUE": queue, "CACHE_URL": os.environ["REDIS_URL"],
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-long-enough-for-the-production-check-01"),
        "DEBUG": "0", "LOG_LEVEL": "WARNING", "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SECURE_SSL_REDIRECT": "0", "CONN_MAX_AGE": "600", "API_USER_RATE": "100000000/hour",
        "LEDGER_INTEGRATE_IN_WRITER": "0",
    })
    os.environ.pop("DATABASE_OWNER_URL", None)
    os.environ.pop("EVIDENCE_REQUIRE_SERVICES", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    server = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections

        say(f"[{args.side}] migrating {db_name}…")
        call_command("migrate", verbosity=0)
        world = prepare_world(code)
        say(f"[{args.side}] in-process: statements and CPU per filing…")
        result = {"in_process": in_process(world, args.in_process, args.profile)}
        if args.profile:
            return 0
        connections.close_all()

        port = harness.free_port()
        say(f"[{args.side}] gunicorn, {args.workers} workers, on 127.0.0.1:{port}")
        server = harness.start_gunicorn(code, port, args.workers, env={**os.environ, "PYTHONPATH": str(code)})
        server_pids = children(server.pid)
        token, reference = world["token"], world["case"].reference

        def db_pids() -> list[int]:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                               [db_name])
                return [pid for (pid,) in cursor.fetchall()]

        # Warm every worker: its database connection, psycopg's prepared statements, the first imports.
        run_clients(port, token, reference, "refuse", 2 * args.workers, 2, server_pids, [])
        run_clients(port, token, reference, "file", 2 * args.workers, 2, server_pids, [])
        backends = db_pids()
        series = {}
        for mode in ("health", "refuse", "file"):
            say(f"[{args.side}] {mode}: {args.clients} clients, {args.seconds} s")
            series[mode] = run_clients(port, token, reference, mode, args.clients, args.seconds, server_pids, backends)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        server = None
        filed = result["in_process"].pop("filed")
        refused_tags = series["refuse"]["tags"]
        warm_filed = []
        from evidence.models import EvidenceItem

        # The warm-up's filings count too: every item in the case must have had its 201.
        known = {item_id for item_id, _, _ in filed + series["file"]["filed"]}
        for item in EvidenceItem.objects.filter(case=world["case"]).exclude(pk__in=known):
            with open(os.path.join(media, item.staged_name), "rb") as handle:
                warm_filed.append((str(item.pk), hashlib.sha256(handle.read()).hexdigest(), item.title[6:]))
        say(f"[{args.side}] checking every filing…")
        result["check"] = check(world, filed + series["file"]["filed"] + warm_filed, refused_tags, queue)
        result["warm_unchecked_201"] = len(warm_filed)
        for mode in series.values():
            mode.pop("filed")
            mode.pop("tags")
        result["series"] = series
        result["workers"] = args.workers
        print(json.dumps(result))
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
        from django.db import connections

        connections.close_all()
        with admin_connection(base_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        import redis

        redis.Redis.from_url(os.environ["REDIS_URL"]).delete(queue)
        subprocess.run(["rm", "-rf", media], check=False)
    return 0


# --- the driver: one subprocess per side, then the table ------------------------------------


def ceiling(side: dict) -> float:
    """Filings per second if every core did nothing but this run's per-filing CPU (web, database, client)."""
    series = side["series"]["file"]
    per_filing = (series["server_cpu_ms"] + series["db_cpu_ms"] + series["client_cpu_ms"]) / 1000
    return (os.cpu_count() or 1) / per_filing if per_filing else float("inf")


def print_table(results: dict, args) -> None:
    names = list(results)
    any_side = results[names[-1]]
    print(f"\nFilings through the API: gunicorn ({any_side['workers']} sync workers) on 127.0.0.1, {args.clients} "
          f"clients (one keep-alive connection each, http.client), {args.seconds:.0f} s per series, 64 KiB uploads "
          f"into one case; PostgreSQL, tasks queued to Redis; {os.cpu_count()} cores shared by server, database "
          f"and clients. CPU figures are per request, from /proc.\n")
    print("| figure | " + " | ".join(names) + " | goal |")
    print("|---|" + "---|" * len(names) + "---|")

    def row(label: str, value, goal: str = "") -> None:
        print(f"| {label} | " + " | ".join(value(results[n]) for n in names) + f" | {goal} |")

    s = lambda side, mode: side["series"][mode]  # noqa: E731
    row("filings/s (201s per second)", lambda r: f"{s(r, 'file')['rate']:.1f}", f">= {GOAL:.0f}")
    row("filing p50 / p95 / p99 ms", lambda r: "{p50:.1f} / {p95:.1f} / {p99:.1f}".format(**s(r, "file")))
    row("baseline: same POST refused (400), req/s", lambda r: f"{s(r, 'refuse')['rate']:.1f}")
    row("baseline: refused p50 / p95 / p99 ms", lambda r: "{p50:.1f} / {p95:.1f} / {p99:.1f}".format(**s(r, "refuse")))
    row("baseline: GET /healthz, req/s", lambda r: f"{s(r, 'health')['rate']:.1f}")
    row("filings/s / refused POSTs/s (same run)", lambda r: f"{s(r, 'file')['rate'] / s(r, 'refuse')['rate']:.2f}")
    row("gunicorn CPU ms per filing / per refused POST / per healthz",
        lambda r: f"{s(r, 'file')['server_cpu_ms']:.1f} / {s(r, 'refuse')['server_cpu_ms']:.1f} / "
                  f"{s(r, 'health')['server_cpu_ms']:.2f}")
    row("PostgreSQL CPU ms per filing / per refused POST",
        lambda r: f"{s(r, 'file')['db_cpu_ms']:.2f} / {s(r, 'refuse')['db_cpu_ms']:.2f}")
    row("client CPU ms per filing", lambda r: f"{s(r, 'file')['client_cpu_ms']:.2f}")
    row("in-process: CPU ms per filing / per refused POST (ratio)",
        lambda r: f"{r['in_process']['cpu_ms']:.1f} / {r['in_process']['cpu_refused_ms']:.1f} "
                  f"({r['in_process']['cpu_ms'] / r['in_process']['cpu_refused_ms']:.2f}x)")
    row("in-process: statements per filing / per refused POST",
        lambda r: f"{r['in_process']['statements']} / {r['in_process']['statements_refused']}")
    row("statuses of the filing series", lambda r: ", ".join(f"{k}: {v}" for k, v in sorted(
        s(r, "file")["statuses"].items())))
    row("checked afterwards: items, problems",
        lambda r: f"{r['check']['items']} items, {r['check']['problem_count']} problems")
    last = names[-1]
    rate = s(results[last], "file")["rate"]
    print(f"\nGoal (issue 11): >= {GOAL:.0f} filings/s through the API, gunicorn, {args.clients} clients. "
          f"{last}: {rate:.1f}/s, {'met' if rate >= GOAL else 'not met'} on this machine in this run; the CPU per "
          f"filing sets the ceiling: {os.cpu_count()} cores / "
          f"({s(results[last], 'file')['server_cpu_ms']:.1f} + {s(results[last], 'file')['db_cpu_ms']:.1f} + "
          f"{s(results[last], 'file')['client_cpu_ms']:.1f} ms) = {ceiling(results[last]):.0f} filings/s at most.")
    for name in names:
        for problem in results[name]["check"]["problems"]:
            print(f"\n{name}: {problem}", end="")
    print()
    if args.show_sql:
        for name in names:
            print(f"\n{name}: the statements of one filing")
            for sql in results[name]["in_process"]["sql"]:
                print(f"  {sql}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per HTTP series (default 10)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--in-process", type=int, default=100, help="filings timed in-process (default 100)")
    parser.add_argument("--before-ref", default="4705ab0",
                        help="git ref to compare with (default 4705ab0, before the filing work); '' for this tree only")
    parser.add_argument("--show-sql", action="store_true", help="print the statements of one filing")
    parser.add_argument("--profile", action="store_true", help="cProfile the in-process filings (stderr), nothing else")
    parser.add_argument("--quick", action="store_true", help="5 s per series, 50 in-process filings")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.in_process = 5.0, 50
    if not server_url().startswith(("postgres://", "postgresql://")) or not os.environ.get("REDIS_URL"):
        say("bench_filing needs BENCH_DATABASE_URL (PostgreSQL, may create databases) and REDIS_URL; skipped.")
        return 0
    if args.side:
        return run_side(args)
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-filing-before-") as before_dir:
        sides = harness.export_sides(args.before_ref, before_dir)
        for name, code in sides:
            say(f"=== {name}: {code}")
            command = [sys.executable, str(Path(__file__).resolve()), "--side", name, "--code", code,
                       *(["--profile"] if args.profile else []),
                       "--seconds", str(args.seconds), "--clients", str(args.clients), "--workers",
                       str(args.workers), "--in-process", str(args.in_process)]
            out = subprocess.run(command, cwd=code, check=True, stdout=subprocess.PIPE, text=True).stdout
            if not args.profile:
                results[name] = json.loads(out.strip().splitlines()[-1])
    if args.profile:
        return 0
    print_table(results, args)
    return 1 if any(r["check"]["problem_count"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
