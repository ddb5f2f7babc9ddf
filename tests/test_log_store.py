"""The Merkle log in the database: same answers as the pure tree, few queries, serialised appends."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evidence import ledger, log_store
from evidence.custody import custody_append, event_body, leaf_bytes
from evidence.models import CustodyEvent
from evidence.services import evidence_register
from tests import factories
from tests.factories import CaseFactory


def _entries(n: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(n)]


def test_it_gives_the_same_roots_and_proofs_as_the_in_memory_tree(db):
    memory = ledger.MemoryTree()
    for entry in _entries(37):
        assert log_store.append_leaf(entry) == memory.append(entry)
    assert log_store.size() == 37
    for size in (1, 2, 5, 16, 31, 37):
        assert log_store.root(size) == memory.root(size)
        for index in (0, size // 2, size - 1):
            assert log_store.inclusion_proof(index, size) == memory.inclusion_proof(index, size)
        for old in (0, 1, size // 3, size - 1, size):
            assert log_store.consistency_proof(old, size) == memory.consistency_proof(old, size)
    many = log_store.inclusion_proofs(range(37), 37)
    assert all(many[i] == memory.inclusion_proof(i, 37) for i in range(37))
    assert log_store.leaves([0, 36]) == {0: memory.get_node(0, 0), 36: memory.get_node(0, 36)}


def test_it_reads_the_nodes_of_a_root_or_proof_in_one_query(db, django_assert_num_queries):
    for entry in _entries(1000):
        log_store.append_leaf(entry)
    # one query for the log's size, one for every node the answer needs
    with django_assert_num_queries(2):
        root = log_store.root()
    with django_assert_num_queries(2):
        proof = log_store.inclusion_proof(617, 1000)
    with django_assert_num_queries(2):
        consistency = log_store.consistency_proof(300, 1000)
    with django_assert_num_queries(2):
        proofs = log_store.inclusion_proofs(range(0, 1000, 7), 1000)
    assert ledger.verify_inclusion(log_store.leaf(617), 617, 1000, proof, root)
    assert ledger.verify_consistency(300, 1000, log_store.root(300), root, consistency)
    assert all(ledger.verify_inclusion(log_store.leaf(i), i, 1000, p, root) for i, p in proofs.items())


def test_an_append_reads_its_left_siblings_in_one_query(db):
    for entry in _entries(7):
        log_store.append_leaf(entry)
    # leaf 7 completes three nodes: lock the state, read 3 siblings at once, insert, bump the size
    with CaptureQueriesContext(connection) as queries:
        assert log_store.append_leaf(b"the eighth") == 7
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"].upper()]
    assert len(statements) == 4, statements
    memory = ledger.MemoryTree()
    for entry in [*_entries(7), b"the eighth"]:
        memory.append(entry)
    assert log_store.root() == memory.root()


def test_it_refuses_sizes_and_indexes_outside_the_log(db):
    for entry in _entries(5):
        log_store.append_leaf(entry)
    with pytest.raises(log_store.TreeSizeError):
        log_store.root(6)
    with pytest.raises(log_store.TreeSizeError):
        log_store.inclusion_proof(5, 5)
    with pytest.raises(log_store.TreeSizeError):
        log_store.inclusion_proof(0, 9)
    with pytest.raises(log_store.TreeSizeError):
        log_store.consistency_proof(4, 6)
    with pytest.raises(log_store.TreeSizeError):
        log_store.consistency_proof(5, 4)


def test_a_missing_node_is_an_integrity_error_not_a_wrong_answer(committed_db):
    from tests import db_guards

    for entry in _entries(4):
        log_store.append_leaf(entry)
    db_guards.tamper("DELETE FROM evidence_lognode WHERE level = 2")  # as the database's owner could
    with pytest.raises(log_store.LogIntegrityError):
        log_store.root(4)


def test_every_custody_entry_is_the_next_leaf_of_the_log(db, investigator, team):
    case = CaseFactory(team=team, created_by=investigator)
    item = evidence_register(actor=investigator, case=case, kind="document", title="Memo", held_by="NGO")
    for n in range(3):
        custody_append(item=item, action="transfer", user=investigator, details={"n": n})
    events = list(CustodyEvent.objects.order_by("log_index"))
    assert [e.log_index for e in events] == list(range(log_store.size()))
    for event in events:
        assert log_store.leaf(event.log_index) == ledger.leaf_hash(leaf_bytes(event_body(event), event.entry_hash))


def test_concurrent_custody_appends_take_consecutive_leaves(committed_db, team):
    user = factories.user_with_role("investigator", team=team)
    case = CaseFactory(team=team, created_by=user)
    items = [evidence_register(actor=user, case=case, kind="document", title=f"Memo {n}", held_by="NGO")
             for n in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(item_id) -> None:
        start.wait()
        try:
            for i in range(6):
                custody_append(item=item_id, action="transfer", agent="agent:test", details={"i": i})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(item.pk,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    events = list(CustodyEvent.objects.order_by("log_index"))
    assert len(events) == 4 + 4 * 6 == log_store.size()
    assert [e.log_index for e in events] == list(range(len(events)))
    memory = ledger.MemoryTree()
    for event in events:
        memory.append(leaf_bytes(event_body(event), event.entry_hash))
    assert log_store.root() == memory.root()
