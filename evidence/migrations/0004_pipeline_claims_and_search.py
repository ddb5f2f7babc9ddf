"""Pipeline bookkeeping (who holds an item and since when, how often it was
tried, when it was last queued) and, on PostgreSQL, a STORED tsvector of an
item's text with a GIN index (see catalogue 0003 for why stored)."""

from django.db import migrations, models

FORWARD = [
    "ALTER TABLE evidence_evidenceitem ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, regexp_replace("
    "coalesce(exhibit, '') || ' ' || coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || "
    "coalesce(original_filename, '') || ' ' || left(coalesce(extracted_text, ''), 100000), "
    "'[^[:alnum:][:space:]_]+', ' ', 'g'))) STORED",
    "CREATE INDEX evidence_item_search_vector_gin ON evidence_evidenceitem USING gin (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS evidence_item_search_vector_gin",
    "ALTER TABLE evidence_evidenceitem DROP COLUMN IF EXISTS search_vector",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0003_export_job")]

    operations = [
        migrations.AddField(
            model_name="evidenceitem",
            name="claimed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="evidenceitem",
            name="attempts",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="evidenceitem",
            name="queued_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
