"""The access log becomes one hash chain (catalogue/access_chain.py), and the
database refuses to change or remove its entries, or the state row that
serialises appends, whatever path the SQL comes from.

Existing entries are chained in id order (the order they were written), so
the log that was there before is kept whole, and from now on cannot shrink
unseen.
"""

from django.conf import settings
from django.db import migrations, models

from catalogue.access_chain import GENESIS_HASH, entry_body, entry_hash

# (table, operations refused), in the format of evidence/migrations/0002_append_only_triggers.py.
# The state row's UPDATE stays allowed: every append updates it.
GUARDED = [
    ("catalogue_accesslog", ("UPDATE", "DELETE")),
    ("catalogue_accesslogstate", ("DELETE",)),
]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION catalogue_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def chain_existing(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        # The updates below would leave deferred FK checks pending, which the
        # ALTER TABLEs after them refuse to run past.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    AccessLog = apps.get_model("catalogue", "AccessLog")
    AccessLogState = apps.get_model("catalogue", "AccessLogState")
    db = connection.alias
    table = connection.ops.quote_name(AccessLog._meta.db_table)
    fields = ("id", "case_id", "user_id", "at", "via", "action", "remote_addr", "reason")
    seq, prev, rows = 0, GENESIS_HASH, []

    def write(rows):
        # One UPDATE ... FROM (VALUES ...) per chunk: bulk_update's CASE took 2 minutes for 200,000 rows.
        if rows:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET seq = v.column2, prev_hash = v.column3, entry_hash = v.column4 "
                    f"FROM (VALUES {', '.join(rows)}) AS v WHERE {table}.id = v.column1"
                )

    entries = AccessLog.objects.using(db).order_by("id").values_list(*fields)
    for pk, case_id, user_id, at, via, action, remote_addr, reason in entries.iterator(chunk_size=5000):
        seq += 1
        digest = entry_hash(entry_body(seq=seq, case_id=case_id, user_id=user_id, at=at, via=via, action=action,
                                       remote_addr=remote_addr, reason=reason, prev_hash=prev))
        rows.append(f"({int(pk)}, {seq}, '{prev}', '{digest}')")  # our integers and hex digests only
        prev = digest
        if len(rows) == 5000:
            write(rows)
            rows = []
    write(rows)
    AccessLogState.objects.using(db).update_or_create(pk=1, defaults={"size": seq, "tip": prev})


def guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)  # the body holds %: no client-side params
    for table, operations in GUARDED:
        for op in operations:
            name = f"{table}_no_{op.lower()}"
            if vendor == "postgresql":
                schema_editor.execute(
                    f"CREATE TRIGGER {name} BEFORE {op} ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION catalogue_refuse_change();"
                )
                # TRUNCATE bypasses row triggers; refuse it separately.
                if op == "DELETE":
                    schema_editor.execute(
                        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                        f"FOR EACH STATEMENT EXECUTE FUNCTION catalogue_refuse_change();"
                    )
            elif vendor == "sqlite":
                schema_editor.execute(
                    f"CREATE TRIGGER {name} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'append-only: {op} on {table} is not allowed'); END;"
                )
            else:
                raise RuntimeError(f"No append-only triggers written for the {vendor} database.")


def unguard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, operations in GUARDED:
        names = [f"{table}_no_{op.lower()}" for op in operations]
        if vendor == "postgresql" and "DELETE" in operations:
            names.append(f"{table}_no_truncate")
        for name in names:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if vendor == "postgresql" else ""))
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS catalogue_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0005_protected_people_permissions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AccessLogState",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("size", models.BigIntegerField(default=0)),
                ("tip", models.CharField(default="0" * 64, max_length=64)),
            ],
        ),
        migrations.AddField("accesslog", "seq", models.BigIntegerField(null=True, editable=False)),
        migrations.AddField("accesslog", "prev_hash", models.CharField(default="", editable=False, max_length=64),
                            preserve_default=False),
        migrations.AddField("accesslog", "entry_hash", models.CharField(default="", editable=False, max_length=64),
                            preserve_default=False),
        migrations.AlterField("accesslog", "at", models.DateTimeField(db_index=True)),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AlterField("accesslog", "seq", models.BigIntegerField(editable=False, unique=True)),
        migrations.AddConstraint(
            model_name="accesslog",
            constraint=models.CheckConstraint(condition=models.Q(("seq__gte", 1)), name="access_log_seq_from_one"),
        ),
        migrations.RunPython(guard, unguard),
    ]
