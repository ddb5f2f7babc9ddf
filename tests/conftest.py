import pytest
from django.contrib.auth.models import Group

from tests import db_guards, factories


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Test users log in often; a slow hasher would only slow the suite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test stores its evidence in its own empty folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def committed_db(transactional_db):
    """A database whose writes really commit (other connections see them)."""
    db_guards.restore()
    db_guards.reload_migration_data()  # the flush after the last such test removed it
    yield
    db_guards.suspend()  # so that the flush after the test can empty the tables


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
