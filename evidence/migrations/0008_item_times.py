"""Times are never invented: each item time carries a precision, online items get
publication, upload and acquisition times, and a custody entry may say that
nobody knows when its event happened (occurred_at null, hashed as JSON null;
entries that have a time hash exactly as before).

Existing items: a capture time that was given is taken as exact, none as unknown.

On SQLite, adding a column with a default and altering a column rebuild the
table, and a rebuilt table has lost its triggers: they are put back here (the
items' no-delete trigger, lost the same way by 0004, included).
"""

import importlib

from django.db import migrations, models
from django.db.models import Q

TIMES = ("captured_at", "published_at", "uploaded_at", "acquired_at")
PRECISIONS = [("unknown", "Unknown"), ("year", "Year"), ("month", "Month"), ("day", "Day"), ("hour", "Hour"),
              ("exact", "Exact")]


def captured_times_are_exact(apps, schema_editor):
    EvidenceItem = apps.get_model("evidence", "EvidenceItem")
    EvidenceItem.objects.filter(captured_at__isnull=False).update(captured_at_precision="exact")


def restore_sqlite_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return  # ALTER TABLE keeps triggers on PostgreSQL
    guards = importlib.import_module("evidence.migrations.0002_append_only_triggers")
    sealed = importlib.import_module("evidence.migrations.0006_sealed_items_final")
    for table, operations in guards.GUARDED:
        if table not in ("evidence_custodyevent", "evidence_evidenceitem"):
            continue
        for op in operations:
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'append-only: {op} on {table} is not allowed'); END;"
            )
    schema_editor.execute(sealed._sqlite_sql())


def _precision_field():
    return models.CharField(choices=PRECISIONS, default="unknown", max_length=8)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0007_tree_head_timestamps")]

    operations = [
        migrations.AddField(model_name="evidenceitem", name="captured_at_precision", field=_precision_field()),
        migrations.AddField(
            model_name="evidenceitem", name="published_at",
            field=models.DateTimeField(blank=True, help_text="When the source published it.", null=True),
        ),
        migrations.AddField(model_name="evidenceitem", name="published_at_precision", field=_precision_field()),
        migrations.AddField(
            model_name="evidenceitem", name="uploaded_at",
            field=models.DateTimeField(blank=True, help_text="When it was uploaded to the platform it came from.",
                                       null=True),
        ),
        migrations.AddField(model_name="evidenceitem", name="uploaded_at_precision", field=_precision_field()),
        migrations.AddField(
            model_name="evidenceitem", name="acquired_at",
            field=models.DateTimeField(blank=True, help_text="When we or the submitter acquired this copy.",
                                       null=True),
        ),
        migrations.AddField(model_name="evidenceitem", name="acquired_at_precision", field=_precision_field()),
        migrations.RunPython(captured_times_are_exact, migrations.RunPython.noop),
        *[
            migrations.AddConstraint(
                model_name="evidenceitem",
                constraint=models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True, f"{name}_precision": "unknown"})
                    | (Q(**{f"{name}__isnull": False}) & ~Q(**{f"{name}_precision": "unknown"})),
                    name=f"evidence_{name}_precision_fits",
                    violation_error_message=f"{name}: a time needs a precision other than unknown, and no time "
                                            "has any other.",
                ),
            )
            for name in TIMES
        ],
        migrations.AlterField(model_name="custodyevent", name="occurred_at",
                              field=models.DateTimeField(blank=True, null=True)),
        migrations.RunPython(restore_sqlite_guards, migrations.RunPython.noop),
    ]
