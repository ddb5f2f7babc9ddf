"""A STORED tsvector of Case.search_text with a GIN index, on PostgreSQL only.

Stored rather than an expression index: with an expression index the planner
recomputes to_tsvector for every row once a search is also ordered by date
(PERFORMANCE.md). The column is not a model field: only catalogue/search.py
reads it, and SQLite searches search_text with LIKE instead.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE catalogue_case ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(search_text, ''))) STORED",
    "CREATE INDEX catalogue_case_search_vector_gin ON catalogue_case USING gin (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS catalogue_case_search_vector_gin",
    "ALTER TABLE catalogue_case DROP COLUMN IF EXISTS search_vector",
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
    dependencies = [("catalogue", "0002_roles_and_categories")]

    operations = [migrations.RunPython(forwards, backwards)]
