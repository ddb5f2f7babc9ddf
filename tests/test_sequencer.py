"""The sequenced log: appends queue their entries, one sequencer under a lease integrates
them in batches and signs a head per batch. No gap, none twice, the RFC 9162 reference root,
pending until integrated and proven under a signed head after; a batch that fails redoes
whole; a second sequencer waits. (Real processes killed mid-batch, concurrent writers and
real workers: tests/integration/test_sequencer_workers.py.)"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from evidence import export, ledger, log_store, sequencer, signing
from evidence.custody import custody_append, custody_append_many, event_body, leaf_bytes, verify_chain
from evidence.models import CustodyEvent, LogNode, SequencerLease, TreeHead
from tests.factories import CaseFactory, sealed_item

pytestmark = pytest.mark.usefixtures("own_ledger")


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator, reference="UA-2024-0101")


@pytest.fixture
def items(case, investigator, sequenced):
    """Three sealed items whose entries are all still queued."""
    return [sealed_item(actor=investigator, case=case, data=f"bytes {n}".encode(), filename=f"c{n}.mp4")
            for n in range(3)]


def reference_root(events: list[CustodyEvent]) -> bytes:
    """RFC 9162 MTH over the entries in log order, from the pure reference (not the stored nodes)."""
    return ledger.root_from_leaves([ledger.leaf_hash(leaf_bytes(event_body(e), e.entry_hash)) for e in events])


def assert_log_is_whole() -> list[CustodyEvent]:
    """Every entry integrated once, indexes 0..n-1 with no gap, the stored root equal to the
    reference root, each chain in log order, and every entry proven under the latest signed head."""
    events = list(CustodyEvent.objects.order_by("log_index"))
    assert all(e.log_index is not None for e in events)
    assert [e.log_index for e in events] == list(range(len(events)))
    assert log_store.size() == len(events)
    assert log_store.root() == reference_root(events)
    for item_id in {e.item_id for e in events}:
        chain = [e.log_index for e in sorted((e for e in events if e.item_id == item_id), key=lambda e: e.seq)]
        assert chain == sorted(chain), "an item's entries took log indexes out of chain order"
    head = signing.latest_head()
    assert head is not None and head.tree_size == len(events)
    assert signing.head_signature_ok(head)
    assert bytes.fromhex(head.root_hash) == reference_root(events)
    proofs = log_store.inclusion_proofs(range(len(events)), head.tree_size)
    for e in events:
        leaf = signing.entry_leaf_hash(e)
        assert ledger.verify_inclusion(leaf, e.log_index, head.tree_size, proofs[e.log_index],
                                       bytes.fromhex(head.root_hash))
    return events


def test_an_append_only_queues_its_entry_and_takes_no_global_lock(items, investigator, django_assert_num_queries):
    assert CustodyEvent.objects.filter(log_index__isnull=False).count() == 0
    assert log_store.size() == 0 and TreeHead.objects.count() == 0
    with CaptureLogState() as seen:
        custody_append(item=items[0], action="transfer", user=investigator)
    assert seen.touched == [], "a writer touched the log's state row"
    assert sequencer.pending_count() == CustodyEvent.objects.count()


class CaptureLogState:
    """Records the queries that read or lock the LogState row or write log nodes."""

    def __enter__(self):
        from django.test.utils import CaptureQueriesContext

        self.context = CaptureQueriesContext(connection)
        self.context.__enter__()
        return self

    def __exit__(self, *exc):
        self.context.__exit__(*exc)
        self.touched = [q["sql"] for q in self.context.captured_queries
                        if "evidence_logstate" in q["sql"] or "evidence_lognode" in q["sql"]]


def test_the_sequencer_integrates_everything_with_no_gap_and_the_reference_root(items, investigator):
    for n in range(5):
        custody_append(item=items[n % 3], action="transfer", user=investigator, details={"n": n})
    queued = CustodyEvent.objects.count()
    done = sequencer.run()
    assert done.integrated == queued and done.tree_size == queued and not done.lost_lease
    assert sequencer.pending_count() == 0
    events = assert_log_is_whole()
    assert all(verify_chain(item).ok for item in items)
    # Run again: nothing pending, nothing integrated twice, no new head.
    heads = TreeHead.objects.count()
    again = sequencer.run()
    assert again.integrated == 0 and TreeHead.objects.count() == heads
    assert [e.log_index for e in CustodyEvent.objects.order_by("log_index")] == [e.log_index for e in events]


def test_it_signs_one_head_per_batch_each_consistent_with_the_last(items, investigator, settings):
    for n in range(7):
        custody_append(item=items[0], action="transfer", user=investigator, details={"n": n})
    total = CustodyEvent.objects.count()  # 3 items x 3 entries + 7
    done = sequencer.run(batch=4)
    expected = list(range(4, total, 4)) + [total]
    assert done.batches == len(expected) and done.heads == expected
    heads = list(TreeHead.objects.order_by("tree_size"))
    assert [h.tree_size for h in heads] == expected
    for old, new in zip(heads, heads[1:], strict=False):
        proof = log_store.consistency_proof(old.tree_size, new.tree_size)
        assert ledger.verify_consistency(old.tree_size, new.tree_size, bytes.fromhex(old.root_hash),
                                         bytes.fromhex(new.root_hash), proof)
    assert_log_is_whole()


def test_every_reader_says_pending_until_the_entry_is_integrated(items, legal, investigator):
    item = items[0]
    sequencer.run()  # a head for the first entries
    entry = custody_append(item=item, action="transfer", user=investigator)
    assert entry.log_index is None
    client = APIClient()
    client.force_authenticate(legal)

    custody = client.get(f"/api/v1/evidence/{item.pk}/custody/").json()
    rows = custody["results"] if isinstance(custody, dict) else custody
    last = rows[-1]
    assert last["entry_hash"] == entry.entry_hash and last["log_index"] is None and last["log_pending"] is True
    assert all(row["log_pending"] is False for row in rows[:-1])

    proof = client.get(f"/api/v1/log/proof/inclusion/?entry_hash={entry.entry_hash}")
    assert proof.status_code == 409 and "pending" in proof.json()["detail"]

    head = client.get("/api/v1/log/head/").json()
    assert head["entries_queued"] == 1 and head["entries_pending"] == 1

    verified = client.post(f"/api/v1/evidence/{item.pk}/verify/").json()
    assert verified["log"]["ok"] is True and verified["log"]["pending"] == [entry.seq, entry.seq + 1]
    assert verified["signed_head"]["ok"] is True and verified["signed_head"]["entries_queued"] == 2
    assert verified["ok"] is True  # pending is not a fault
    assert TreeHead.objects.count() == 1, "a web request signed a head"
    assert sequencer.pending_count() == 2  # and none integrated one

    sequencer.run()
    proof = client.get(f"/api/v1/log/proof/inclusion/?entry_hash={entry.entry_hash}").json()
    assert ledger.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), proof["log_index"], proof["tree_size"],
                                   [bytes.fromhex(h) for h in proof["audit_path"]],
                                   bytes.fromhex(proof["head"]["root_hash"]))
    report = signing.check_item_against_head(item)
    assert report["ok"] and report["entries_pending"] == 0
    assert report["entries_checked"] == CustodyEvent.objects.filter(item=item).count()


def test_verify_integrity_counts_pending_entries_without_calling_them_faults(items, capsys):
    from django.core.management import call_command

    call_command("verify_integrity")
    out = capsys.readouterr().out
    assert f"{CustodyEvent.objects.count()} custody entries are pending" in out
    sequencer.run()
    call_command("verify_integrity")
    assert "pending" not in capsys.readouterr().out


def test_a_batch_that_fails_midway_leaves_nothing_and_the_next_run_redoes_it(items, monkeypatch):
    total = CustodyEvent.objects.count()
    original = log_store.integrate_leaf_hashes

    def nodes_then_die(first, leaves):
        original(first, leaves)  # the nodes and the size are written...
        raise RuntimeError("killed mid-batch")  # ...and the process dies before the indexes and the commit

    monkeypatch.setattr(log_store, "integrate_leaf_hashes", nodes_then_die)
    with pytest.raises(RuntimeError):
        sequencer.run()
    monkeypatch.undo()
    assert sequencer.pending_count() == total
    assert log_store.size() == 0 and LogNode.objects.count() == 0 and TreeHead.objects.count() == 0
    assert sequencer.lease_holder() is None  # released on the way out (a killed one would expire instead)
    assert sequencer.run().integrated == total
    assert_log_is_whole()


def test_a_holder_that_died_after_its_commit_but_before_signing_is_covered_by_the_next(items):
    with transaction.atomic():
        sequencer.integrate_batch()
    assert TreeHead.objects.count() == 0 and sequencer.pending_count() == 0
    done = sequencer.run()
    assert done.integrated == 0 and done.heads == [CustodyEvent.objects.count()]
    assert_log_is_whole()


def test_a_second_sequencer_waits_while_the_lease_is_held_and_takes_over_when_it_expires(items):
    assert sequencer.acquire("worker-a")
    assert not sequencer.acquire("worker-b")
    assert sequencer.run(holder="worker-b") is None  # the other works; this one returns at once
    assert sequencer.pending_count() == CustodyEvent.objects.count()
    with pytest.raises(sequencer.IntegrationTimeout):
        sequencer.integrate_pending(holder="worker-b", timeout=0.3)
    # worker-a dies: its lease runs out and worker-b takes over.
    SequencerLease.objects.filter(name=sequencer.LEASE).update(expires_at=timezone.now() - timedelta(seconds=1))
    done = sequencer.run(holder="worker-b")
    assert done.integrated == CustodyEvent.objects.count()
    assert sequencer.lease_holder() is None
    assert not sequencer.renew("worker-a")  # the dead holder cannot renew a lease it lost
    assert_log_is_whole()


def test_a_holder_that_lost_its_lease_stops_before_integrating(items):
    assert sequencer.acquire("slow")
    SequencerLease.objects.filter(name=sequencer.LEASE).update(holder="faster")
    original = sequencer.acquire
    done = None
    try:
        sequencer.acquire = lambda holder, seconds=None: True  # it believed it held the lease
        done = sequencer.run(holder="slow")
    finally:
        sequencer.acquire = original
    assert done.lost_lease and done.integrated == 0
    assert sequencer.lease_holder()[0] == "faster"


def test_the_database_lets_only_a_pending_entrys_log_index_be_set_once(items, investigator):
    table = CustodyEvent._meta.db_table
    entry = CustodyEvent.objects.order_by("id").first()

    def update(sql, params):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {sql} WHERE id = %s", [*params, entry.pk])

    for sql, params in [("action = %s", ["deaccession"]),
                        ("log_index = %s, details = %s", [5, '{"forged": true}']),
                        ("log_index = NULL", [])]:
        with pytest.raises((DatabaseError, IntegrityError)):
            update(sql, params)
    update("log_index = %s", [0])  # the one change there is: null to a value
    for sql, params in [("log_index = %s", [1]), ("log_index = NULL", []), ("actor = %s", ["user:nobody"])]:
        with pytest.raises((DatabaseError, IntegrityError)):
            update(sql, params)
    other = CustodyEvent.objects.exclude(pk=entry.pk).order_by("id").first()
    with pytest.raises((DatabaseError, IntegrityError)):  # no log index twice
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET log_index = 0 WHERE id = %s", [other.pk])
    with pytest.raises(PermissionError):
        CustodyEvent.objects.filter(pk=other.pk).update(log_index=1)
    with pytest.raises((DatabaseError, IntegrityError)):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [other.pk])


def test_the_embedded_default_integrates_in_the_writer_and_signs_nothing(case, investigator, settings):
    settings.LEDGER_INTEGRATE_IN_WRITER = True
    item = sealed_item(actor=investigator, case=case, data=b"embedded", filename="e.mp4")
    entries = custody_append_many(item=item, entries=[{"action": "transfer"}, {"action": "fixity_check"}],
                                  user=investigator)
    assert all(e.log_index is not None for e in entries)
    assert sequencer.pending_count() == 0 and TreeHead.objects.count() == 0
    assert log_store.root() == reference_root(list(CustodyEvent.objects.order_by("log_index")))


def test_an_append_nudges_a_worker_but_never_runs_the_sequencer_in_process(items, investigator, settings,
                                                                         monkeypatch, django_capture_on_commit_callbacks):
    from evidence import ledger_tasks

    sent = []
    monkeypatch.setattr(ledger_tasks.integrate_log, "delay", lambda: sent.append(1))
    monkeypatch.setattr(sequencer, "_last_trigger", 0.0)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with django_capture_on_commit_callbacks(execute=True):
        custody_append(item=items[0], action="transfer", user=investigator)
    assert sent == [1]
    settings.CELERY_TASK_ALWAYS_EAGER = True  # in-process tasks: a nudge would sign inside the request
    monkeypatch.setattr(sequencer, "_last_trigger", 0.0)
    with django_capture_on_commit_callbacks(execute=True):
        custody_append(item=items[0], action="transfer", user=investigator)
    assert sent == [1] and sequencer.pending_count() == CustodyEvent.objects.count()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="verify.py needs the openssl command")
def test_the_export_builder_integrates_what_is_pending_before_it_packs(case, items, legal, tmp_path):
    bag = export.build_bag(case=case, directory=tmp_path / "package", user=legal, package_id="p").path
    assert sequencer.pending_count() == 0
    assert_log_is_whole()
    result = subprocess.run([sys.executable, "-I", str(bag / "verify.py"), str(bag)], capture_output=True,
                            text=True, cwd=bag.parent)
    assert result.returncode == 0, result.stdout
