"""Sealed is final, in the database: a trigger on evidence items refuses

- any change to what identifies an item (id, case, number, exhibit, filer);
- any change to its digests or size once the pipeline has set them, and to its
  sealing time once set (the bytes a court is shown are fixed at sealing);
- a move of `state` that the pipeline never makes (see TRANSITIONS).

The application connects as a role that owns no table, so it cannot disable
these triggers; only the owner (who runs migrations) can, and what the owner
could still rewrite is caught by the custody chain, the signed Merkle log and
its witnesses (docs/threat-model.md).
"""

from django.db import migrations

# state before -> states it may move to (a state may always stay as it is).
TRANSITIONS = {
    "received": ("processing", "failed"),
    "processing": ("received", "sealed", "failed", "quarantined"),
    "failed": ("received",),
    "sealed": ("quarantined",),
    "quarantined": (),
    "reference": (),
}
IDENTITY = ("id", "case_id", "number", "exhibit", "created_by_id")
DIGESTS = ("sha256", "sha512", "sha1", "md5", "size")

TABLE = "evidence_evidenceitem"
TRIGGER = "evidence_evidenceitem_sealed_final"


def _pairs() -> list[tuple[str, str]]:
    return [(old, new) for old, targets in TRANSITIONS.items() for new in (old, *targets)]


def _pg_sql() -> str:
    allowed = " OR ".join(f"(OLD.state = '{old}' AND NEW.state = '{new}')" for old, new in _pairs())
    identity = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in IDENTITY)
    digests = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in DIGESTS)
    return f"""
CREATE OR REPLACE FUNCTION evidence_item_sealed_final() RETURNS trigger AS $$
BEGIN
    IF {identity} THEN
        RAISE EXCEPTION 'sealed is final: an evidence item''s identity cannot change'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.sha256 <> '' AND ({digests}) THEN
        RAISE EXCEPTION 'sealed is final: the digests and size of item % cannot change', OLD.exhibit
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.sealed_at IS NOT NULL AND NEW.sealed_at IS DISTINCT FROM OLD.sealed_at THEN
        RAISE EXCEPTION 'sealed is final: the sealing time of item % cannot change', OLD.exhibit
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT ({allowed}) THEN
        RAISE EXCEPTION 'item % cannot move from % to %', OLD.exhibit, OLD.state, NEW.state
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION evidence_item_sealed_final();
"""


def _sqlite_sql() -> str:
    allowed = " OR ".join(f"(OLD.state = '{old}' AND NEW.state = '{new}')" for old, new in _pairs())
    identity = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in IDENTITY)
    digests = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in DIGESTS)
    return f"""
CREATE TRIGGER IF NOT EXISTS {TRIGGER} BEFORE UPDATE ON {TABLE}
BEGIN
    SELECT RAISE(ABORT, 'sealed is final: an evidence item''s identity cannot change')
        WHERE {identity};
    SELECT RAISE(ABORT, 'sealed is final: the digests and size of a sealed item cannot change')
        WHERE OLD.sha256 <> '' AND ({digests});
    SELECT RAISE(ABORT, 'sealed is final: the sealing time of an item cannot change')
        WHERE OLD.sealed_at IS NOT NULL AND NEW.sealed_at IS NOT OLD.sealed_at;
    SELECT RAISE(ABORT, 'this move of an evidence item''s state is not allowed')
        WHERE NOT ({allowed});
END;
"""


def create(schema_editor) -> None:
    """Also used by tests/db_guards.py to put the trigger back after a flush."""
    connection = schema_editor.connection if hasattr(schema_editor, "connection") else schema_editor
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_pg_sql())
        elif connection.vendor == "sqlite":
            cursor.execute(_sqlite_sql())
        else:
            raise RuntimeError(f"No sealed-item trigger written for the {connection.vendor} database.")


def forwards(apps, schema_editor):
    create(schema_editor)


def backwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}" + (f" ON {TABLE}" if schema_editor.connection.vendor == "postgresql" else ""))


class Migration(migrations.Migration):
    dependencies = [("evidence", "0005_export_claims")]

    operations = [migrations.RunPython(forwards, backwards)]
