"""Does the one signer, off the request path, slow custody appends or API reads?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evidence_<you> \\
        python bench/bench_signer.py [--leaves 100000] [--appends 2000] [--calls 300] [--interval 0.2]

In a scratch database (test_<name>, dropped at the end), with a log of
--leaves entries, it measures the same things twice in one run:
 A. with no signer running (the reference);
 B. with a signer in its own process (as a Celery worker is), signing a head
    every --interval seconds while the log grows — far more often than the
    default LEDGER_HEAD_INTERVAL_SECONDS of 60, to make any interference show.
Measured: custody appends per second from two threads, and the latency of
GET /api/v1/log/head/ and of a case detail through Django's WSGI handler.
It also times what a head request cost when it signed inline, as it did
before the signer moved to a worker. Progress to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-long-enough-for-the-production-check-01")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")  # plain-HTTP requests, as from behind a TLS proxy


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def signer_loop(interval: float, seconds: float) -> None:
    """The signer's part, in a process of its own: sign whenever the log has grown."""
    import django

    django.setup()
    from evidence import signing

    deadline, signed = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        before = signing.latest_head()
        head = signing.sign_tree_head()
        signed += before is None or head.pk != before.pk
        time.sleep(interval)
    print(signed, flush=True)


def _latencies(client, path: str, calls: int) -> list[float]:
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (path, response.status_code, response.content[:200])
    return times


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def measure(args, client, case_path: str) -> dict[str, float]:
    from bench_log_store import time_appends

    out = {"appends": time_appends(args.appends, 2)}
    for name, path in (("head", "/api/v1/log/head/"), ("case", case_path)):
        _latencies(client, path, 15)  # past psycopg's prepare threshold
        times = _latencies(client, path, args.calls)
        out[f"{name}_p50"], out[f"{name}_p95"] = _p(times, 50), _p(times, 95)
    return out


def run(args, database_url: str) -> None:
    from bench_log_store import fill_log
    from django.test import Client

    from accounts.tokens import token_create
    from evidence import signing
    from tests import factories

    _progress(f"filling {args.leaves:,} leaves with SQL")
    fill_log(args.leaves)
    signing.sign_tree_head()
    team = factories.TeamFactory()
    legal = factories.user_with_role("legal", team=team)
    case = factories.CaseFactory(team=team, created_by=legal)
    _, key = token_create(user=legal, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    case_path = f"/api/v1/cases/{case.reference}/"

    env = {**os.environ, "DATABASE_URL": database_url}
    idle_runs, busy_runs, signed = [], [], 0
    # A and B alternate, so that a log grown by earlier rounds or a warmer cache favours neither.
    for round_ in range(1, args.rounds + 1):
        _progress(f"round {round_}/{args.rounds}, A: no signer running")
        idle_runs.append(measure(args, client, case_path))
        _progress(f"round {round_}/{args.rounds}, B: a signer process signing every {args.interval} s")
        signer = subprocess.Popen(
            [sys.executable, __file__, "--signer-loop", str(args.interval), "--seconds", "600"],
            env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )
        try:
            time.sleep(2.0)  # let it start (Django setup) before timing
            heads_before = signing.latest_head().tree_size
            busy_runs.append(measure(args, client, case_path))
            signed += signing.latest_head().tree_size - heads_before
        finally:
            signer.terminate()
            signer.wait(10)
    assert signed > 0, "the signer process signed nothing while the log grew"
    idle = {key: statistics.median(run[key] for run in idle_runs) for key in idle_runs[0]}
    busy = {key: statistics.median(run[key] for run in busy_runs) for key in busy_runs[0]}

    _progress("what a head request cost when it signed inline")
    inline = []
    for _ in range(30):
        start = time.perf_counter()
        signing.sign_tree_head(force=True)
        inline.append(time.perf_counter() - start)

    def ms(seconds: float) -> str:
        return f"{seconds * 1e3:,.2f} ms"

    rows = [
        ("custody appends, 2 threads", f"{idle['appends']:,.0f}/s", f"{busy['appends']:,.0f}/s",
         f"{busy['appends'] / idle['appends']:.2f}"),
    ]
    for name, label in (("head", "GET /api/v1/log/head/"), ("case", "GET /api/v1/cases/{ref}/")):
        for q in ("p50", "p95"):
            a, b = idle[f"{name}_{q}"], busy[f"{name}_{q}"]
            rows.append((f"{label} {q}", ms(a), ms(b), f"{b / a:.2f}"))
    rows.append(("head request signing inline (before), median", ms(statistics.median(inline)),
                 "", f"{statistics.median(inline) / idle['head_p50']:.1f}x today's head read"))
    print(f"Signer off the request path: PostgreSQL, log of {args.leaves:,}+ entries, "
          f"signer every {args.interval} s in its own process ({signed:,} entries signed in B); "
          f"medians of {args.rounds} alternating rounds")
    print()
    header = ("measure", "A: no signer", "B: signer running", "B / A")
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(4)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leaves", type=int, default=100_000)
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--signer-loop", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=600, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.signer_loop is not None:
        signer_loop(args.signer_loop, args.seconds)
        return

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        parser.error("set DATABASE_URL to a PostgreSQL database")
    key_file = Path("/tmp") / f"bench-signer-key-{os.getpid()}.pem"
    os.environ["LEDGER_SIGNING_KEY_FILE"] = str(key_file)  # the signer process uses the same key
    os.environ["LEDGER_PUBLIC_KEYS_DIR"] = str(Path("/tmp") / f"bench-signer-keys-{os.getpid()}")
    os.environ["LEDGER_WITNESS_DIR"] = str(Path("/tmp") / f"bench-signer-witness-{os.getpid()}")
    settings.LEDGER_SIGNING_KEY_FILE = key_file
    settings.LEDGER_PUBLIC_KEYS_DIR = Path(os.environ["LEDGER_PUBLIC_KEYS_DIR"])
    settings.LEDGER_WITNESS_DIR = os.environ["LEDGER_WITNESS_DIR"]
    settings.ALLOWED_HOSTS = ["testserver"]
    _progress(f"creating scratch database test_{connection.settings_dict['NAME']}")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    s = connection.settings_dict
    database_url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    try:
        run(args, database_url)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        key_file.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
