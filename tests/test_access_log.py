"""Who read what cannot be erased: the access log is one append-only hash chain."""

import io
import threading

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from catalogue import access_chain, services
from catalogue.models import AccessLog, AccessLogState
from tests import factories
from tests.api.helpers import client_for
from tests.auth_helpers import force_login_verified
from tests.db_guards import tamper
from tests.factories import CaseFactory

LOG, STATE = AccessLog._meta.db_table, AccessLogState._meta.db_table


@pytest.fixture(autouse=True)
def _own_keys(settings, tmp_path):
    settings.IDENTITY_ENCRYPTION_KEYS = ""
    settings.IDENTITY_KEY_FILE = tmp_path / "identity-key"
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = tmp_path / "keys" / "ledger.pem"


def run_verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_integrity", stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def chain() -> list[AccessLog]:
    return list(AccessLog.objects.order_by("seq"))


def assert_chained(entries: list[AccessLog]) -> None:
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    prev = access_chain.GENESIS_HASH
    for e in entries:
        assert e.prev_hash == prev
        body = access_chain.entry_body(seq=e.seq, case_id=e.case_id, user_id=e.user_id, at=e.at, via=e.via,
                                       action=e.action, remote_addr=e.remote_addr, reason=e.reason, prev_hash=prev)
        assert access_chain.entry_hash(body) == e.entry_hash
        prev = e.entry_hash
    assert access_chain.tip() == (len(entries), prev)
    assert access_chain.verify() == []


@pytest.fixture
def cases(team, investigator):
    return [CaseFactory(team=team, created_by=investigator) for _ in range(3)]


def test_api_reads_are_chained_in_the_order_they_were_made(cases, legal):
    client = client_for(legal)
    assert client.get("/api/v1/cases/").status_code == 200
    assert client.get(f"/api/v1/cases/{cases[0].reference}/", REMOTE_ADDR="2001:db8::1").status_code == 200
    entries = chain()
    assert [e.action for e in entries] == ["list"] * 3 + ["read"]
    assert entries[-1].case_id == cases[0].pk and entries[-1].remote_addr == "2001:db8::1"
    assert_chained(entries)
    assert access_chain.entry_hash_at(4) == entries[-1].entry_hash
    assert access_chain.entry_hash_at(5) is None


def test_the_empty_log_has_the_genesis_tip(db):
    assert access_chain.tip() == (0, "0" * 64)
    assert access_chain.verify() == []


def test_it_hashes_a_canonical_form_that_survives_the_database_round_trip(cases, legal):
    """The hash covers what is stored: fields are cut to their columns' lengths first."""
    services.access_log_record(user=legal, case=cases[1], via="admin" * 10, action="read" * 20,
                               remote_addr="::ffff:10.0.0.1", reason="Київ " * 200)
    entry = AccessLog.objects.get()
    assert (len(entry.via), len(entry.action), len(entry.reason)) == (20, 40, 500)
    assert_chained([entry])


AWKWARD = ['He said "no" \\ then\nleft\t\x01\x1f', "Київ\u2028Киев 🛰", "", "</script>&'"]


@pytest.mark.parametrize("reason", AWKWARD)
@pytest.mark.parametrize("remote_addr", [None, "2001:db8::1", "192.0.2.7"])
def test_the_pieces_the_database_splices_give_the_canonical_json(reason, remote_addr):
    """catalogue_access_append hashes head + case + prev_hash + middle + seq + tail: entry_body's canonical JSON."""
    from datetime import UTC, datetime

    at = datetime(2026, 11, 30, 10, 46, 4, 699881, tzinfo=UTC)
    entry = access_chain._Entry(user_id=7, at=at, via="api", action="list", remote_addr=remote_addr, reason=reason)
    head, middle, tail = entry.pieces()
    for seq, case_id, prev in ((1, 3, access_chain.GENESIS_HASH), (123456789012, 99999, "ab" * 32)):
        spliced = f'{head}{case_id},"prev_hash":"{prev}{middle}{seq}{tail}'.encode()
        body = access_chain.entry_body(seq=seq, case_id=case_id, user_id=7, at=at, via="api", action="list",
                                       remote_addr=remote_addr, reason=reason, prev_hash=prev)
        assert spliced == access_chain.canonical_json(body)


def test_awkward_text_is_hashed_by_the_database_as_python_hashes_it(cases, legal):
    """On PostgreSQL the chain is hashed in catalogue_access_append; verify() recomputes it in Python."""
    for n, reason in enumerate(AWKWARD):
        services.access_log_record(user=legal, case=cases[n % 3], via="admin", action="reveal_identity:W01",
                                   remote_addr="2001:db8::1" if n % 2 else None, reason=reason)
    services.access_log_record_many(user=legal, cases=cases, via="api", remote_addr="192.0.2.7")
    entries = chain()
    assert [e.reason for e in entries] == [*AWKWARD, "", "", ""]
    assert_chained(entries)


def test_identity_reveals_are_chained_with_their_reason(cases, investigator, legal):
    person = services.protected_person_create(actor=investigator, case=cases[0], role="witness",
                                              identity={"name": "Olena"})
    legal.user_permissions.add(Permission.objects.get(codename="reveal_identity"))
    legal = type(legal).objects.get(pk=legal.pk)
    services.access_log_record(user=legal, case=cases[0], via="admin")
    services.protected_person_reveal(actor=legal, person=person, reason="Court summons", remote_addr="10.1.2.3")
    entries = chain()
    assert (entries[1].action, entries[1].reason) == (f"reveal_identity:{person.pseudonym}", "Court summons")
    assert_chained(entries)


def test_export_requests_are_chained(legal, team, investigator, eager_celery, django_capture_on_commit_callbacks):
    case = CaseFactory(team=team, created_by=investigator)
    client = client_for(legal)
    client.get(f"/api/v1/cases/{case.reference}/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/cases/{case.reference}/exports/",
                               {"recipient": "Trial Chamber II", "purpose": "Trial"}, format="json")
    assert response.status_code == 202, response.content
    entries = chain()
    assert [(e.action, e.via, e.user_id, e.case_id) for e in entries] == [
        ("read", "api", legal.pk, case.pk), ("export", "api", legal.pk, case.pk),
    ]
    assert str(response.json()["id"]) in entries[1].reason
    assert entries[1].remote_addr == "127.0.0.1"  # from where, as for reads
    assert_chained(entries)


def test_command_exports_by_a_named_user_are_chained(legal, team, investigator, tmp_path):
    case = CaseFactory(team=team, created_by=investigator)
    call_command("export_case", case.reference, str(tmp_path / "out"), "--as-user", legal.username,
                 "--recipient", "Trial Chamber II", "--purpose", "Trial",
                 stdout=io.StringIO())
    entries = chain()
    assert [(e.action, e.via, e.user_id, e.case_id) for e in entries] == [("export", "command", legal.pk, case.pk)]
    assert_chained(entries)


def test_an_outsider_refused_an_export_leaves_no_export_entry(cases, outsider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(outsider).post(f"/api/v1/cases/{cases[0].reference}/exports/",
                                              {"recipient": "Trial Chamber II", "purpose": "Trial"}, format="json")
    assert response.status_code in (403, 404)
    assert not AccessLog.objects.filter(action="export").exists()


def test_the_orm_refuses_to_change_or_remove_an_entry(cases, legal):
    services.access_log_record(user=legal, case=cases[0], via="admin")
    entry = AccessLog.objects.get()
    entry.reason = "nothing to see"
    for attempt in (entry.save, entry.delete, AccessLog.objects.all().delete,
                    lambda: AccessLog.objects.update(reason="x"),
                    lambda: AccessLog.objects.create(case=cases[0], user=legal, via="api", seq=2),
                    lambda: AccessLog.objects.bulk_create([AccessLog(case=cases[0], user=legal, via="api", seq=2)])):
        with pytest.raises(PermissionError):
            attempt()
    assert_chained(chain())


def test_the_database_refuses_raw_updates_and_deletes(cases, legal):
    services.access_log_record_many(user=legal, cases=cases, via="api")
    refused = {sql: "append-only" for sql in (
        f"UPDATE {LOG} SET reason = 'x'", f"DELETE FROM {LOG} WHERE seq = 3", f"DELETE FROM {STATE}",
    )}
    if connection.vendor == "postgresql":
        # The application role (as in production) may not even TRUNCATE; the owner meets the trigger.
        refused |= {f"TRUNCATE {LOG} CASCADE": "append-only|permission denied",
                    f"TRUNCATE {STATE}": "append-only|permission denied"}
        with connection.cursor() as cursor:
            # Else TRUNCATE is refused for the test's pending FK checks, before any trigger is asked.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for sql, why in refused.items():
        with pytest.raises(DatabaseError, match=why):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
    assert_chained(chain())
    # Every append updates the state row: that alone stays allowed.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {STATE} SET size = size WHERE id = 1")
        assert cursor.rowcount == 1


def test_the_admin_shows_the_log_and_offers_no_way_to_change_or_delete_it(cases, legal, client):
    services.access_log_record(user=legal, case=cases[0], via="api")
    entry = AccessLog.objects.get()
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    force_login_verified(client, admin)
    listing = client.get("/admin/catalogue/accesslog/")
    assert listing.status_code == 200
    assert b"delete_selected" not in listing.content
    assert client.get(f"/admin/catalogue/accesslog/{entry.pk}/delete/").status_code == 403
    assert client.post(f"/admin/catalogue/accesslog/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/catalogue/accesslog/{entry.pk}/change/", {"reason": "x"}).status_code == 403
    assert AccessLog.objects.get().reason == ""


@pytest.fixture
def five(committed_db, team):
    """Five committed entries, each read of its own case."""
    user = factories.user_with_role("legal", team=team)
    cases = [CaseFactory(team=team, created_by=user) for _ in range(5)]
    for case in cases:
        services.access_log_record(user=user, case=case, via="api", remote_addr="192.0.2.7")
    assert run_verify()[0] == 0
    return chain()


def test_verify_integrity_names_an_entry_edited_behind_the_triggers_back(five):
    tamper(f"UPDATE {LOG} SET reason = %s WHERE seq = 3", ["nothing happened"])
    code, out = run_verify()
    assert code == 1
    assert "FAULT: access-log entry 3: its fields no longer give its entry_hash" in out
    assert "Checked 5 access-log entries: 1 fault(s)." in out


def test_verify_integrity_names_an_edit_whose_hash_was_recomputed_by_the_next_entry(five):
    """Rewriting an entry and its hash still leaves the next entry pointing at the old one."""
    entry = five[1]
    body = access_chain.entry_body(seq=2, case_id=entry.case_id, user_id=entry.user_id, at=entry.at, via=entry.via,
                                   action=entry.action, remote_addr="203.0.113.9", reason="",
                                   prev_hash=entry.prev_hash)
    tamper(f"UPDATE {LOG} SET remote_addr = %s, entry_hash = %s WHERE seq = 2",
           ["203.0.113.9", access_chain.entry_hash(body)])
    code, out = run_verify()
    assert code == 1
    assert "FAULT: access-log entry 3: prev_hash does not match the hash of entry 2" in out


def test_verify_integrity_names_an_entry_deleted_from_the_middle(five):
    tamper(f"DELETE FROM {LOG} WHERE seq = 3")
    code, out = run_verify()
    assert code == 1
    assert "FAULT: access-log entry 3 is missing: entry 4 follows entry 2" in out


def test_verify_integrity_names_the_last_entries_deleted_behind_the_state(five):
    tamper(f"DELETE FROM {LOG} WHERE seq >= 4")
    code, out = run_verify()
    assert code == 1
    assert "FAULT: access-log entries 4 to 5 are missing: the state records 5 entries" in out


def test_the_chain_alone_cannot_tell_a_cut_tail_with_a_rewritten_state(five):
    """Deleting the newest entries and rewriting the state to match leaves a valid,
    shorter chain: only a tip recorded elsewhere (the signed witness) shows the loss."""
    witnessed = access_chain.tip()
    assert witnessed == (5, five[-1].entry_hash)
    tamper(f"DELETE FROM {LOG} WHERE seq >= 4")
    tamper(f"UPDATE {STATE} SET size = 3, tip = %s WHERE id = 1", [five[2].entry_hash])
    assert access_chain.verify() == []
    assert run_verify()[0] == 0
    # What the witness checks: the entry at the tip it recorded is gone.
    assert access_chain.tip()[0] < witnessed[0]
    assert access_chain.entry_hash_at(witnessed[0]) is None


def test_concurrent_appends_keep_seq_contiguous(committed_db, team):
    user = factories.user_with_role("legal", team=team)
    cases = [CaseFactory(team=team, created_by=user) for _ in range(3)]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def reader(n: int) -> None:
        start.wait()
        try:
            for _ in range(10):
                services.access_log_record_many(user=user, cases=cases[: 1 + n % 3], via="api")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    entries = chain()
    assert len(entries) == 10 * (1 + 2 + 3 + 1)
    assert_chained(entries)
