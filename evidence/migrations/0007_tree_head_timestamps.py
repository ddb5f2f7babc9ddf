"""RFC 3161 time-stamp tokens for signed tree heads, append-only like the heads.

Triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL), exactly as
0002_append_only_triggers does for the log, with its trigger function.
"""

from django.db import migrations, models

# (table, operations refused), in the format of 0002's GUARDED (tests/db_guards.py reads both).
GUARDED = [
    ("evidence_headtimestamp", ("UPDATE", "DELETE")),
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, operations in GUARDED:
        for op in operations:
            name = f"{table}_no_{op.lower()}"
            if vendor == "postgresql":  # evidence_refuse_change() comes from 0002
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
    dependencies = [("evidence", "0006_sealed_items_final")]

    operations = [
        migrations.CreateModel(
            name="HeadTimestamp",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.BinaryField()),
                ("tsa_url", models.CharField(max_length=500)),
                ("gen_time", models.DateTimeField()),
                ("recorded_at", models.DateTimeField()),
                ("head", models.ForeignKey(on_delete=models.deletion.PROTECT, related_name="timestamps",
                                           to="evidence.treehead")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("head",), name="one_timestamp_per_head")],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
