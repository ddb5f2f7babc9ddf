"""How close evidence.hashing comes to what the machine can do.

    python bench/bench_hashing.py [--size-mib 1024] [--memory-mib 4096] [--quick] [--emulate-no-sha]

Hashes one file of random data from page cache with each digest alone
(hashlib, and `openssl dgst -<digest>`); with our digest_path through one
reader feeding threads of whole digests, in the old fixed layout (before) and
in the grouping chosen from this host's measured speeds; and with
digest_path as it hashes a stored file now (after: threads that each map the
file and follow the host's split schedule, where a digest may pass from one
thread to another halfway: evidence/hash_layout.py split_schedule); and
sha256_stream against `openssl dgst -sha256`, interleaving the repeats so
that a noisy neighbour hurts every contender alike. The machine's limit for
four digests is the ideal split of the per-digest times over the cores:
max(slowest digest, sum / cores). Then measures the peak RSS of a child
process running digest_path over a large sparse file. --emulate-no-sha runs
it all with OpenSSL's SHA extensions masked (OPENSSL_ia32cap), as on a CPU
without them. Progress goes to stderr, the table to stdout. GB are 10^9
bytes, MiB 2^20.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Imported after the path is set, so that the script runs from anywhere.
hashing = importlib.import_module("evidence.hashing")
hash_layout = importlib.import_module("evidence.hash_layout")
# The layout every host had before it was chosen from measured speeds.
FIXED_LAYOUT = [["md5", "sha1"], ["sha512", "sha256"]]
NO_SHA_EXTENSIONS = ":~0x20000000"  # OPENSSL_ia32cap: CPUID(7).EBX bit 29, the SHA extensions

MIB = 1 << 20
SINGLES = ("sha256", "sha1", "sha512", "md5")
LIMIT_GOAL = 0.90
OPENSSL_GOAL = 0.95
BEFORE = "ours 4 digests, fixed layout (before)"
RING = "ours 4 digests, host layout, one reader"
AFTER = "ours 4 digests, host schedule (after)"
MEMORY_GOAL_MB = 100

CHILD = """
import resource, sys
from evidence.hashing import digest_path
if sys.argv[1] != "-":
    digest_path(sys.argv[1])
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open("/proc/self/status") as status:
        peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except OSError:
    pass
print(peak_kib)
"""


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def hashlib_alone(name: str, path: Path) -> str:
    hasher = hashlib.new(name)
    buffer = bytearray(MIB)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as stream:
        while count := stream.readinto(buffer):
            hasher.update(view[:count])
    return hasher.hexdigest()


def ours_sha256(path: Path) -> str:
    with open(path, "rb", buffering=0) as stream:
        return hashing.sha256_stream(stream)[0]


def openssl_sha256(path: Path) -> str:
    return openssl_dgst("sha256", path)


def openssl_dgst(name: str, path: Path) -> str:
    out = subprocess.run(["openssl", "dgst", f"-{name}", str(path)], check=True, capture_output=True, text=True)
    return out.stdout.strip().rsplit(" ", 1)[-1].lower()


def ours_in_layout(layout, path: Path):
    """digest_path through the one-reader ring, with the digests grouped as `layout` says."""
    key = (tuple(hashing.ALGORITHMS), hashing._cpu_count())
    saved, saved_min = hashing._layouts.get(key), hashing.SPLIT_MIN_BYTES
    hashing._layouts[key] = [list(group) for group in layout]
    hashing.SPLIT_MIN_BYTES = 1 << 62  # never the mapped, split schedule
    try:
        return hashing.digest_path(path)
    finally:
        hashing.SPLIT_MIN_BYTES = saved_min
        hashing._layouts.pop(key, None)
        if saved is not None:
            hashing._layouts[key] = saved


def make_random_file(path: Path, size: int) -> None:
    with open(path, "wb") as out:
        left = size
        while left:
            out.write(os.urandom(min(left, 16 * MIB)))
            left -= min(left, 16 * MIB)
    with open(path, "rb", buffering=0) as warm:  # into page cache
        while warm.read(16 * MIB):
            pass


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy, or 0 where unknown."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return 0.0
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # less idle and iowait


def own_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def time_all(
    cases: dict[str, Callable[[], object]], repeats: int
) -> tuple[dict[str, list[tuple[float, float]]], dict[str, object]]:
    """(wall seconds, CPU seconds other processes used meanwhile) per run."""
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    results: dict[str, object] = {}
    for round_ in range(repeats):
        for name, run in cases.items():
            busy, own, start = busy_seconds(), own_seconds(), time.perf_counter()
            results[name] = run()
            wall = time.perf_counter() - start
            others = max(0.0, busy_seconds() - busy - (own_seconds() - own))
            runs[name].append((wall, others))
            say(f"  round {round_ + 1}/{repeats} {name}: {wall:.3f} s (other processes used {others:.2f} CPU s)")
    return runs, results


def peak_rss_kib(path: str) -> int:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, path], check=True, capture_output=True, text=True, cwd=ROOT, env=env
    )
    return int(out.stdout.strip())


def _shown(schedule) -> str:
    """[[md5], [sha512 0-57%, sha1, sha256]]: each thread's pieces, whole digests by name."""
    def piece(name, lo, hi):
        return name if (lo, hi) == (0.0, 1.0) else f"{name} {lo:.0%}-{hi:.0%}"
    return "[" + ", ".join("[" + ", ".join(piece(*p) for p in pieces) + "]" for pieces in schedule) + "]"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=1024, help="size of the timed file (default 1024)")
    parser.add_argument("--memory-mib", type=int, default=4096, help="size of the memory-test file (default 4096)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="64 MiB timed file, 256 MiB memory test")
    parser.add_argument("--tmpdir", default=None, help="where to put the temporary files")
    parser.add_argument("--emulate-no-sha", action="store_true",
                        help="mask OpenSSL's use of the SHA extensions, as on a CPU without them")
    args = parser.parse_args()
    if args.emulate_no_sha and os.environ.get("OPENSSL_ia32cap") != NO_SHA_EXTENSIONS:
        # OpenSSL reads the mask once, when it starts: run again with it set.
        env = dict(os.environ, OPENSSL_ia32cap=NO_SHA_EXTENSIONS)
        return subprocess.run([sys.executable, *sys.argv], env=env).returncode
    if args.quick:
        args.size_mib, args.memory_mib = 64, 256
    size = args.size_mib * MIB
    cpus = os.cpu_count() or 1
    has_openssl = shutil.which("openssl") is not None
    load_before = os.getloadavg()[0]

    with tempfile.TemporaryDirectory(prefix="bench-hashing-", dir=args.tmpdir) as tmp:
        path = Path(tmp) / "random.bin"
        say(f"writing {args.size_mib} MiB of random data to {path} and reading it once")
        make_random_file(path, size)

        # Measured afresh, as a worker does at its first start on a host.
        speeds = hash_layout.cached_speeds(Path(tmp) / "hash-speeds.json", hashing.ALGORITHMS)
        hashing.use_speeds(speeds)
        host_layout = hashing._layout(hashing.ALGORITHMS, hashing._cpu_count())
        schedule = hash_layout.split_schedule(speeds, hashing.ALGORITHMS, hashing._cpu_count())
        cases: dict[str, Callable[[], object]] = {
            f"hashlib {n} alone": (lambda n=n: hashlib_alone(n, path)) for n in SINGLES
        }
        if has_openssl:
            cases.update({f"openssl dgst -{n}": (lambda n=n: openssl_dgst(n, path)) for n in SINGLES})
        cases[BEFORE] = lambda: ours_in_layout(FIXED_LAYOUT, path)
        cases[RING] = lambda: ours_in_layout(host_layout, path)
        cases[AFTER] = lambda: hashing.digest_path(path)  # as the pipeline hashes a stored file
        cases["ours sha256_stream"] = lambda: ours_sha256(path)
        say(f"timing, best and median of {args.repeats}; host layout {host_layout}, schedule {schedule}")
        runs, results = time_all(cases, args.repeats)

        for ours_name in (BEFORE, RING, AFTER):
            ours = results[ours_name]
            for name in SINGLES:
                assert getattr(ours, name) == results[f"hashlib {name} alone"], f"{name} differs from hashlib"
                if has_openssl:
                    assert getattr(ours, name) == results[f"openssl dgst -{name}"], f"{name} differs from openssl"
        assert results["ours sha256_stream"] == results[AFTER].sha256
        path.unlink()

        memory_path = Path(tmp) / "sparse.bin"
        with open(memory_path, "wb") as sparse:
            sparse.truncate(args.memory_mib * MIB)
        say(f"peak RSS of a child hashing a {args.memory_mib} MiB sparse file")
        baseline_kib = peak_rss_kib("-")
        start = time.perf_counter()
        peak_kib = peak_rss_kib(str(memory_path))
        memory_seconds = time.perf_counter() - start

    load_after = os.getloadavg()[0]
    best = {name: min(wall for wall, _ in rs) for name, rs in runs.items()}
    median = {name: statistics.median(wall for wall, _ in rs) for name, rs in runs.items()}
    noise = {name: max(others for _, others in rs) for name, rs in runs.items()}

    def gbps(seconds: float) -> float:
        return size / seconds / 1e9

    print(
        f"Hashing {args.size_mib} MiB from page cache, {cpus} CPUs, {args.repeats} rounds"
        f"{' (SHA extensions masked: OPENSSL_ia32cap=' + NO_SHA_EXTENSIONS + ')' if args.emulate_no_sha else ''}; "
        f"layout before {FIXED_LAYOUT}; from measured speeds: one reader {host_layout}, "
        f"after (each thread maps its pieces) {_shown(schedule)}"
    )
    print("measured speeds, GB/s: " + ", ".join(f"{n} {v / 1e9:.2f}" for n, v in speeds.items()))
    # Other work on the machine skews the ratios, the threaded ones most:
    # show how busy it was (last column: most CPU s others took in one run).
    print(f"1-minute load average {load_before:.2f} before, {load_after:.2f} after")
    print()
    print(f"| {'what':<36} | {'best s':>7} | {'median s':>8} | {'GB/s best':>9} | {'GB/s med':>8} | {'others s':>8} |")
    print(f"|{'-' * 38}|{'-' * 9}|{'-' * 10}|{'-' * 11}|{'-' * 10}|{'-' * 10}|")
    for name in cases:
        print(
            f"| {name:<36} | {best[name]:7.3f} | {median[name]:8.3f} | {gbps(best[name]):9.3f} | "
            f"{gbps(median[name]):8.3f} | {noise[name]:8.2f} |"
        )
    print()

    yardsticks = [("hashlib", "hashlib {} alone")] + ([("openssl", "openssl dgst -{}")] if has_openssl else [])
    print(f"| {'four digests in one pass: limit / ours':<44} | {'before':>7} | {'1 reader':>8} | {'after':>7} "
          f"| {'goal':>6} |")
    print(f"|{'-' * 46}|{'-' * 9}|{'-' * 10}|{'-' * 9}|{'-' * 8}|")
    for label, pick in (("best", best), ("median", median)):
        for source, pattern in yardsticks:
            singles = [pick[pattern.format(n)] for n in SINGLES]
            limit = max(max(singles), sum(singles) / cpus)
            ratios = [limit / pick[name] for name in (BEFORE, RING, AFTER)]
            what = f"{label}, limit from {source} ({limit:.3f} s)"
            print(f"| {what:<44} | {ratios[0]:7.2f} | {ratios[1]:8.2f} | {ratios[2]:7.2f} "
                  f"| {'>= ' + str(LIMIT_GOAL):>6} |")
    for label, pick in (("best", best), ("median", median)):
        if has_openssl:
            ratio = pick["openssl dgst -sha256"] / pick["ours sha256_stream"]
            print(
                f"{label:>6}: sha256 openssl {pick['openssl dgst -sha256']:.3f} s / ours "
                f"{pick['ours sha256_stream']:.3f} s = {ratio:.2f} (goal >= {OPENSSL_GOAL}: "
                f"{verdict(ratio >= OPENSSL_GOAL)})"
            )
    if not has_openssl:
        print("openssl not found: SHA-256 comparison skipped")
    peak_mb = peak_kib * 1024 / 1e6
    print(
        f"memory: peak RSS (VmHWM) hashing {args.memory_mib} MiB = {peak_mb:.1f} MB "
        f"(interpreter + import alone {baseline_kib * 1024 / 1e6:.1f} MB; "
        f"{args.memory_mib * MIB / memory_seconds / 1e9:.2f} GB/s, cold sparse file, incl. start-up) "
        f"(goal < {MEMORY_GOAL_MB} MB: {verdict(peak_mb < MEMORY_GOAL_MB)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
