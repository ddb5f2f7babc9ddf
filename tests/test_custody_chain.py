"""The custody chain: append-only, hash-chained, serialised, verifiable."""

import threading

import pytest
from django.db import DatabaseError, connection, transaction

from evidence.custody import GENESIS_HASH, custody_append, entry_hash, event_body, verify_chain
from evidence.models import CustodyEvent, EvidenceItem
from evidence.services import evidence_register
from tests import db_guards
from tests.factories import CaseFactory


@pytest.fixture
def item(investigator, team):
    case = CaseFactory(team=team, created_by=investigator)
    return evidence_register(actor=investigator, case=case, kind="intercept", title="Call", held_by="SBU")


def test_it_chains_each_entry_to_the_one_before(item, investigator):
    custody_append(item=item, action="transfer", user=investigator, details={"to": "vault"})
    events = list(CustodyEvent.objects.filter(item=item).order_by("seq"))
    assert [e.seq for e in events] == [1, 2]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].entry_hash
    assert events[1].entry_hash == entry_hash(event_body(events[1]))
    assert events[1].actor == f"user:{investigator.username}"
    assert verify_chain(item).ok


def test_it_hashes_a_canonical_form_that_survives_the_database_round_trip(item, investigator):
    details = {"b": [1, 2, {"z": "Київ"}], "a": 1.5, "when": "2022-03-31"}
    created = custody_append(item=item, action="transfer", user=investigator, details=details)
    stored = CustodyEvent.objects.get(pk=created.pk)
    assert entry_hash(event_body(stored)) == created.entry_hash


def test_it_refuses_to_update_or_delete_an_entry_through_the_orm(item):
    event = CustodyEvent.objects.get(item=item, seq=1)
    event.action = "transfer"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        CustodyEvent.objects.filter(item=item).update(action="transfer")
    with pytest.raises(PermissionError):
        CustodyEvent.objects.filter(item=item).delete()


def test_it_refuses_raw_sql_updates_and_deletes(committed_db, team):
    from tests import factories

    user = factories.user_with_role("investigator", team=team)
    case = CaseFactory(team=team, created_by=user)
    item = evidence_register(actor=user, case=case, kind="document", title="Memo", held_by="NGO")
    table = CustodyEvent._meta.db_table
    for sql in (f"UPDATE {table} SET action = 'transfer'", f"DELETE FROM {table}",
                f"DELETE FROM {EvidenceItem._meta.db_table}"):
        with pytest.raises(DatabaseError):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
    assert CustodyEvent.objects.filter(item=item).count() == 1
    assert EvidenceItem.objects.filter(pk=item.pk).exists()


def test_the_verifier_finds_an_entry_altered_behind_the_triggers_back(committed_db, team):
    from tests import factories

    user = factories.user_with_role("investigator", team=team)
    case = CaseFactory(team=team, created_by=user)
    item = evidence_register(actor=user, case=case, kind="document", title="Memo", held_by="NGO")
    for n in range(3):
        custody_append(item=item, action="transfer", user=user, details={"n": n})
    db_guards.rewrite_custody_details(item, 3, '{"n": 99}')
    report = verify_chain(item)
    assert not report.ok
    assert report.broken_seq == 3
    assert "entry_hash" in report.problem


def test_the_verifier_names_a_missing_entry(item, investigator):
    from evidence.custody import event_as_entry, verify_entries

    for n in range(3):
        custody_append(item=item, action="transfer", user=investigator, details={"n": n})
    entries = [event_as_entry(e) for e in CustodyEvent.objects.filter(item=item).order_by("seq")]
    del entries[1]
    report = verify_entries(entries)
    assert (report.ok, report.broken_seq) == (False, 3)


def test_concurrent_appends_never_repeat_or_skip_a_seq(committed_db, team):
    from tests import factories

    user = factories.user_with_role("investigator", team=team)
    case = CaseFactory(team=team, created_by=user)
    item = evidence_register(actor=user, case=case, kind="document", title="Memo", held_by="NGO")
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(n: int) -> None:
        start.wait()
        try:
            for i in range(5):
                custody_append(item=item.pk, action="transfer", agent=f"agent:writer-{n}", details={"i": i})
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
    seqs = list(CustodyEvent.objects.filter(item=item).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 22))
    assert verify_chain(item).ok
    log_indexes = sorted(CustodyEvent.objects.values_list("log_index", flat=True))
    assert log_indexes == list(range(len(log_indexes)))
