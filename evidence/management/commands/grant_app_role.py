"""`python manage.py grant_app_role ROLE`: give the application's database role
the rights it needs, and no more, after migrating as the owner.

The application role may read and write rows; it owns no table, so it cannot
disable the append-only and sealed-item triggers, truncate a table, or change
the schema (docs/deployment.md, "Two database roles"). Run it as the owner
after every `migrate`, since new tables start with the owner's rights only.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = "Grant the application role row rights on every table (PostgreSQL; run as the owner after migrate)."

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role the application connects as (owns nothing)")

    def handle(self, *args, role: str, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("Not PostgreSQL: there are no database roles to set up.")
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = %s", [role]
            )
            row = cursor.fetchone()
            if row is None:
                raise CommandError(f"There is no database role {role!r}: create it first (docs/deployment.md).")
            if any(row):
                raise CommandError(
                    f"The role {role!r} is a superuser, bypasses row security or creates roles: "
                    "it could switch the evidence triggers off. Use a plain LOGIN role."
                )
            cursor.execute("SELECT current_user")
            owner = cursor.fetchone()[0]
            if owner == role:
                raise CommandError("Run this as the owner of the tables, not as the application role.")
            cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [role, owner])
            if cursor.fetchone()[0]:
                raise CommandError(
                    f"The role {role!r} is a member of the owner {owner!r}, so it holds the owner's rights."
                )
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s", [role]
            )
            if cursor.fetchone()[0]:
                raise CommandError(f"The role {role!r} owns tables: an owner can switch triggers off.")
            quoted = connection.ops.quote_name(role)
            cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
            cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
            # PUBLIC may run functions by default; say it for ours (the custody append, migration
            # 0020), which run with the caller's rights and so through the same triggers.
            cursor.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {quoted}")
        self.stdout.write(self.style.SUCCESS(f"Granted row rights on every table to {role}; it owns nothing."))
