"""Time one access-log append, as the API makes it (catalogue.services.access_log_record_many).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evidence_access python bench/bench_access_log.py [--calls 2000]

Migrates the database it is given, makes one user and 50 cases once, then
times appends of a list page (50 cases) and of a detail read (1 case) on one
connection in autocommit, as a request makes them, and inside a transaction
(as the admin, an identity reveal and an export make them). Prints p50/p95 in ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-long-enough-for-the-production-check-01")
os.environ.setdefault("CONN_MAX_AGE", "600")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection, transaction

    from catalogue import services
    from catalogue.models import Case, Team

    call_command("migrate", verbosity=0)
    team, _ = Team.objects.get_or_create(slug="bench-access", defaults={"name": "Bench access"})
    user, _ = User.objects.get_or_create(username="bench-access")
    for n in range(Case.objects.filter(team=team).count(), 50):
        Case.objects.create(reference=f"BA-2024-{n:04d}", title=f"Bench case {n}", team=team, created_by=user)
    cases = list(Case.objects.filter(team=team).order_by("id")[:50])

    def timed(fn) -> list[float]:
        for _ in range(args.warmup):
            fn()
        times = []
        for _ in range(args.calls):
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        return sorted(times)

    def record(page) -> None:
        services.access_log_record_many(user=user, cases=page, via="api", action="list", remote_addr="127.0.0.1")

    def record_in_transaction(page) -> None:
        with transaction.atomic():
            record(page)

    print(f"{connection.vendor}, {args.calls} calls after {args.warmup} warm-up calls (ms)")
    for how, fn in (("autocommit (as the API)", record), ("in a transaction", record_in_transaction)):
        for label, page in (("page of 50", cases), ("one case", cases[:1])):
            times = timed(lambda page=page, fn=fn: fn(page))
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            print(f"  {how}, {label}: p50 {statistics.median(times):.3f}  p95 {p95:.3f}")


if __name__ == "__main__":
    main()
