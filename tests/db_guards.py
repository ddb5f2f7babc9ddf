"""The database's guards (append-only and sealed-item triggers) and the two roles, for tests.

On PostgreSQL with DATABASE_OWNER_URL set (as .ci/run does), the suite runs
as the application role, which owns nothing and so cannot switch a trigger
off, exactly as in production; the test database is made and migrated as the
owner. Two things in tests need the owner's rights:

- the flush that empties the database after a committing test (TRUNCATE and
  switching the triggers off for it): `flush_as_owner` wraps Django's;
- an attacker's writes behind the triggers' back: `tamper`. On PostgreSQL
  with an owner it runs on a connection of its own, so the rows it touches
  must be committed: such tests use the `committed_db` fixture.

Without an owner (SQLite, or PostgreSQL as a superuser) both happen on the
test's own connection.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator, Sequence

import environ
from django.db import connection

# Migration modules that define a GUARDED list of (table, refused operations),
# with triggers named <table>_no_<operation>.
GUARD_MODULES = [
    "evidence.migrations.0002_append_only_triggers",
    "evidence.migrations.0007_tree_head_timestamps",
    "catalogue.migrations.0006_access_log_chain",
]
sealed = importlib.import_module("evidence.migrations.0006_sealed_items_final")
# The custody row's no-update trigger, replaced by one that lets the sequencer set a
# pending entry's log_index once (a trigger of its own, put back on SQLite by its SQL).
set_once = importlib.import_module("evidence.migrations.0013_sequenced_log")


def guarded() -> list[tuple[str, Sequence[str]]]:
    found = []
    for name in GUARD_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        found += list(module.GUARDED)
    return found


def _tables() -> list[str]:
    return sorted({table for table, _ops in guarded()} | {sealed.TABLE})


def owner_settings() -> dict | None:
    """The owner role's connection settings for the test database, if the suite runs as the app role."""
    url = os.environ.get("DATABASE_OWNER_URL", "")
    if not url or connection.vendor != "postgresql":
        return None
    config = environ.Env.db_url_config(url)
    return {**connection.settings_dict, "USER": config["USER"], "PASSWORD": config.get("PASSWORD", "")}


@contextlib.contextmanager
def as_owner() -> Iterator[None]:
    """Reconnect the default connection as the owner for the block (a no-op without one)."""
    owner = owner_settings()
    if owner is None:
        yield
        return
    saved = {key: connection.settings_dict[key] for key in ("USER", "PASSWORD")}
    connection.close()
    connection.settings_dict.update(USER=owner["USER"], PASSWORD=owner["PASSWORD"])
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def _sqlite_names() -> list[tuple[str, str, str]]:
    replaced = {set_once.OLD_TRIGGER}
    names = [(table, op, f"{table}_no_{op.lower()}") for table, ops in guarded() for op in ops]
    return [(table, op, name) for table, op, name in names if name not in replaced]


def suspend(cursor=None) -> None:
    """Switch the guards off (needs the owner's rights on PostgreSQL)."""
    with contextlib.ExitStack() as stack:
        cursor = cursor or stack.enter_context(connection.cursor())
        if connection.vendor == "postgresql":
            for table in _tables():
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            for _table, _op, name in _sqlite_names():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TRIGGER IF EXISTS {sealed.TRIGGER}")
            cursor.execute(f"DROP TRIGGER IF EXISTS {set_once.TRIGGER}")


def restore(cursor=None) -> None:
    with contextlib.ExitStack() as stack:
        cursor = cursor or stack.enter_context(connection.cursor())
        if connection.vendor == "postgresql":
            for table in _tables():
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        else:
            for table, op, name in _sqlite_names():
                cursor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'append-only: {op} on {table} is not allowed'); END;"
                )
            cursor.execute(sealed._sqlite_sql())
            cursor.execute(set_once.sqlite_sql(set_once.sqlite_columns(cursor)))


def tamper(sql: str, params: Sequence | None = None) -> int:
    """What an attacker with the owner's rights can do: run SQL with every guard off.

    Returns the number of rows changed. On PostgreSQL the triggers are off only
    inside the attacker's own transaction, so no other session ever sees them off.
    """
    owner = owner_settings()
    if owner is not None:
        import psycopg

        with psycopg.connect(
            host=owner["HOST"] or "127.0.0.1", port=owner["PORT"] or 5432, dbname=owner["NAME"],
            user=owner["USER"], password=owner["PASSWORD"] or None,
        ) as conn, conn.cursor() as cursor:
            # A test holding a lock on these tables in an open transaction would wait here for ever.
            cursor.execute("SET lock_timeout = '5s'")
            suspend(cursor)
            cursor.execute(sql, params)
            changed = cursor.rowcount
            # ALTER TABLE refuses while this transaction's deferred foreign-key checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            restore(cursor)
        return changed
    with connection.cursor() as cursor:
        suspend(cursor)
        try:
            cursor.execute(sql, params)
            return cursor.rowcount
        finally:
            restore(cursor)


def flush_as_owner(flush) -> None:
    """Run Django's flush (after a committing test) as the owner, guards off for it alone."""
    with as_owner():
        suspend()
        try:
            flush()
        finally:
            restore()


def grant_app_role() -> None:
    """Give the application role its rights on the freshly migrated test database (run as the owner)."""
    from django.core.management import call_command

    app_user = os.environ.get("DATABASE_URL", "") and environ.Env.db_url_config(os.environ["DATABASE_URL"])["USER"]
    call_command("grant_app_role", app_user, verbosity=0)


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
    """What a privileged attacker can do: rewrite an entry behind the triggers' back."""
    from evidence.models import CustodyEvent

    table = CustodyEvent._meta.db_table
    item_key = str(item.pk) if connection.vendor == "postgresql" else item.pk.hex
    tamper(f"UPDATE {table} SET details = %s WHERE seq = %s AND item_id = %s", [details_json, seq, item_key])
