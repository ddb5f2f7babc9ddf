"""The custody append in one statement on PostgreSQL (evidence/custody_pg.py, migration 0020), and the
portable path it stands beside: the same hash as the Python definition byte for byte, one round trip
outside a transaction, a failure that dooms the caller's transaction, concurrent writers to one chain
that never repeat or skip a seq, and a function the application role runs with its own rights."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from catalogue.models import Case
from evidence import custody, custody_pg
from evidence.custody import TIME_UNKNOWN, custody_append, custody_append_many, entry_hash, event_body, verify_chain
from evidence.models import CustodyEvent, EvidenceItem
from evidence.services import evidence_register
from tests.factories import CaseFactory

# Statements per append, counted as Django logs them (BEGIN and COMMIT included).
ONE_STATEMENT = 1  # PostgreSQL, outside a transaction: the function's call, autocommitted
PORTABLE_MAX = 5  # BEGIN, lock the item, read the last entry, INSERT, COMMIT

# Details that a splice of canonical JSON could get wrong: non-ASCII text, nested dicts whose
# keys are the top level's own names, escapes, numbers, an empty dict and list.
AWKWARD = {
    "note": "Київ — «передано» 証拠 🙂",
    "nested": {"prev_hash": "f" * 64, "seq": 7, "recorded_at": None, "z": [1, 2.5, {"a": "\"quoted\"\n"}]},
    "prev_hash": "not the chain's",
    "empty": {}, "none": [], "big": 12345678901234567890, "tab\tkey": "back\\slash",
}


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


PATHS = ["database", "portable"]


@pytest.fixture(params=PATHS)
def path(request, monkeypatch):
    """Run a test through each append path this database has (SQLite has only the portable one)."""
    if request.param == "database" and not on_postgresql():
        pytest.skip("the one-statement append is PostgreSQL's")
    if request.param == "portable":
        monkeypatch.setattr(custody_pg, "takes", lambda occurred_at: False)  # what a naive datetime gets
    return request.param


@pytest.fixture
def item(investigator, team):
    case = CaseFactory(team=team, created_by=investigator)
    return evidence_register(actor=investigator, case=case, kind="intercept", title="Call", held_by="SBU")


def stored(events: list[CustodyEvent]) -> list[CustodyEvent]:
    return list(CustodyEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("seq"))


def test_it_hashes_exactly_what_the_python_definition_hashes(path, item, investigator, sequenced):
    kyiv = timezone(timedelta(hours=3))
    entries = [
        {"action": "transfer", "details": AWKWARD},
        {"action": "capture", "details": {"captured_by": "a witness"}, "occurred_at": TIME_UNKNOWN},
        {"action": "fixity_check", "outcome": "failure", "details": {"n": 1},
         "occurred_at": datetime(2022, 3, 1, 9, 30, 0, 5, tzinfo=kyiv)},
        {"action": "validation", "details": None, "occurred_at": None},
    ]
    created = custody_append_many(item=item, entries=entries, user=investigator)
    rows = stored(created)
    assert [e.seq for e in rows] == [2, 3, 4, 5]
    for made, row in zip(created, rows, strict=True):
        assert entry_hash(event_body(row)) == row.entry_hash  # the definition, over what is stored
        assert (made.pk, made.seq, made.prev_hash, made.entry_hash) == (row.pk, row.seq, row.prev_hash, row.entry_hash)
        assert (made.recorded_at, made.occurred_at, made.details) == (row.recorded_at, row.occurred_at, row.details)
        assert entry_hash(event_body(made)) == made.entry_hash and not made._state.adding
    assert rows[0].details == AWKWARD
    assert rows[0].occurred_at == rows[0].recorded_at  # no time given: it happened when recorded
    assert rows[1].occurred_at is None  # unknown, hashed as JSON null
    assert rows[2].occurred_at == datetime(2022, 3, 1, 6, 30, 0, 5, tzinfo=UTC)
    assert rows[3].occurred_at == rows[3].recorded_at and rows[3].details == {}
    assert len({e.recorded_at for e in rows}) == 1  # one recording time per append
    assert verify_chain(item).ok


def test_an_append_outside_a_transaction_is_one_round_trip(committed_db, team, investigator, sequenced):
    if not on_postgresql():
        pytest.skip("the one-statement append is PostgreSQL's")
    case = CaseFactory(team=team, created_by=investigator)
    item = evidence_register(actor=investigator, case=case, kind="document", title="Memo", held_by="NGO")
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as one:
        custody_append(item=item, action="transfer", agent="agent:test", details={"to": "vault"})
    with CaptureQueriesContext(connection) as many:
        custody_append_many(item=item.pk, agent="agent:test",
                            entries=[{"action": "transfer", "details": {"n": n}} for n in range(5)])
    assert len(one.captured_queries) == ONE_STATEMENT, [q["sql"][:80] for q in one.captured_queries]
    assert len(many.captured_queries) == ONE_STATEMENT, [q["sql"][:80] for q in many.captured_queries]
    assert CustodyEvent.objects.filter(item=item).count() == 7 and verify_chain(item).ok


def test_the_portable_append_stays_within_its_statements(path, item, sequenced):
    with CaptureQueriesContext(connection) as counted:
        custody_append(item=item, action="transfer", agent="agent:test")
    bound = ONE_STATEMENT if path == "database" else PORTABLE_MAX
    assert len(counted.captured_queries) <= bound, [q["sql"][:80] for q in counted.captured_queries]


def test_inside_a_transaction_it_joins_it(path, item, sequenced):
    with pytest.raises(RuntimeError), transaction.atomic():
        custody_append(item=item, action="transfer", agent="agent:test")
        raise RuntimeError("the caller's later step fails")
    assert list(CustodyEvent.objects.filter(item=item).values_list("seq", flat=True)) == [1]  # gone with it
    with transaction.atomic():
        made = custody_append(item=item, action="transfer", agent="agent:test")
        Case.objects.filter(pk=item.case_id).update(title="Renamed with the append")
    assert CustodyEvent.objects.get(pk=made.pk).seq == 2
    assert Case.objects.get(pk=item.case_id).title == "Renamed with the append"


def failing_appends(item) -> list[dict]:
    """Appends that fail: no such item; and, where the JSON column is jsonb, a NUL it refuses."""
    bad = [{"item": uuid.uuid4(), "details": {}}]
    if on_postgresql():
        bad.append({"item": item.pk, "details": {"nul": "\x00"}})
    return bad


def test_a_failed_append_dooms_the_callers_transaction_even_if_caught(path, item, team, investigator, sequenced):
    for bad in failing_appends(item):
        before = Case.objects.count()
        with transaction.atomic():
            CaseFactory(team=team, created_by=investigator)
            with pytest.raises((EvidenceItem.DoesNotExist, DatabaseError)):
                custody_append(item=bad["item"], action="transfer", agent="agent:test", details=bad["details"])
            assert connection.needs_rollback
        assert Case.objects.count() == before  # the caller's own write went with it
    assert CustodyEvent.objects.filter(item=item).count() == 1


def test_a_failed_append_outside_a_transaction_leaves_nothing(path, committed_db, team, investigator, sequenced):
    case = CaseFactory(team=team, created_by=investigator)
    item = evidence_register(actor=investigator, case=case, kind="document", title="Memo", held_by="NGO")
    with pytest.raises(EvidenceItem.DoesNotExist):
        custody_append(item=uuid.uuid4(), action="transfer", agent="agent:test")
    if on_postgresql():
        with pytest.raises(DatabaseError):
            custody_append_many(item=item, agent="agent:test", entries=[
                {"action": "transfer", "details": {"n": 1}}, {"action": "transfer", "details": {"nul": "\x00"}}])
    assert list(CustodyEvent.objects.filter(item=item).values_list("seq", flat=True)) == [1]
    custody_append(item=item, action="transfer", agent="agent:test")
    assert verify_chain(item).ok and CustodyEvent.objects.filter(item=item).count() == 2


def test_it_records_who_and_when_as_the_portable_path_does(path, item, investigator, sequenced):
    made = custody_append(item=item, action="transfer", user=investigator)
    row = CustodyEvent.objects.get(pk=made.pk)
    assert row.actor == f"user:{investigator.username}" and row.actor_user_id == investigator.pk
    assert row.log_index is None  # queued for the sequencer
    agent = custody_append(item=item, action="transfer", agent="agent:someone/1.0")
    assert CustodyEvent.objects.get(pk=agent.pk).actor_user_id is None
    assert row.recorded_at <= CustodyEvent.objects.get(pk=agent.pk).recorded_at


def test_integrating_in_the_writer_gives_the_entries_their_log_indexes(path, item):
    created = custody_append_many(item=item, agent="agent:test",
                                  entries=[{"action": "transfer", "details": {"n": n}} for n in range(3)])
    assert all(e.log_index is not None for e in created)
    assert [e.log_index for e in created] == [e.log_index for e in stored(created)]


@pytest.mark.parametrize("integrate_in_writer", [False, True])
def test_concurrent_writers_to_one_chain_never_repeat_or_skip_a_seq(path, committed_db, team, settings,
                                                                   integrate_in_writer):
    from tests import factories

    settings.LEDGER_INTEGRATE_IN_WRITER = integrate_in_writer
    user = factories.user_with_role("investigator", team=team)
    case = CaseFactory(team=team, created_by=user)
    item = evidence_register(actor=user, case=case, kind="document", title="Memo", held_by="NGO")
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(n: int) -> None:
        start.wait()
        try:
            for i in range(8):
                entries = [{"action": "transfer", "details": {"writer": n, "i": i, "k": k}} for k in range(1 + i % 3)]
                custody_append_many(item=item.pk, agent=f"agent:writer-{n}", entries=entries)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    events = list(CustodyEvent.objects.filter(item=item).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, 1 + 1 + 4 * sum(1 + i % 3 for i in range(8))))
    assert verify_chain(item).ok
    assert [e.recorded_at for e in events] == sorted(e.recorded_at for e in events)  # taken under the lock
    # Each append's entries are consecutive in the chain.
    for n in range(4):
        for i in range(8):
            seqs = [e.seq for e in events if e.details.get("writer") == n and e.details.get("i") == i]
            assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_the_function_runs_with_the_callers_rights(item):
    if not on_postgresql():
        pytest.skip("PostgreSQL's function")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.prosecdef, pg_get_userbyid(p.proowner) = current_user, "
            "has_function_privilege(current_user, p.oid, 'EXECUTE') "
            "FROM pg_proc p WHERE p.proname = 'evidence_custody_append'"
        )
        rows = cursor.fetchall()
    assert len(rows) == 1
    security_definer, owned_by_caller, may_run = rows[0]
    assert not security_definer and may_run
    from tests import db_guards

    if db_guards.owner_settings() is not None:
        assert not owned_by_caller  # the application role runs it and cannot replace it


def test_an_item_is_appended_to_by_its_pk_or_its_instance_alike(path, item, sequenced):
    by_text = custody_append(item=str(item.pk), action="transfer", agent="agent:test")
    by_instance = custody.custody_append(item=item, action="transfer", agent="agent:test")
    assert (by_text.seq, by_instance.seq) == (2, 3) and by_text.item_id == item.pk
