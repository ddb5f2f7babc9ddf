import os
from pathlib import Path

import environ
import pytest
from django.contrib.auth.models import Group

from tests import db_guards, factories


def pytest_configure(config):
    """The SQLite test database is a file under var/, which a fresh clone lacks."""
    from django.conf import settings

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and name:
        Path(name).parent.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Test users log in often; a slow hasher would only slow the suite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _integrate_in_writer(settings):
    """Tests that are not about the sequencer integrate each entry in its writer's transaction,
    as the embedded default does, so what they read right after an append is final. The
    queued path (pending entries, the sequencer, its lease) is tested in tests/test_sequencer.py
    and tests/integration/test_sequencer_workers.py, which use the `sequenced` fixture."""
    settings.LEDGER_INTEGRATE_IN_WRITER = True


@pytest.fixture
def sequenced(settings):
    """Appends only queue their entries; the sequencer integrates them."""
    settings.LEDGER_INTEGRATE_IN_WRITER = False


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test stores its evidence, and witnesses its heads, in its own empty folders
    (a witness folder shared across test databases would see every new log as a fork)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LEDGER_WITNESS_DIR = str(tmp_path / "witness")


def _patch_flush() -> None:
    """The flush after a committing test needs the owner's rights (TRUNCATE, triggers off)."""
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self):
        db_guards.flush_as_owner(lambda: original(self))

    TransactionTestCase._fixture_teardown = _fixture_teardown


_patch_flush()


@pytest.fixture(scope="session")
def _migrate_as_owner(django_db_blocker):
    """On PostgreSQL with DATABASE_OWNER_URL, the test database is made and migrated as the owner..."""
    owner = db_guards.as_owner()
    with django_db_blocker.unblock():
        owner.__enter__()
    yield
    with django_db_blocker.unblock():
        owner.__exit__(None, None, None)


@pytest.fixture(scope="session")
def django_db_setup(_migrate_as_owner, django_db_setup, django_db_blocker):
    """...and the suite then runs as the application role, which owns nothing."""
    from django.db import connection

    if db_guards.owner_settings() is None:
        yield
        return
    with django_db_blocker.unblock():
        db_guards.grant_app_role()
        saved = {key: connection.settings_dict[key] for key in ("USER", "PASSWORD")}
        app = environ.Env.db_url_config(os.environ["DATABASE_URL"])
        connection.close()
        connection.settings_dict.update(USER=app["USER"], PASSWORD=app.get("PASSWORD", ""))
    yield
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict.update(saved)


@pytest.fixture
def committed_db(transactional_db):
    """A database whose writes really commit (other connections see them)."""
    db_guards.reload_migration_data()  # the flush after the last such test removed it
    yield


@pytest.fixture
def own_ledger(settings, tmp_path):
    """A signing key, trusted keys, witness folder and no TSA of this test's own."""
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = tmp_path / "keys" / "ledger.pem"
    settings.LEDGER_PUBLIC_KEYS_DIR = tmp_path / "public-keys"
    settings.LEDGER_WITNESS_DIR = str(tmp_path / "witness")
    settings.LEDGER_TSA_URL = ""
    settings.LEDGER_TSA_CA_FILE = ""
    settings.LEDGER_TSA_TIMEOUT = 5.0


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle and quota counters live in the cache; each test starts with none spent."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def other_team(db):
    return factories.TeamFactory(name="Other team", slug="other-team")


@pytest.fixture
def team(db):
    return factories.TeamFactory()


@pytest.fixture
def investigator(team):
    return factories.user_with_role("investigator", team=team)


@pytest.fixture
def reviewer(team):
    return factories.user_with_role("reviewer", team=team)


@pytest.fixture
def legal(team):
    return factories.user_with_role("legal", team=team)


@pytest.fixture
def outsider(db):
    """An investigator on another team: sees open cases only."""
    return factories.user_with_role("investigator", team=factories.TeamFactory())


@pytest.fixture
def roles(db):
    return {g.name: g for g in Group.objects.all()}


@pytest.fixture
def eager_celery():
    """Run Celery tasks in-process for this test, whatever REDIS_URL says."""
    from config.celery import app

    # The app reads Django settings under the CELERY_ namespace, so the
    # namespaced key is the one that wins over the plain one.
    saved = app.conf.CELERY_TASK_ALWAYS_EAGER, app.conf.CELERY_TASK_EAGER_PROPAGATES
    app.conf.CELERY_TASK_ALWAYS_EAGER, app.conf.CELERY_TASK_EAGER_PROPAGATES = True, True
    yield app
    app.conf.CELERY_TASK_ALWAYS_EAGER, app.conf.CELERY_TASK_EAGER_PROPAGATES = saved
