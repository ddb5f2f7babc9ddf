"""Two indexes fewer on the custody table, which every append and every integration writes.

- The foreign key's own index on item_id: the unique (item, seq) index leads
  with item_id and serves every lookup by item.
- The LIKE (varchar_pattern_ops) twin that unique=True builds beside the unique
  index on entry_hash: entries are looked up by whole hash, never by prefix.

Setting log_index cannot update a row in place (the column is indexed), so an
integration adds an entry to every index: each index dropped saves two writes
per entry. On PostgreSQL the two are dropped and the unique constraint renamed
to the name the model now gives it. On SQLite nothing changes in the database
(a field change there rebuilds the table and would drop its custody triggers):
only the migration state moves, and SQLite never had the LIKE index.
"""

from django.db import migrations, models


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        # Django names these with a hash: find them by what they index.
        cursor.execute("""
            SELECT i.relname FROM pg_index x
              JOIN pg_class i ON i.oid = x.indexrelid
              JOIN pg_class t ON t.oid = x.indrelid
             WHERE t.relname = 'evidence_custodyevent' AND NOT x.indisunique AND x.indnatts = 1
               AND (pg_get_indexdef(x.indexrelid) LIKE '%(item_id)'
                    OR pg_get_indexdef(x.indexrelid) LIKE '%(entry_hash varchar_pattern_ops)')
        """)
        names = [row[0] for row in cursor.fetchall()]
        cursor.execute("""
            SELECT conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
             WHERE t.relname = 'evidence_custodyevent' AND c.contype = 'u'
               AND pg_get_constraintdef(c.oid) = 'UNIQUE (entry_hash)'
        """)
        unique = [row[0] for row in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    if unique and unique[0] != "custody_entry_hash_unique":
        schema_editor.execute(f'ALTER TABLE evidence_custodyevent RENAME CONSTRAINT "{unique[0]}" '
                              'TO custody_entry_hash_unique')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE evidence_custodyevent RENAME CONSTRAINT custody_entry_hash_unique "
                          "TO evidence_custodyevent_entry_hash_key")
    schema_editor.execute("CREATE INDEX IF NOT EXISTS evidence_custodyevent_entry_hash_like "
                          "ON evidence_custodyevent (entry_hash varchar_pattern_ops)")
    schema_editor.execute("CREATE INDEX IF NOT EXISTS evidence_custodyevent_item_id "
                          "ON evidence_custodyevent (item_id)")


class Migration(migrations.Migration):

    dependencies = [
        ("evidence", "0020_custody_append_function"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AlterField(
                    model_name="custodyevent", name="item",
                    field=models.ForeignKey(db_index=False, on_delete=models.deletion.PROTECT,
                                            related_name="custody", to="evidence.evidenceitem",
                                            verbose_name="item"),
                ),
                migrations.AlterField(
                    model_name="custodyevent", name="entry_hash",
                    field=models.CharField(max_length=64, verbose_name="entry hash"),
                ),
                migrations.AddConstraint(
                    model_name="custodyevent",
                    constraint=models.UniqueConstraint(fields=["entry_hash"], name="custody_entry_hash_unique"),
                ),
            ],
        ),
    ]
