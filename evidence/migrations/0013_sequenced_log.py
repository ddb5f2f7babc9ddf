"""A sequenced log: a custody entry is written without its log index, and the
sequencer (evidence/sequencer.py) sets it once when it integrates the entry.

Why a nullable column that is set once, not an insert-only mapping table: every
reader (proofs, verify, export, the admin, the bag) already reads an entry's
``log_index`` from its row, and the guarantee stays in one place, the row's own
trigger. That trigger, which refused every UPDATE, is replaced by one that
allows exactly one change: ``log_index`` from NULL to a value, every other
column unchanged. Anything else is refused as before. A unique column with
NULLs allowed keeps "no entry twice in the log" in the database.

On PostgreSQL the check compares the whole row, less log_index, as JSON, so a
column added later is covered without a new migration. SQLite has no such
function: its trigger names the columns there are now (a migration that adds
one must call ``sqlite_sql`` again, as 0008 restored triggers after a rebuild).
Altering the column rebuilds the table on SQLite, which loses its triggers:
the no-delete one is put back here too.

``GUARDED`` is empty (nothing new is refused outright); ``SET_ONCE`` names the
replaced trigger for tests/db_guards.py, which switches guards off and on.
"""

from django.db import migrations, models

TABLE = "evidence_custodyevent"
TRIGGER = "evidence_custodyevent_log_index_once"
OLD_TRIGGER = "evidence_custodyevent_no_update"
GUARDED: list = []
SET_ONCE = [(TABLE, TRIGGER)]
MESSAGE = "append-only: UPDATE on evidence_custodyevent is not allowed (only a pending entry''s log_index is set, once)"

PG_SQL = f"""
CREATE OR REPLACE FUNCTION evidence_custody_log_index_once() RETURNS trigger AS $$
BEGIN
    IF OLD.log_index IS NULL AND NEW.log_index IS NOT NULL
       AND (to_jsonb(NEW) - 'log_index') = (to_jsonb(OLD) - 'log_index') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {OLD_TRIGGER} ON {TABLE};
CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION evidence_custody_log_index_once();
"""


def sqlite_columns(cursor) -> list[str]:
    cursor.execute(f"PRAGMA table_info({TABLE})")
    return [row[1] for row in cursor.fetchall() if row[1] != "log_index"]


def sqlite_sql(columns: list[str]) -> str:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
    return f"""
CREATE TRIGGER IF NOT EXISTS {TRIGGER} BEFORE UPDATE ON {TABLE}
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}')
        WHERE OLD.log_index IS NOT NULL OR NEW.log_index IS NULL OR {changed};
END;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_SQL, params=None)  # the body holds %: no client-side params
    elif vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            columns = sqlite_columns(cursor)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {OLD_TRIGGER}")
        schema_editor.execute(sqlite_sql(columns))
        schema_editor.execute(
            f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, 'append-only: DELETE on {TABLE} is not allowed'); END;"
        )
    else:
        raise RuntimeError(f"No append-only triggers written for the {vendor} database.")


class Migration(migrations.Migration):

    dependencies = [
        ('evidence', '0012_case_links'),
    ]

    operations = [
        migrations.CreateModel(
            name='SequencerLease',
            fields=[
                ('name', models.CharField(max_length=40, primary_key=True, serialize=False)),
                ('holder', models.CharField(blank=True, default='', max_length=200)),
                ('expires_at', models.DateTimeField(blank=True, null=True)),
                ('acquired_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.AlterField(
            model_name='custodyevent',
            name='log_index',
            field=models.BigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AddIndex(
            model_name='custodyevent',
            index=models.Index(condition=models.Q(('log_index__isnull', True)), fields=['id'], name='custody_pending'),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
