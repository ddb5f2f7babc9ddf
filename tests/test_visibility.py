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


def test_one_item_by_id_follows_the_rule_and_reads_as_the_orm_does(cases, team, investigator, request):
    """evidence.selectors.item_visible (the API's read of one item) against items_visible_to."""
    from django.contrib.auth.models import User

    from evidence.models import EvidenceItem
    from evidence.selectors import item_visible, items_visible_to
    from evidence.services import evidence_register

    items = [evidence_register(actor=investigator, case=case, kind="document", title=f"Report {s}", held_by="NGO")
             for s, case in cases.items()]
    EvidenceItem.objects.filter(pk=items[0].pk).update(metadata={"exif": {"GPS": [1, 2]}}, size=12, risk_note="x")
    colleague = factories.user_with_role("investigator", team=team)
    inactive = factories.user_with_role("legal", team=team)
    inactive.is_active = False
    superuser = User.objects.create_superuser("root-visibility", "root@example.org", "pw")
    users = [request.getfixturevalue(who) for who in ("investigator", "reviewer", "legal", "outsider")]
    for user in [*users, colleague, inactive, superuser, factories.UserFactory()]:
        for item in items:
            found = item_visible(user, str(item.pk).replace("-", ""))  # the URL takes it with or without dashes
            expected = items_visible_to(user).select_related("case").filter(pk=item.pk).first()
            assert (found is None) == (expected is None), (user, item.case.sensitivity)
            if found is None:
                continue
            for model_found, model_expected in ((found, expected), (found.case, expected.case)):
                for field in type(model_expected)._meta.concrete_fields:
                    assert getattr(model_found, field.attname) == getattr(model_expected, field.attname), field.name
            assert found.metadata == expected.metadata and not found._state.adding
    assert item_visible(superuser, "0" * 32) is None


def every_kind_of_user(team, request, *, inactive_role: str, root: str):
    """Each role's fixture user, a colleague, an inactive user, a superuser and a user with no
    role: everyone a visibility rule must answer for. Returns (all of them, the superuser)."""
    from django.contrib.auth.models import User

    colleague = factories.user_with_role("investigator", team=team)
    inactive = factories.user_with_role(inactive_role, team=team)
    inactive.is_active = False
    superuser = User.objects.create_superuser(root, "root@example.org", "pw")
    users = [request.getfixturevalue(who) for who in ("investigator", "reviewer", "legal", "outsider")]
    return [*users, colleague, inactive, superuser, factories.UserFactory()], superuser


def test_one_case_by_reference_follows_the_rule_and_reads_as_the_orm_does(cases, team, request):
    """catalogue.selectors.case_visible_with_team (the API's read of one case) against cases_visible_to."""
    from catalogue.selectors import case_visible_with_team

    users, superuser = every_kind_of_user(team, request, inactive_role="legal", root="root-cases")
    for user in users:
        for case in cases.values():
            found = case_visible_with_team(user, case.reference)
            expected = cases_visible_to(user).select_related("team").filter(reference=case.reference).first()
            assert (found is None) == (expected is None), (user, case.sensitivity)
            if found is None:
                continue
            for model_found, model_expected in ((found, expected), (found.team, expected.team)):
                for field in type(model_expected)._meta.concrete_fields:
                    assert getattr(model_found, field.attname) == getattr(model_expected, field.attname), field.name
    assert case_visible_with_team(superuser, "UA-0000-NONE") is None


def test_the_case_a_filing_names_follows_the_rule_and_reads_as_the_orm_does(cases, team, request):
    """catalogue.selectors.case_visible_for_filing (the case a POST /api/v1/evidence/ files into)
    against cases_visible_to; the fields it does not read load as the ORM's would."""
    from catalogue.selectors import FILING_COLUMNS, case_visible_for_filing

    users, superuser = every_kind_of_user(team, request, inactive_role="investigator", root="root-filing")
    for user in users:
        for case in cases.values():
            found = case_visible_for_filing(user, case.reference)
            expected = cases_visible_to(user).filter(reference=case.reference).first()
            assert (found is None) == (expected is None), (user, case.sensitivity)
            if found is None:
                continue
            assert found.get_deferred_fields() == {f.attname for f in type(found)._meta.concrete_fields} - set(
                FILING_COLUMNS)
            for field in type(expected)._meta.concrete_fields:
                assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert case_visible_for_filing(superuser, "UA-0000-NONE") is None
