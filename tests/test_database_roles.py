"""Sealed is final in the database, and the application's role cannot switch that off."""

import hashlib
import os

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction

from evidence.models import EvidenceItem
from evidence.services import evidence_register
from tests import db_guards, factories

State = EvidenceItem.State


@pytest.fixture
def sealed(team, investigator):
    case = factories.CaseFactory(team=team, created_by=investigator)
    return factories.sealed_item(actor=investigator, case=case, data=b"the original bytes")


def _refused(**changes) -> None:
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        EvidenceItem.objects.filter(**changes.pop("where")).update(**changes)


@pytest.mark.django_db
def test_a_sealed_items_digests_size_and_sealing_time_cannot_change(sealed):
    forged = hashlib.sha256(b"forged").hexdigest()
    _refused(where={"pk": sealed.pk}, sha256=forged)
    _refused(where={"pk": sealed.pk}, sha512="0" * 128)
    _refused(where={"pk": sealed.pk}, md5="0" * 32)
    _refused(where={"pk": sealed.pk}, sha1="0" * 40)
    _refused(where={"pk": sealed.pk}, size=1)
    _refused(where={"pk": sealed.pk}, sealed_at=None)
    _refused(where={"pk": sealed.pk}, exhibit="UA-1999-0001/E001")
    sealed.refresh_from_db()
    assert sealed.sha256 == hashlib.sha256(b"the original bytes").hexdigest() and sealed.size == 18


@pytest.mark.django_db
def test_an_item_moves_only_along_the_pipelines_transitions(sealed, investigator):
    for wrong in (State.RECEIVED, State.PROCESSING, State.FAILED, State.REFERENCE):
        _refused(where={"pk": sealed.pk}, state=wrong)
    # What the pipeline and the fixity sweep do is allowed.
    assert EvidenceItem.objects.filter(pk=sealed.pk).update(state=State.QUARANTINED, error="fixity") == 1
    _refused(where={"pk": sealed.pk}, state=State.SEALED)  # quarantine is not undone
    fresh = evidence_register(actor=investigator, case=sealed.case, kind="image", title="New",
                              file=ContentFile(b"new bytes", name="new.bin"))  # not ingested: no commit here
    assert fresh.state == State.RECEIVED
    _refused(where={"pk": fresh.pk}, state=State.SEALED)  # never sealed without being processed
    # Fields that are not evidence stay editable on a sealed item.
    assert EvidenceItem.objects.filter(pk=sealed.pk).update(title="Renamed", description="d") == 1


def _runs_as_app_role() -> bool:
    return connection.vendor == "postgresql" and db_guards.owner_settings() is not None


@pytest.fixture
def app_role():
    if not _runs_as_app_role():
        message = "needs PostgreSQL with DATABASE_OWNER_URL: the suite then runs as the application role"
        if os.environ.get("EVIDENCE_REQUIRE_SERVICES") == "1" and connection.vendor == "postgresql":
            pytest.fail(message)
        pytest.skip(message)


BYPASSES = [
    "ALTER TABLE evidence_evidenceitem DISABLE TRIGGER USER",
    "ALTER TABLE evidence_custodyevent DISABLE TRIGGER ALL",
    "DROP TRIGGER evidence_evidenceitem_sealed_final ON evidence_evidenceitem",
    "SET session_replication_role = replica",
    "TRUNCATE evidence_custodyevent CASCADE",
    "ALTER TABLE evidence_evidenceitem OWNER TO CURRENT_USER",
    "DROP FUNCTION evidence_item_sealed_final() CASCADE",
    "CREATE OR REPLACE FUNCTION evidence_refuse_change() RETURNS trigger AS 'BEGIN RETURN NEW; END' LANGUAGE plpgsql",
    # The custody append (migration 0020) cannot be swapped for one that writes what it likes...
    "CREATE OR REPLACE FUNCTION evidence_custody_append(p_item uuid, p_actor text, p_actor_user bigint, "
    "p_entries jsonb) RETURNS TABLE (id bigint, seq integer, recorded_at timestamptz, prev_hash varchar, "
    "entry_hash varchar) AS 'BEGIN END' LANGUAGE plpgsql",
    "ALTER FUNCTION evidence_custody_append(uuid, text, bigint, jsonb) SECURITY DEFINER",
    # ...nor shadowed by one of the role's own.
    "CREATE FUNCTION public.evidence_custody_append(p_item text, p_actor text, p_actor_user bigint, "
    "p_entries jsonb) RETURNS void AS 'BEGIN END' LANGUAGE plpgsql",
]


@pytest.mark.django_db
@pytest.mark.parametrize("statement", BYPASSES)
def test_the_application_role_cannot_switch_the_guards_off(app_role, sealed, statement):
    with pytest.raises(DatabaseError, match="(?i)permission denied|must be owner|must be superuser"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    _refused(where={"pk": sealed.pk}, sha256="f" * 64)


@pytest.mark.django_db
def test_the_suite_really_runs_as_a_role_that_owns_nothing(app_role):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        user, superuser = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")
        owned = cursor.fetchone()[0]
    assert not superuser and owned == 0
    assert user != db_guards.owner_settings()["USER"]


def test_granting_refuses_a_role_that_could_bypass_the_triggers(app_role, committed_db):
    with db_guards.as_owner(), connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
        with pytest.raises(CommandError, match="not as the application role|owns tables|member"):
            call_command("grant_app_role", owner, verbosity=0)
        with pytest.raises(CommandError, match="no database role"):
            call_command("grant_app_role", "no_such_role_here", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_the_owner_can_still_tamper_and_that_is_what_the_checks_are_for(committed_db, team, investigator):
    """The owner's rights are beyond any trigger: tamper() is the attacker the other tests use."""
    case = factories.CaseFactory(team=team, created_by=investigator)
    item = factories.sealed_item(actor=investigator, case=case, data=b"kept")
    key = str(item.pk) if connection.vendor == "postgresql" else item.pk.hex
    changed = db_guards.tamper("UPDATE evidence_evidenceitem SET size = 99 WHERE id = %s", [key])
    item.refresh_from_db()
    assert changed == 1 and item.size == 99
    _refused(where={"pk": item.pk}, size=4)  # and the guard is back on afterwards
