"""The custody log at scale: what 10 million entries cost on disk and to read (docs/scaling.md).

    SCALE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/evidence_scale \\
        python bench/bench_log_scale.py [--entries 10000000] [--per-item 10] [--samples 200] [--drop]

Builds (once; reused when present) a migrated database holding --entries
custody entries, --per-item per item (the ratio of docs/scaling.md: 100
million entries on 10 million items), and the Merkle log over them (level by
level in SQL, bench/bench_log_store.py), all with generate_series. Then
prints the size of each table and index, and the median time of the reads a
deployment serves from them at that size: the log root and proofs through
evidence/log_store.py, an item's custody chain, an entry by hash and by log
index. --drop removes the database afterwards (it is ~1 GB per million
entries).
Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

URL = os.environ.get("SCALE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/evidence_scale")
os.environ["DATABASE_URL"] = URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-long-enough-for-the-production-check-01")

CHUNK = 1_000_000


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def admin(sql: str) -> bool:
    import psycopg

    dbname = URL.rsplit("/", 1)[1]
    with psycopg.connect(URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        exists = bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone())
        if sql == "create" and not exists:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        elif sql == "drop" and exists:
            conn.execute(f'DROP DATABASE "{dbname}" WITH (FORCE)')
        return exists


def fill(entries: int, per_item: int) -> dict[str, float]:
    import bench_log_store
    from bench_api import ITEM_DEFAULT_COLUMNS, ITEM_DEFAULT_VALUES
    from django.contrib.auth.models import User
    from django.db import connection

    from catalogue.models import Case, Team

    seconds: dict[str, float] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM evidence_custodyevent")
        held = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(size), 0) FROM evidence_logstate")
        logged = cursor.fetchone()[0]
    if held >= entries:
        # Filled before (perhaps cut short after some chunks: run again with --entries N of what is there).
        if not logged:
            started = time.perf_counter()
            bench_log_store.fill_log(held)
            seconds["Merkle log (leaves + nodes)"] = time.perf_counter() - started
        return seconds
    team, _ = Team.objects.get_or_create(slug="scale", defaults={"name": "Scale"})
    user, _ = User.objects.get_or_create(username="scale")
    items = entries // per_item
    cases = max(1, items // 100)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM evidence_evidenceitem")
        if not cursor.fetchone()[0]:
            started = time.perf_counter()
            cursor.execute(
                "INSERT INTO catalogue_case (reference, title, summary, date_precision, status, sensitivity, "
                "team_id, created_by_id, created_at, updated_at, search_text) "
                "SELECT 'SC-2024-' || lpad(i::text, 6, '0'), 'Case ' || i, '', 'unknown', 'reported', 'open', "
                "%s, %s, now(), now(), '' FROM generate_series(1, %s) i", [team.pk, user.pk, cases])
            first_case = Case.objects.order_by("pk").values_list("pk", flat=True).first()
            cursor.execute(f"""
                INSERT INTO evidence_evidenceitem (id, case_id, number, exhibit, kind, title, description, source_url,
                    held_by, original_filename, captured_at, captured_by, capture_place_id, declared_sha256,
                    created_by_id, created_at, staged_name, sha256, sha512, sha1, md5, size, media_type, metadata,
                    extracted_text, state, error, sealed_at, withdrawn, claimed_at, attempts, queued_at,
                    {ITEM_DEFAULT_COLUMNS})
                SELECT gen_random_uuid(), {first_case} + (i - 1) / 100, 1 + (i - 1) %% 100,
                    'SC/' || i, 'document', 'Item ' || i, '', '', '', 'f.bin', NULL, '', NULL, '', %s, now(), '',
                    encode(sha256(int8send(i)), 'hex'), '', '', '', 1000, 'application/pdf', '{{}}'::jsonb, '',
                    'sealed', '', now(), false, NULL, 1, NULL, {ITEM_DEFAULT_VALUES}
                FROM generate_series(1, %s) i""", [user.pk, items])
            seconds["cases + items"] = time.perf_counter() - started
            progress(f"  {cases:,} cases, {items:,} items: {seconds['cases + items']:.0f} s")
        # Item n is exhibit SC/(n + 1): the same mapping on every run, so a fill cut short resumes.
        cursor.execute("CREATE TEMP TABLE scale_items AS SELECT substr(exhibit, 4)::bigint - 1 AS n, id "
                       "FROM evidence_evidenceitem")
        cursor.execute("CREATE INDEX ON scale_items (n)")
        # A bulk load, as a restore does it: the custody table's constraints and secondary indexes
        # are dropped for the load and built afterwards by sorting (10 million random inserts into
        # the entry_hash index took ~4 minutes a million on the loaded machine; the build, below).
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = 'evidence_custodyevent'::regclass AND contype IN ('u', 'f')")
        constraints = cursor.fetchall()
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'evidence_custodyevent' "
                       "AND indexname <> 'evidence_custodyevent_pkey'")
        indexes = [(name, sql) for name, sql in cursor.fetchall() if name not in {c for c, _ in constraints}]
        for name, _ in constraints:
            cursor.execute(f"ALTER TABLE evidence_custodyevent DROP CONSTRAINT {name}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        started = time.perf_counter()
        for low in range(held, entries, CHUNK):
            high = min(entries, low + CHUNK)
            # Entry k: item k / per_item, seq k % per_item + 1, an entry every 60 ms from 2024.
            cursor.execute(f"""
                INSERT INTO evidence_custodyevent (item_id, seq, action, outcome, actor, actor_user_id,
                    occurred_at, recorded_at, details, prev_hash, entry_hash, log_index)
                SELECT s.id, k % {per_item} + 1, 'fixity_check', 'success', 'agent:scale', NULL,
                    NULL, timestamptz '2024-01-01' + k * interval '60 ms', '{{}}'::jsonb,
                    encode(sha256(int8send(k - 1)), 'hex'), encode(sha256(int8send(k)), 'hex'), k
                FROM generate_series({low}, {high - 1}) k JOIN scale_items s ON s.n = k / {per_item}""")
            progress(f"  custody {high:,}: {time.perf_counter() - started:.0f} s")
        seconds["custody entries (no secondary indexes)"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for _name, sql in indexes:
            cursor.execute(sql)
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE evidence_custodyevent ADD CONSTRAINT {name} {definition}")
        seconds["custody indexes + constraints (built)"] = time.perf_counter() - started
        progress(f"  indexes: {time.perf_counter() - started:.0f} s")
        cursor.execute("ANALYZE evidence_custodyevent")
    started = time.perf_counter()
    bench_log_store.fill_log(entries)
    seconds["Merkle log (leaves + nodes)"] = time.perf_counter() - started
    progress(f"  log: {seconds['Merkle log (leaves + nodes)']:.0f} s")
    return seconds


def median_ms(fn, samples: int, warmup: int = 12) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--per-item", type=int, default=10)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()

    admin("create")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from evidence import log_store

    call_command("migrate", verbosity=0)
    progress(f"filling {args.entries:,} custody entries (first run only)")
    fill_seconds = fill(args.entries, args.per_item)
    size = log_store.size()
    rng = random.Random(7)

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid),
                   (SELECT string_agg(i.relname || '=' || pg_relation_size(i.oid), ' ' ORDER BY i.relname)
                    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid)
            FROM pg_class c WHERE c.relname IN ('evidence_custodyevent', 'evidence_lognode', 'evidence_evidenceitem')
            ORDER BY c.relname""")
        sizes = cursor.fetchall()
        cursor.execute("SELECT count(*) FROM evidence_lognode")
        nodes = cursor.fetchone()[0]
        cursor.execute("SELECT id FROM evidence_evidenceitem TABLESAMPLE SYSTEM (0.1) LIMIT 300")
        items = [pk for (pk,) in cursor.fetchall()]

    def custody_chain():
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM evidence_custodyevent WHERE item_id = %s ORDER BY seq", [rng.choice(items)])
            cursor.fetchall()

    def by_hash():
        import hashlib

        digest = hashlib.sha256(rng.randrange(size).to_bytes(8, "big", signed=True)).hexdigest()
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM evidence_custodyevent WHERE entry_hash = %s", [digest])
            assert cursor.fetchone()

    def by_index():
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM evidence_custodyevent WHERE log_index = %s", [rng.randrange(size)])
            assert cursor.fetchone()

    reads = [
        ("log root at N (log_store.root)", lambda: log_store.root(size)),
        ("inclusion proof, random leaf", lambda: log_store.inclusion_proof(rng.randrange(size), size)),
        ("consistency proof, random old size", lambda: log_store.consistency_proof(rng.randrange(1, size), size)),
        ("an item's custody chain", custody_chain),
        ("entry by entry_hash", by_hash),
        ("entry by log_index", by_index),
    ]
    timed = [(label, median_ms(fn, args.samples)) for label, fn in reads]

    gib = 1024**3
    print(f"\nCustody log at scale: {size:,} entries ({args.per_item} per item), {nodes:,} Merkle nodes; "
          f"PostgreSQL, {os.cpu_count()} cores (shared)\n")
    if fill_seconds:
        print("| build step (generate_series SQL) | seconds | rows/s |")
        print("|---|---|---|")
        for step, secs in fill_seconds.items():
            rows = nodes if step.startswith("Merkle") else size // args.per_item if step.startswith("cases") else size
            print(f"| {step} | {secs:.0f} | {rows / secs:,.0f} |")
        print()
    print("| table | heap GiB | indexes GiB | indexes (bytes) |")
    print("|---|---|---|---|")
    for name, heap, indexes, detail in sizes:
        print(f"| {name} | {heap / gib:.2f} | {indexes / gib:.2f} | {detail} |")
    print(f"\n| read at N = {size:,} | median ms ({args.samples} samples) |")
    print("|---|---|")
    for label, ms in timed:
        print(f"| {label} | {ms:.3f} |")
    if args.drop:
        connection.close()
        admin("drop")
        progress("dropped the database")


if __name__ == "__main__":
    main()
