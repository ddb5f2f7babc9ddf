"""Database triggers that refuse to change or remove custody entries, log nodes,
tree heads and evidence items, whatever path the SQL comes from (the ORM,
the admin, a shell, raw SQL)."""

from django.db import migrations

# (table, operations refused)
GUARDED = [
    ("evidence_custodyevent", ("UPDATE", "DELETE")),
    ("evidence_lognode", ("UPDATE", "DELETE")),
    ("evidence_treehead", ("UPDATE", "DELETE")),
    ("evidence_evidenceitem", ("DELETE",)),
]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION evidence_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)  # the body holds %: no client-side params
    for table, operations in GUARDED:
        for op in operations:
            name = f"{table}_no_{op.lower()}"
            if vendor == "postgresql":
                schema_editor.execute(
                    f"CREATE TRIGGER {name} BEFORE {op} ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION evidence_refuse_change();"
                )
                # TRUNCATE bypasses row triggers; refuse it separately.
                if op == "DELETE":
                    schema_editor.execute(
                        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                        f"FOR EACH STATEMENT EXECUTE FUNCTION evidence_refuse_change();"
                    )
            elif vendor == "sqlite":
                schema_editor.execute(
                    f"CREATE TRIGGER {name} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'append-only: {op} on {table} is not allowed'); END;"
                )
            else:
                raise RuntimeError(f"No append-only triggers written for the {vendor} database.")


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
