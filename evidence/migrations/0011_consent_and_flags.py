"""Per-exhibit handling flags (graphic content, risk to a person) and the exhibits that
depend on a protected person's consent.

On SQLite, adding columns rebuilds the evidence item table, which drops its triggers
(0002's no-delete, 0006's sealed-is-final): they are put back at the end, as in 0009.
PostgreSQL adds columns in place and keeps them.
"""

import importlib

import django.db.models.deletion
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
        ('evidence', '0010_exhibit_verification'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='evidenceitem',
            name='graphic_content',
            field=models.BooleanField(default=False, help_text='Shows graphic violence or injury.'),
        ),
        migrations.AddField(
            model_name='evidenceitem',
            name='risk_note',
            field=models.TextField(blank=True, help_text='Who is at risk, and from what.'),
        ),
        migrations.AddField(
            model_name='evidenceitem',
            name='risk_to_person',
            field=models.BooleanField(default=False, help_text='Disclosing it could put a person at risk.'),
        ),
        migrations.CreateModel(
            name='ItemConsentDependency',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='consent_dependencies', to='evidence.evidenceitem')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='dependent_items', to='catalogue.protectedperson')),
            ],
            options={
                'verbose_name_plural': 'consent dependencies',
                'ordering': ['item', 'person'],
                'constraints': [models.UniqueConstraint(fields=('item', 'person'), name='consent_dependency_once')],
            },
        ),
        migrations.RunPython(restore_item_triggers, migrations.RunPython.noop),
    ]
