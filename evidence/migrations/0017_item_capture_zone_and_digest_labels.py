"""The time zone a capture time was given in; digests labelled as their algorithms (SHA-256,
MD5); "ingestion start" for a retry someone asked for.

On SQLite, adding a column rebuilds the evidence item table, which drops its triggers
(0002's no-delete, 0006's sealed-is-final): they are put back at the end, as in 0011.
PostgreSQL adds columns in place and keeps them.
"""

import importlib

import django.core.validators
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


class Migration(migrations.Migration):

    dependencies = [
        ('evidence', '0016_capture_position'),
    ]

    operations = [
        migrations.AddField(
            model_name='evidenceitem',
            name='captured_at_zone',
            field=models.CharField(blank=True, max_length=64, verbose_name='capture time zone'),
        ),
        migrations.AlterField(
            model_name='custodyevent',
            name='action',
            field=models.CharField(choices=[('capture', 'Capture'), ('transfer', 'Transfer'), ('accession', 'Accession'), ('ingestion', 'Ingestion'), ('ingestion_start', 'Ingestion Start'), ('message_digest_calculation', 'Message Digest Calculation'), ('fixity_check', 'Fixity Check'), ('format_identification', 'Format Identification'), ('metadata_extraction', 'Metadata Extraction'), ('metadata_modification', 'Metadata Modification'), ('validation', 'Validation'), ('replication', 'Replication'), ('indexing', 'Indexing'), ('dissemination', 'Dissemination'), ('packing', 'Packing'), ('quarantine', 'Quarantine'), ('deaccession', 'Deaccession'), ('derivation', 'Derivation')], max_length=40),
        ),
        migrations.AlterField(
            model_name='evidenceitem',
            name='declared_sha256',
            field=models.CharField(blank=True, max_length=64, validators=[django.core.validators.RegexValidator('^[0-9a-f]{64}$', 'A SHA-256 digest is 64 hexadecimal characters (0-9, a-f).')], verbose_name='declared SHA-256'),
        ),
        migrations.AlterField(
            model_name='evidenceitem',
            name='derived_from_sha256',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='SHA-256 of the source'),
        ),
        migrations.AlterField(
            model_name='evidenceitem',
            name='md5',
            field=models.CharField(blank=True, editable=False, max_length=32, verbose_name='MD5'),
        ),
        migrations.AlterField(
            model_name='evidenceitem',
            name='sha1',
            field=models.CharField(blank=True, editable=False, max_length=40, verbose_name='SHA-1'),
        ),
        migrations.AlterField(
            model_name='evidenceitem',
            name='sha256',
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64, verbose_name='SHA-256'),
        ),
        migrations.AlterField(
            model_name='evidenceitem',
            name='sha512',
            field=models.CharField(blank=True, editable=False, max_length=128, verbose_name='SHA-512'),
        ),
        migrations.AlterField(
            model_name='exportjob',
            name='package_sha256',
            field=models.CharField(blank=True, max_length=64, verbose_name='package SHA-256'),
        ),
        migrations.RunPython(restore_item_triggers, migrations.RunPython.noop),
    ]
