"""Lets tests that commit (and so are cleaned by a flush) get past the append-only triggers.

The triggers are suspended only for the flush that empties the test database
after such a test, and restored before the next one starts.
"""

import importlib

from django.db import connection

triggers = importlib.import_module("evidence.migrations.0002_append_only_triggers")


def _sqlite_names():
    return [(table, op, f"{table}_no_{op.lower()}") for table, ops in triggers.GUARDED for op in ops]


def suspend() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table, _ops in triggers.GUARDED:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            for _table, _op, name in _sqlite_names():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def restore() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table, _ops in triggers.GUARDED:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        else:
            for table, op, name in _sqlite_names():
                cursor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'append-only: {op} on {table} is not allowed'); END;"
                )


def reload_migration_data() -> None:
    """Put back the roles and categories that data migrations made (a flush removes them)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    roles_and_categories = importlib.import_module("catalogue.migrations.0002_roles_and_categories")
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)

    class GlobalApps:
        get_model = staticmethod(apps.get_model)

        @staticmethod
        def get_app_configs():
            return []

    roles_and_categories.create_roles(GlobalApps, None)
    roles_and_categories.load_categories(GlobalApps, None)


def rewrite_custody_details(item, seq: int, details_json: str) -> None:
    """What a privileged attacker can do: switch the guards off, rewrite an entry, switch them on."""
    from evidence.models import CustodyEvent

    table = CustodyEvent._meta.db_table
    item_key = str(item.pk) if connection.vendor == "postgresql" else item.pk.hex
    suspend()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET details = %s WHERE seq = %s AND item_id = %s",
                           [details_json, seq, item_key])
    finally:
        restore()
