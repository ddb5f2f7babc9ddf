"""The capture position of an item: a point with its precision and its source (evidence/capture_place.py).

On SQLite, adding columns rebuilds the evidence item table, which drops its triggers
(0002's no-delete, 0006's sealed-is-final): they are put back at the end, as in 0011.
PostgreSQL adds columns in place and keeps them.
"""

import importlib

from django.conf import settings
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
        ('catalogue', '0011_consent'),
        ('evidence', '0013_sequenced_log'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='evidenceitem',
            name='capture_latitude',
            field=models.DecimalField(blank=True, decimal_places=6, editable=False, max_digits=9, null=True),
        ),
        migrations.AddField(
            model_name='evidenceitem',
            name='capture_longitude',
            field=models.DecimalField(blank=True, decimal_places=6, editable=False, max_digits=9, null=True),
        ),
        migrations.AddField(
            model_name='evidenceitem',
            name='capture_position_precision',
            field=models.CharField(blank=True, choices=[('exact', 'Exact point'), ('settlement', 'Settlement'), ('district', 'District'), ('region', 'Region'), ('country', 'Country')], editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name='evidenceitem',
            name='capture_position_source',
            field=models.CharField(blank=True, choices=[('exif_gps', 'EXIF GPS in the file')], editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name='evidenceitem',
            name='capture_position_uncertainty_m',
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
        migrations.AddConstraint(
            model_name='evidenceitem',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('capture_latitude__isnull', True), ('capture_longitude__isnull', True), ('capture_position_precision', ''), ('capture_position_source', ''), ('capture_position_uncertainty_m__isnull', True)), models.Q(('capture_latitude__gte', -90), ('capture_latitude__lte', 90), ('capture_longitude__gte', -180), ('capture_longitude__lte', 180), models.Q(('capture_position_precision', ''), _negated=True), models.Q(('capture_position_source', ''), _negated=True)), _connector='OR'), name='evidence_capture_position_whole'),
        ),
        migrations.RunPython(restore_item_triggers, migrations.RunPython.noop),
    ]
