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


def test_roles_and_teams_are_read_alike_alone_and_with_a_token(db):
    from django.contrib.auth.models import Group

    from accounts.tokens import token_create
    from catalogue.api.authentication import token_with_user
    from catalogue.roles import Access, user_access

    first, second = factories.TeamFactory(), factories.TeamFactory()
    user = factories.user_with_role("reviewer", team=first)
    user.groups.add(Group.objects.get(name="legal"))
    second.members.add(user)
    expected = Access(roles=frozenset({"reviewer", "legal"}), team_ids=tuple(sorted([first.pk, second.pk])))
    assert user_access(type(user).objects.get(pk=user.pk)) == expected
    _, key = token_create(user=user)
    assert token_with_user(key).user._access == expected
    lone = factories.user_with_role("investigator")
    assert user_access(lone) == Access(roles=frozenset({"investigator"}), team_ids=())
    assert token_with_user("0" * 40) is None


def test_a_group_whose_name_merely_contains_a_role_grants_nothing(cases, team):
    from django.contrib.auth.models import Group

    from accounts.tokens import token_create
    from catalogue.api.authentication import token_with_user
    from catalogue.roles import user_access

    user = factories.UserFactory()
    team.members.add(user)
    user.groups.add(Group.objects.create(name="observers,legal"))
    assert user_access(type(user).objects.get(pk=user.pk)).roles == frozenset()
    assert token_with_user(token_create(user=user)[1]).user._access.roles == frozenset()
    assert not cases_visible_to(type(user).objects.get(pk=user.pk)).exists()
