"""Four eyes on declassification: requests to lower a case's sensitivity or move it
to another team, with their decisions (catalogue/case_changes.py).

The database keeps them as written: no request is deleted, and an UPDATE may
only record the decision on a pending one (whatever path the SQL comes from).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


TABLE = "catalogue_casechangerequest"
ASKED = ["case_id", "requested_by_id", "requested_at", "reason", "from_sensitivity", "from_team_id",
         "sensitivity", "team_id"]
PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION catalogue_change_request_kept() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'change requests are kept: DELETE on % is not allowed', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.state <> 'pending' OR {" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in ASKED)} THEN
        RAISE EXCEPTION 'change requests are kept: only the decision on a pending request may be written'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)  # the body holds %: no client-side params
        schema_editor.execute(f"CREATE TRIGGER {TABLE}_kept BEFORE UPDATE OR DELETE ON {TABLE} "
                              f"FOR EACH ROW EXECUTE FUNCTION catalogue_change_request_kept();")
    elif vendor == "sqlite":
        schema_editor.execute(f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
                              f"BEGIN SELECT RAISE(ABORT, 'change requests are kept: DELETE is not allowed'); END;")
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in ASKED)
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_decided_once BEFORE UPDATE ON {TABLE} "
            f"WHEN OLD.state <> 'pending' OR {changed} "
            f"BEGIN SELECT RAISE(ABORT, 'change requests are kept: only the decision on a pending request "
            f"may be written'); END;"
        )
    else:
        raise RuntimeError(f"No guard written for change requests on the {vendor} database.")


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_kept ON {TABLE}")
        schema_editor.execute("DROP FUNCTION IF EXISTS catalogue_change_request_kept()")
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_decided_once")


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0006_access_log_chain"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseChangeRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("requested_at", models.DateTimeField()),
                ("reason", models.TextField()),
                ("from_sensitivity", models.CharField(
                    choices=[("open", "Open"), ("restricted", "Restricted (own team)"),
                             ("confidential", "Confidential (own team, named roles)")], max_length=16)),
                ("sensitivity", models.CharField(
                    blank=True, choices=[("open", "Open"), ("restricted", "Restricted (own team)"),
                                         ("confidential", "Confidential (own team, named roles)")], max_length=16)),
                ("state", models.CharField(
                    choices=[("pending", "Pending"), ("approved", "Approved"), ("rejected", "Rejected")],
                    default="pending", max_length=10)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("decision_note", models.TextField(blank=True)),
                ("case", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                           related_name="change_requests", to="catalogue.case")),
                ("decided_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                                 related_name="+", to=settings.AUTH_USER_MODEL)),
                ("from_team", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                to="catalogue.team")),
                ("requested_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                   to=settings.AUTH_USER_MODEL)),
                ("team", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                           related_name="+", to="catalogue.team")),
            ],
            options={
                "ordering": ["-requested_at", "-id"],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("state__in", ["pending", "approved", "rejected"])),
                                           name="case_change_state_known"),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("decided_at__isnull", True), ("decided_by__isnull", True), ("state", "pending")),
                            models.Q(models.Q(("state", "pending"), _negated=True), ("decided_at__isnull", False),
                                     ("decided_by__isnull", False)),
                            _connector="OR",
                        ),
                        name="case_change_decided_once_with_who_and_when",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("decided_by", models.F("requested_by")), _negated=True),
                        name="case_change_not_self_decided",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(models.Q(("sensitivity", ""), _negated=True), ("team__isnull", False),
                                           _connector="OR"),
                        name="case_change_asks_for_something",
                    ),
                    models.UniqueConstraint(condition=models.Q(("state", "pending")), fields=("case",),
                                            name="case_change_one_pending"),
                ],
            },
        ),
        migrations.RunPython(guard, unguard),
    ]
