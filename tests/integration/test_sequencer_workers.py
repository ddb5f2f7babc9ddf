"""The sequencer on PostgreSQL with real processes: one killed with SIGKILL mid-batch (inside its
transaction, holding the lease), two started at the same moment, and real Celery workers
with beat integrating while four writers append, the first worker killed mid-batch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from evidence import sequencer
from evidence.custody import custody_append, verify_chain
from evidence.models import CustodyEvent, TreeHead
from tests.factories import CaseFactory, sealed_item
from tests.integration.workers import BASE_DIR, Worker, wait_for, worker_database_url
from tests.test_sequencer import assert_log_is_whole

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("own_ledger")]


@pytest.fixture
def items(services, sequenced, team, investigator, monkeypatch):
    """Sealed items whose entries are queued (committed, so other processes see them)."""
    from evidence import tasks

    monkeypatch.setattr(tasks.ingest, "delay", lambda *a, **k: None)  # sealed by the factory, not a worker
    monkeypatch.setattr(sequencer, "after_append", lambda: None)  # these tests' sequencers run on their own
    case = CaseFactory(team=team, created_by=investigator, reference="UA-2024-0202")
    return [sealed_item(actor=investigator, case=case, data=f"bytes {n}".encode(), filename=f"s{n}.mp4")
            for n in range(4)]


def ledger_env(settings, **extra) -> dict[str, str]:
    """What a process of ours needs to reach the test database and sign with the test's key."""
    return {
        "DATABASE_URL": worker_database_url(),
        "SECRET_KEY": os.environ.get("SECRET_KEY", "test-only-secret-key"),
        "DEBUG": "0",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LEDGER_SIGNING_KEY": "",
        "LEDGER_SIGNING_KEY_FILE": str(settings.LEDGER_SIGNING_KEY_FILE),
        "LEDGER_PUBLIC_KEYS_DIR": str(settings.LEDGER_PUBLIC_KEYS_DIR),
        "LEDGER_WITNESS_DIR": str(settings.LEDGER_WITNESS_DIR),
        "LEDGER_TSA_URL": "",
        "PYTHONUNBUFFERED": "1",
        **{k: str(v) for k, v in extra.items()},
    }


def start_script(code: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "manage.py", "shell", "-c", code], cwd=BASE_DIR,
                                env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


DIES_MID_BATCH = """
import time
from django.db import transaction
from evidence import sequencer
assert sequencer.acquire("doomed", seconds=4)
with transaction.atomic():
    assigned = sequencer.integrate_batch()
    print("MID-BATCH", len(assigned), flush=True)
    time.sleep(600)
"""


def test_a_sequencer_killed_mid_batch_is_redone_by_the_next_nothing_twice_nothing_skipped(
    items, settings, tmp_path
):
    total = CustodyEvent.objects.count()
    log = tmp_path / "doomed.log"
    doomed = start_script(DIES_MID_BATCH, ledger_env(settings), log)
    try:
        wait_for(lambda: "MID-BATCH" in log.read_text(), 60, f"the sequencer never got mid-batch:\n{log.read_text()}")
        assert f"MID-BATCH {total}" in log.read_text()  # it wrote indexes and nodes for every entry...
        assert sequencer.pending_count() == total  # ...which nobody sees: not committed
        assert sequencer.run(holder="next") is None  # it holds the lease: the next one waits
    finally:
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait(10)
    assert sequencer.lease_holder()[0] == "doomed"  # a killed holder keeps it until it expires
    done = wait_for(lambda: sequencer.run(holder="next"), 30, "the lease was never taken over", interval=0.5)
    assert done.integrated == total and done.heads == [total]
    assert_log_is_whole()


RUN_AT = """
import json, os, time
from evidence import sequencer
time.sleep(max(0.0, float(os.environ["START_AT"]) - time.time()))
done = sequencer.run(holder=os.environ["HOLDER"])
print("RESULT", json.dumps(None if done is None else done.integrated), flush=True)
"""


def test_two_sequencers_started_at_once_one_works_the_other_returns(items, settings, tmp_path):
    total = CustodyEvent.objects.count()
    start_at = time.time() + 10  # both have loaded Django by then, and start together
    procs = []
    for name in ("first", "second"):
        env = ledger_env(settings, START_AT=start_at, HOLDER=name, LEDGER_SEQUENCER_BATCH_DELAY=2)
        procs.append((start_script(RUN_AT, env, tmp_path / f"{name}.log"), tmp_path / f"{name}.log"))
    results = []
    for proc, log in procs:
        proc.wait(90)
        line = [x for x in log.read_text().splitlines() if x.startswith("RESULT ")]
        assert line, log.read_text()
        results.append(json.loads(line[0].removeprefix("RESULT ")))
    assert sorted(results, key=lambda r: r is None) == [total, None], results
    assert TreeHead.objects.count() == 1
    assert_log_is_whole()


def append_from_threads(items, user, writers: int, each: int) -> list[BaseException]:
    errors: list[BaseException] = []

    def write(w: int) -> None:
        try:
            for n in range(each):
                custody_append(item=items[(w + n) % len(items)], action="transfer", user=user,
                               details={"writer": w, "n": n})
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return errors


def test_real_workers_integrate_while_four_writers_append_and_one_worker_is_killed_mid_batch(
    items, investigator, settings, started, queue, redis_url, tmp_path
):
    timing = {"LEDGER_SEQUENCER_INTERVAL_SECONDS": "0.5", "LEDGER_SEQUENCER_LEASE_SECONDS": "6",
              "LEDGER_SEQUENCER_BATCH": "25"}
    first = started(Worker(redis_url=redis_url, queue=queue, log_dir=tmp_path, beat=True,
                           extra_env=ledger_env(settings, **timing, LEDGER_SEQUENCER_BATCH_DELAY=3)))
    writers: list[BaseException] = []
    appending = threading.Thread(target=lambda: writers.extend(append_from_threads(items, investigator, 4, 30)))
    appending.start()
    held = wait_for(sequencer.lease_holder, 90, f"the first worker never took the lease:\n{first.log()[-3000:]}")
    time.sleep(1.5)  # inside its first batch, which sleeps 3 s before it commits
    first.kill()
    assert sequencer.lease_holder()[0] == held[0]
    second = started(Worker(redis_url=redis_url, queue=queue, log_dir=tmp_path, beat=True,
                            extra_env=ledger_env(settings, **timing)))
    appending.join(180)
    assert not writers, writers

    def all_proven() -> bool:
        head = TreeHead.objects.order_by("-tree_size").first()
        return sequencer.pending_count() == 0 and head is not None and head.tree_size == CustodyEvent.objects.count()

    wait_for(all_proven, 120, f"the second worker did not integrate everything:\n{second.log()[-3000:]}")
    events = assert_log_is_whole()
    assert len(events) == CustodyEvent.objects.count() >= 4 * 30
    assert all(verify_chain(item).ok for item in items)
    took_over = {h for h in [sequencer.lease_holder()] if h}
    assert all(h[0] != held[0] for h in took_over)
    assert django_settings.LEDGER_INTEGRATE_IN_WRITER is False
