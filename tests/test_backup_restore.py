"""A backup restored in place of the live database is proven complete, or caught as a rollback.

What docs/operations.md tells an operator to do after a restore: run
`verify_integrity --witness DIR` against the restored database with the
witnessed heads that were published outside it. An older backup lacks the
entries of every head witnessed after it was taken, and the check names them.
"""

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from catalogue import services as catalogue_services
from evidence import signing, witness
from evidence.custody import custody_append
from tests import db_guards, factories

ROOT = Path(django_settings.BASE_DIR)


def _pg_user() -> str:
    owner = db_guards.owner_settings()
    return owner["USER"] if owner else connection.settings_dict["USER"]


def _pg_args() -> list[str]:
    s = connection.settings_dict
    return ["-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432), "-U", _pg_user()]


def take_backup(folder: Path) -> Path:
    """pg_dump (as the owner, who holds every table) or SQLite's online backup."""
    connection.close()
    if connection.vendor == "postgresql":
        dump = folder / "backup.dump"
        subprocess.run(["pg_dump", *_pg_args(), "-Fc", "-f", str(dump), connection.settings_dict["NAME"]],
                       check=True, capture_output=True)
        return dump
    copy = folder / "backup.sqlite3"
    with sqlite3.connect(connection.settings_dict["NAME"]) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return copy


def restore(backup: Path) -> tuple[str, callable]:
    """The restored database's URL, and how to remove it afterwards."""
    if connection.vendor == "postgresql":
        name = f"{connection.settings_dict['NAME']}_restored"
        subprocess.run(["dropdb", *_pg_args(), "--if-exists", name], check=True, capture_output=True)
        subprocess.run(["createdb", *_pg_args(), name], check=True, capture_output=True)
        subprocess.run(["pg_restore", *_pg_args(), "--no-owner", "--no-acl", "-d", name, str(backup)],
                       check=True, capture_output=True)
        s = connection.settings_dict
        url = f"postgres://{_pg_user()}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"
        return url, lambda: subprocess.run(["dropdb", *_pg_args(), "--if-exists", name], capture_output=True)
    restored = backup.with_name("restored.sqlite3")
    shutil.copyfile(backup, restored)
    return f"sqlite:///{restored}", lambda: restored.unlink(missing_ok=True)


def verify_restored(url: str, witness_dir: Path) -> tuple[int, str]:
    """verify_integrity --witness in a process of its own, as the operator runs it."""
    env = {
        **os.environ, "DATABASE_URL": url, "SECRET_KEY": "restore-check-" + "x" * 60,
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "LEDGER_PUBLIC_KEYS_DIR": str(django_settings.LEDGER_PUBLIC_KEYS_DIR),
        "LEDGER_SIGNING_KEY_FILE": str(django_settings.LEDGER_SIGNING_KEY_FILE),
        "LEDGER_WITNESS_DIR": "",  # the check reads the published copy; it writes nothing
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run([sys.executable, "manage.py", "verify_integrity", "--witness", str(witness_dir)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout + result.stderr


@pytest.mark.django_db(transaction=True)
def test_an_older_backup_is_caught_as_a_rollback_and_a_current_one_is_proven(committed_db, tmp_path):
    team = factories.TeamFactory()
    investigator = factories.user_with_role("investigator", team=team)
    case = factories.CaseFactory(team=team, created_by=investigator)
    item = factories.sealed_item(actor=investigator, case=case, data=b"collected before the backup")
    first = signing.sign_tree_head()
    published = Path(django_settings.LEDGER_WITNESS_DIR)
    assert (published / witness.file_name(first.tree_size)).exists()

    older = take_backup(tmp_path)

    custody_append(item=item, action="transfer", user=investigator, details={"to": "court registry"})
    catalogue_services.access_log_record(user=investigator, case=case, via="api", action="read")
    second = signing.sign_tree_head()
    assert second.tree_size > first.tree_size
    # An operator copies the witness folder away from the catalogue (a mirror, another organisation).
    outside = tmp_path / "published-elsewhere"
    shutil.copytree(published, outside)

    (tmp_path / "now").mkdir()
    current = take_backup(tmp_path / "now")
    for backup, should_pass in ((current, True), (older, False)):
        url, remove = restore(backup)
        try:
            code, out = verify_restored(url, outside)
        finally:
            remove()
        if should_pass:
            assert code == 0, out
        else:
            assert code == 1, out
            newest = witness.file_name(second.tree_size)
            assert f"witnessed head {newest}" in out and "rollback" in out
            assert f"witnessed head {witness.file_name(first.tree_size)}" not in out  # it holds up to there
