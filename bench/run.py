"""Run every bench/bench_*.py in turn with short ("quick-ish") options and print their tables.

    python bench/run.py [--full] [--only NAME ...]

`make bench` runs this. Each script is run as a subprocess with the options
below (a script not listed gets --quick if its --help offers it, else its
defaults); its progress goes to stderr, its table to stdout. --full runs
every script with its own defaults (and FULL's options), and adds the ones
too slow for a quick run: the API over HTTP under gunicorn at 1, 8 and 32
clients (bench_http.py, needs `wrk`) and the custody log at 10 million
entries (bench_log_scale.py, ~10 GB while it runs). Exits non-zero if any
script failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# Options that keep each run to a minute or two on the 2-core machine.
QUICK = {
    "bench_hashing.py": ["--quick"],
    "bench_ledger.py": ["--leaves", "100000", "--samples", "300", "--naive-runs", "1"],
    "bench_log_store.py": ["--leaves", "100000", "--appends", "500", "--samples", "100"],
    "bench_api.py": ["--calls", "100"],
    # Filings through the API under gunicorn, 4 HTTP clients: 5 s per series, before and after.
    "bench_filing.py": ["--quick"],
    "bench_pipeline.py": ["--quick"],
    "bench_sequencer.py": ["--seconds", "5", "--backlog-seconds", "8", "--latency-samples", "20"],
    "bench_signer.py": ["--leaves", "20000", "--appends", "500", "--calls", "100", "--rounds", "2"],
}

# Only in --full: minutes each, and gigabytes of database.
FULL_ONLY = {"bench_http.py", "bench_log_scale.py"}
FULL = {"bench_log_scale.py": ["--drop"]}


def options_for(script: Path) -> list[str]:
    if script.name in QUICK:
        return QUICK[script.name]
    try:
        usage = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True,
                               timeout=60, cwd=ROOT).stdout
    except subprocess.TimeoutExpired:
        return []
    return ["--quick"] if "--quick" in usage else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="each script's own defaults (slow)")
    parser.add_argument("--only", nargs="*", default=None, help="script names (e.g. bench_pipeline)")
    args = parser.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        wanted = {name.removesuffix(".py") for name in args.only}
        scripts = [s for s in scripts if s.stem in wanted]
    elif not args.full:
        skipped = [s.name for s in scripts if s.name in FULL_ONLY]
        scripts = [s for s in scripts if s.name not in FULL_ONLY]
        print(f"(quick run: {', '.join(skipped)} only with --full)", flush=True)
    failed = []
    for script in scripts:
        command = [sys.executable, str(script), *(FULL.get(script.name, []) if args.full else options_for(script))]
        print(f"\n=== {script.name} {' '.join(command[2:])}".rstrip(), flush=True)
        started = time.monotonic()
        result = subprocess.run(command, cwd=ROOT)
        print(f"--- {script.name}: exit {result.returncode} after {time.monotonic() - started:.0f} s", flush=True)
        if result.returncode:
            failed.append(script.name)
    if failed:
        print(f"\nFailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
