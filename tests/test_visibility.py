"""Who sees which case: the one rule every door uses."""

import pytest

from catalogue.selectors import cases_visible_to
from tests import factories
from tests.factories import CaseFactory


@pytest.fixture
def cases(team, investigator):
    return {
        s: CaseFactory(team=team, created_by=investigator, sensitivity=s)
        for s in ("open", "restricted", "confidential")
    }


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("investigator", {"open", "restricted", "confidential"}),  # filed them all
        ("reviewer", {"open", "restricted", "confidential"}),
        ("legal", {"open", "restricted", "confidential"}),
        ("outsider", {"open"}),
    ],
)
def test_each_role_sees_what_its_team_and_sensitivity_allow(request, cases, who, expected):
    user = request.getfixturevalue(who)
    seen = set(cases_visible_to(user).values_list("sensitivity", flat=True))
    assert seen == expected


def test_a_team_investigator_who_did_not_file_does_not_see_confidential(cases, team):
    colleague = factories.user_with_role("investigator", team=team)
    assert set(cases_visible_to(colleague).values_list("sensitivity", flat=True)) == {"open", "restricted"}


def test_a_user_without_a_role_sees_nothing(cases):
    assert not cases_visible_to(factories.UserFactory()).exists()


def test_an_inactive_user_sees_nothing(cases, legal):
    legal.is_active = False
    assert not cases_visible_to(legal).exists()
