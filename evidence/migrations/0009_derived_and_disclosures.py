"""Derived items (a translation, transcript, excerpt, ... of another item, linked by id and
the source's SHA-256) and the disclosure register (an export's recipient, purpose and the
exhibits it packed).

On SQLite, adding these columns and the check constraint rebuilds the evidence
item table, which drops its triggers (0002's no-delete, 0006's sealed-is-final):
they are put back at the end. PostgreSQL adds columns in place and keeps them.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

ITEM_TABLE = "evidence_evidenceitem"


def restore_item_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(
        f"CREATE TRIGGER IF NOT EXISTS {ITEM_TABLE}_no_delete BEFORE DELETE ON {ITEM_TABLE} "
        f"BEGIN SELECT RAISE(ABORT, 'append-only: DELETE on {ITEM_TABLE} is not allowed'); END;"
    )
    importlib.import_module("evidence.migrations.0006_sealed_items_final").create(schema_editor)


def backfill_exhibits(apps, schema_editor):
    """Packages built before the register: their exhibits, from the packing entries that name them."""
    ExportJob = apps.get_model("evidence", "ExportJob")
    CustodyEvent = apps.get_model("evidence", "CustodyEvent")
    for job in ExportJob.objects.filter(state="done").only("id"):
        packed = (CustodyEvent.objects.filter(action="packing", details__package_id=str(job.pk))
                  .order_by("item__number").values_list("item__exhibit", flat=True))
        ExportJob.objects.filter(pk=job.pk).update(exhibits=list(dict.fromkeys(packed)))


class Migration(migrations.Migration):

    dependencies = [
        ("evidence", "0008_item_times"),
    ]

    operations = [
        migrations.AddField(
            model_name='evidenceitem',
            name='derivation_method',
            field=models.TextField(blank=True, editable=False, help_text='How the derivative was made.'),
        ),
        migrations.AddField(
            model_name='evidenceitem',
            name='derived_by',
            field=models.CharField(blank=True, editable=False, help_text='Who made the derivative (a person, lab or tool).', max_length=200),
        ),
        migrations.AddField(
            model_name='evidenceitem',
            name='derived_from',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='derivatives', to='evidence.evidenceitem'),
        ),
        migrations.AddField(
            model_name='evidenceitem',
            name='derived_from_sha256',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='evidenceitem',
            name='relation',
            field=models.CharField(blank=True, choices=[('copy', 'Copy'), ('excerpt', 'Excerpt'), ('translation', 'Translation'), ('transcript', 'Transcript'), ('redaction', 'Redaction'), ('enhancement', 'Enhancement')], editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name='exportjob',
            name='exhibits',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='exportjob',
            name='purpose',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='exportjob',
            name='recipient',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name='custodyevent',
            name='action',
            field=models.CharField(choices=[('capture', 'Capture'), ('transfer', 'Transfer'), ('accession', 'Accession'), ('ingestion', 'Ingestion'), ('message_digest_calculation', 'Message Digest Calculation'), ('fixity_check', 'Fixity Check'), ('format_identification', 'Format Identification'), ('metadata_extraction', 'Metadata Extraction'), ('metadata_modification', 'Metadata Modification'), ('validation', 'Validation'), ('replication', 'Replication'), ('indexing', 'Indexing'), ('dissemination', 'Dissemination'), ('packing', 'Packing'), ('quarantine', 'Quarantine'), ('deaccession', 'Deaccession'), ('derivation', 'Derivation')], max_length=40),
        ),
        migrations.AddConstraint(
            model_name='evidenceitem',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('derived_from__isnull', True), ('derived_from_sha256', ''), ('relation', '')), models.Q(('derived_from__isnull', False), ('relation__in', ['copy', 'excerpt', 'translation', 'transcript', 'redaction', 'enhancement']), models.Q(('derived_from_sha256', ''), _negated=True)), _connector='OR'), name='evidence_derivation_whole'),
        ),
        migrations.RunPython(restore_item_triggers, migrations.RunPython.noop),
        migrations.RunPython(backfill_exhibits, migrations.RunPython.noop),
    ]
