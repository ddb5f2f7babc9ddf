import pytest
from django.core.cache import cache

from tests import factories
from tests.api.helpers import client_for
from tests.factories import CaseFactory


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache; each test starts with none spent."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def other_team(db):
    return factories.TeamFactory(name="Other team", slug="other-team")


@pytest.fixture
def world(team, other_team, investigator):
    """A case of each sensitivity on our team and on another team."""
    other_investigator = factories.user_with_role("investigator", team=other_team)
    cases = {}
    for owner, who, label in ((team, investigator, "own"), (other_team, other_investigator, "other")):
        for sensitivity in ("open", "restricted", "confidential"):
            cases[label, sensitivity] = CaseFactory(team=owner, created_by=who, sensitivity=sensitivity)
    return cases


@pytest.fixture
def api():
    return client_for
