"""Benchmark the REST API on 100,000 cases and 1,000,000 evidence items (PostgreSQL).

    python bench/bench_api.py [--calls 200] [--warmup 15]

Creates (once) the database `evidence_bench` on 127.0.0.1 (override with
BENCH_DATABASE_URL), migrates it and fills it with generate_series SQL. Then
times each endpoint through the whole HTTP stack in-process: Django's WSGI
handler, called as a WSGI server (gunicorn) calls it, with the request's
environ (middleware, URL routing, token authentication, throttling, DRF,
filters, pagination, serializers, JSON rendering, the real queries), as a
legal user with a token. Only the socket and the server's HTTP parsing are
left out. (Django's test Client adds test-only work per request: template
signal hooks and response decoration, about 0.1-0.2 ms.)
Beside each figure, in the same run and on the same connection, the
equivalent raw SQL:
  - "SQL all": every query the request ran, replayed as captured (token and
    roles, page, related rows, access-log insert), i.e. the database floor of
    the request;
  - "SQL main": the one query that does the endpoint's work (the page, the match).
Every series first runs --warmup calls (default 15) so that psycopg's
server-side prepared statements (after 5 runs) are in play (PERFORMANCE.md).
Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/evidence_bench")
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-long-enough-for-the-production-check-01")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")  # plain-HTTP requests, as from behind a TLS proxy
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ.setdefault("CONN_MAX_AGE", "600")  # as production runs: no reconnect per request
os.environ.setdefault("API_USER_RATE", "100000000/hour")  # the bench is one very busy user

CASES = 100_000
ITEMS_PER_CASE = 10


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def create_database() -> None:
    import psycopg

    dbname = BENCH_URL.rsplit("/", 1)[1]
    admin_url = BENCH_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
            progress(f"creating database {dbname}")
            conn.execute(f'CREATE DATABASE "{dbname}"')


# Item columns added since the fill was written, at their model defaults (a fill in SQL skips Django's).
ITEM_DEFAULT_COLUMNS = ("captured_at_precision, published_at_precision, uploaded_at_precision, acquired_at_precision, "
                        "derivation_method, derived_by, derived_from_sha256, relation, graphic_content, risk_note, "
                        "risk_to_person, capture_position_precision, capture_position_source, captured_at_zone")
ITEM_DEFAULT_VALUES = "'unknown', 'unknown', 'unknown', 'unknown', '', '', '', '', false, '', false, '', '', ''"

FILL_SQL = [
    # Places, perpetrators and sources to hang the cases on.
    """INSERT INTO catalogue_place (name, aliases, admin_area, country, precision)
       SELECT 'Place ' || i, jsonb_build_array('Plase ' || i, 'Misto ' || i), '', (ARRAY['UA','GE','SY','UA'])[1 + i % 4],
              'settlement'
       FROM generate_series(1, 1000) i""",
    "INSERT INTO catalogue_actor (name, kind, affiliation, notes) SELECT 'Unit ' || i, 'unit', '', '' FROM generate_series(1, 500) i",
    "INSERT INTO catalogue_source (name, kind, description) SELECT 'Source ' || i, 'ngo', '' FROM generate_series(1, 200) i",
    # 100,000 cases: mostly open, some restricted or confidential on either team.
    f"""INSERT INTO catalogue_case (reference, title, summary, incident_start, incident_end, date_precision, status,
                                   sensitivity, team_id, created_by_id, created_at, updated_at, search_text)
       SELECT 'UA-' || (2014 + i % 10) || '-' || lpad(i::text, 6, '0'),
              (ARRAY['Shelling of', 'Strike on', 'Detention at', 'Deportation from', 'Looting in'])[1 + i % 5]
                || ' place ' || (1 + i % 1000),
              'Reported by witnesses; case number ' || i,
              date '2014-01-01' + (i % 3650), date '2014-01-01' + (i % 3650) + (i % 3),
              'day',
              (ARRAY['reported','under_review','verified','corroborated','referred','disputed','closed'])[1 + i % 7],
              CASE WHEN i % 20 = 0 THEN 'confidential' WHEN i % 7 = 0 THEN 'restricted' ELSE 'open' END,
              %(team_a)s + (i % 2) * (%(team_b)s - %(team_a)s), %(creator)s,
              now() - make_interval(secs => {CASES} - i), now(),
              lower((ARRAY['shelling of', 'strike on', 'detention at', 'deportation from', 'looting in'])[1 + i % 5]
                || ' place ' || (1 + i % 1000) || ' plase ' || (1 + i % 1000) || ' mykolaiv' || (i % 97)
                || ' reported by witnesses case number ' || i)
       FROM generate_series(1, {CASES}) i""",
    """INSERT INTO catalogue_case_places (case_id, place_id)
       SELECT c.id, p.id FROM catalogue_case c JOIN catalogue_place p ON p.name = 'Place ' || (1 + c.id % 1000)""",
    """INSERT INTO catalogue_case_categories (case_id, crimecategory_id)
       SELECT c.id, cat.id FROM catalogue_case c
       JOIN (SELECT id, row_number() OVER (ORDER BY position) - 1 AS n FROM catalogue_crimecategory) cat
         ON cat.n = c.id % 20""",
    """INSERT INTO catalogue_case_perpetrators (case_id, actor_id)
       SELECT c.id, a.id FROM catalogue_case c JOIN catalogue_actor a ON a.name = 'Unit ' || (1 + c.id % 500)""",
    """INSERT INTO catalogue_casesource (case_id, source_id, reliability, credibility, statement, reported_on)
       SELECT c.id, s.id, (ARRAY['A','B','C','D','E','F'])[1 + c.id % 6], (1 + c.id % 6)::text, '', NULL
       FROM catalogue_case c JOIN catalogue_source s ON s.name = 'Source ' || (1 + c.id % 200)""",
    """INSERT INTO catalogue_victimcount (case_id, category, count, source_id, as_of, note)
       SELECT c.id, 'killed', c.id % 40, s.id, NULL, ''
       FROM catalogue_case c JOIN catalogue_source s ON s.name = 'Source ' || (1 + c.id % 200)""",
    # 1,000,000 items, ten per case; every 50th content is also held by another case.
    f"""INSERT INTO evidence_evidenceitem (id, case_id, number, exhibit, kind, title, description, source_url, held_by,
            original_filename, captured_at, captured_by, capture_place_id, declared_sha256, created_by_id, created_at,
            staged_name, sha256, sha512, sha1, md5, size, media_type, metadata, extracted_text, state, error,
            sealed_at, withdrawn, claimed_at, attempts, queued_at, {ITEM_DEFAULT_COLUMNS})
       SELECT gen_random_uuid(), c.id, n, c.reference || '/E' || lpad(n::text, 3, '0'),
              (ARRAY['video','image','document','audio','webpage'])[1 + (c.id + n) % 5],
              'Exhibit ' || n || ' of ' || c.reference, '', '', '', 'file' || n || '.bin', NULL, '', NULL, '',
              %(creator)s, c.created_at,
              '', encode(sha256(convert_to('content ' || CASE WHEN (c.id * 10 + n) % 50 = 0
                                                         THEN ((c.id * 10 + n) / 100)::text
                                                         ELSE (c.id * 10 + n)::text END, 'UTF8')), 'hex'),
              '', '', '', 1000 + c.id + n,
              (ARRAY['video/mp4','image/jpeg','application/pdf','audio/mpeg','text/html'])[1 + (c.id + n) % 5],
              '{{}}'::jsonb, '', 'sealed', '', c.created_at, false, NULL, 1, NULL, {ITEM_DEFAULT_VALUES}
       FROM catalogue_case c CROSS JOIN generate_series(1, {ITEMS_PER_CASE}) n""",
    # What autovacuum does on a deployment (it is off on some bench hosts): the facet triggers left two dead
    # versions of every case, whose entries the search index kept, and the GIN pending lists unmerged; the
    # visibility map lets the evidence counts read the index alone. Unvacuumed, a search took twice the CPU.
    "VACUUM (ANALYZE)",
]


def fill() -> dict:
    from django.contrib.auth.models import Group, User
    from django.db import connection

    from accounts.tokens import token_create
    from catalogue.models import Case, Team

    team_a, _ = Team.objects.get_or_create(slug="bench-a", defaults={"name": "Bench A"})
    team_b, _ = Team.objects.get_or_create(slug="bench-b", defaults={"name": "Bench B"})
    creator, _ = User.objects.get_or_create(username="bench-investigator")
    creator.groups.add(Group.objects.get(name="investigator"))
    team_a.members.add(creator)
    legal, _ = User.objects.get_or_create(username="bench-legal")
    legal.groups.add(Group.objects.get(name="legal"))
    team_a.members.add(legal)
    _, key = token_create(user=legal, name="bench")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM evidence_evidenceitem")
        items = cursor.fetchone()[0]
    if Case.objects.count() < CASES or items < CASES * ITEMS_PER_CASE:
        ids = {"%(team_a)s": team_a.pk, "%(team_b)s": team_b.pk, "%(creator)s": creator.pk}
        with connection.cursor() as cursor:
            # A fill that was cut short starts again from empty tables (this is the
            # bench's own database: the append-only guards stand aside for this alone).
            guarded = ["evidence_evidenceitem", "evidence_custodyevent", "evidence_lognode", "evidence_treehead",
                       "catalogue_accesslog", "catalogue_accesslogstate"]
            for table in guarded:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            cursor.execute("TRUNCATE catalogue_place, catalogue_actor, catalogue_source, catalogue_case, "
                           "evidence_evidenceitem, catalogue_accesslog, catalogue_accesslogstate CASCADE")
            for table in guarded:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            for sql in FILL_SQL:
                for name, value in ids.items():
                    sql = sql.replace(name, str(int(value)))
                started = time.perf_counter()
                cursor.execute(sql)
                progress(f"  {sql.split()[2] if sql.startswith('INSERT') else sql.split()[0]}: "
                         f"{time.perf_counter() - started:.1f} s")
    return {"token": key, "legal": legal}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(fn: Callable[[], object], calls: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=15)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()

    create_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    progress("migrating")
    call_command("migrate", verbosity=0)
    progress("filling (first run only; several minutes)")
    world = fill()
    rng = random.Random(args.seed)

    with connection.cursor() as cursor:
        cursor.execute("SELECT reference FROM catalogue_case WHERE sensitivity = 'open' ORDER BY random() LIMIT 500")
        references = [r for (r,) in cursor.fetchall()]
        cursor.execute("SELECT sha256 FROM evidence_evidenceitem TABLESAMPLE SYSTEM (0.1) LIMIT 500")
        digests = [d for (d,) in cursor.fetchall()]
        cursor.execute("SELECT count(*) FROM catalogue_case")
        n_cases = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM evidence_evidenceitem")
        n_items = cursor.fetchone()[0]
    progress(f"{n_cases} cases, {n_items} items")

    # GET through the WSGI handler, as a WSGI server would: status line and the whole body.
    from harness import wsgi_get

    get = wsgi_get(world["token"])
    endpoints: list[tuple[str, Callable[[], str], str]] = [
        ("case list (first page)", lambda: "/api/v1/cases/", "catalogue_case"),
        ("case list, filtered", lambda: "/api/v1/cases/?status=verified&country=UA&incident_after=2016-01-01"
                                        "&category=6(c)", "catalogue_case"),
        ("case search (q)", lambda: f"/api/v1/cases/?q=shelling+mykolaiv{rng.randrange(97)}", "catalogue_case"),
        ("case detail", lambda: f"/api/v1/cases/{rng.choice(references)}/", "catalogue_case"),
        ("evidence list", lambda: "/api/v1/evidence/?kind=video", "evidence_evidenceitem"),
        ("hash lookup", lambda: f"/api/v1/hashes/{rng.choice(digests)}/", "evidence_evidenceitem"),
    ]

    rows = []
    for label, url_for, main_table in endpoints:
        progress(f"timing {label}")

        def http_call(url_for=url_for):
            status, body = get(url_for())
            assert status.startswith("200"), (status, body[:300])
            assert b'"results":[]' not in body, f"an empty page measures nothing: {url_for()}"

        http = timed(http_call, args.calls, args.warmup)
        # The SQL of one request, captured, then replayed raw on the same connection.
        with CaptureQueriesContext(connection) as captured:
            http_call()
        statements = [q["sql"] for q in captured.captured_queries]
        main_sql = next(s for s in statements if s.startswith("SELECT") and f'FROM "{main_table}"' in s)

        def replay(statements=statements):
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
                    if cursor.description is not None:
                        cursor.fetchall()

        def replay_main(main_sql=main_sql):
            with connection.cursor() as cursor:
                cursor.execute(main_sql)
                cursor.fetchall()

        sql_all = timed(replay, args.calls, args.warmup)
        sql_main = timed(replay_main, args.calls, args.warmup)
        rows.append((label, http, sql_all, sql_main, len(statements)))

    print(f"\nREST API on PostgreSQL: {n_cases:,} cases, {n_items:,} items; Django's WSGI handler in-process, "
          f"{args.calls} calls per row after {args.warmup} warm-up calls (ms)\n")
    header = ("endpoint", "HTTP p50", "HTTP p95", "SQL all p50", "SQL all p95", "SQL main p50", "queries",
              "HTTP/SQL all (p50)")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, http, sql_all, sql_main, n in rows:
        h50, a50 = statistics.median(http), statistics.median(sql_all)
        print(f"| {label} | {h50:.2f} | {percentile(http, 95):.2f} | {a50:.2f} | {percentile(sql_all, 95):.2f} | "
              f"{statistics.median(sql_main):.2f} | {n} | {h50 / a50:.1f}x |")


if __name__ == "__main__":
    main()
