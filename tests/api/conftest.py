import pytest

from tests import factories
from tests.api.helpers import client_for
from tests.factories import CaseFactory


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
