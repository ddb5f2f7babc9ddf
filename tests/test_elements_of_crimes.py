"""The Elements of Crimes as the cases' legal qualification: the taxonomy against an
independent list, what can be chosen, the groups, the admin picker and the migration."""

from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalogue import services
from catalogue.models import Case, CrimeCategory
from catalogue.rome_statute import codes_within
from tests.admin_pages import form_errors, login, payload, staff
from tests.elements_of_crimes import ARTICLES, BEFORE_0008, ELEMENTS, SPLIT, WITHOUT_ELEMENTS
from tests.factories import CaseFactory

ADD_CASE = reverse("admin:catalogue_case_add")


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


def test_every_crime_of_the_elements_can_be_chosen_and_nothing_else(db):
    chosen = codes(CrimeCategory.objects.filter(selectable=True))
    assert sorted(set(ELEMENTS) - chosen) == [], "missing"
    assert sorted(chosen - set(ELEMENTS)) == [], "not a crime of the Elements"


def test_the_taxonomy_holds_the_crimes_the_groups_and_nothing_more(db):
    assert codes(CrimeCategory.objects.all()) == {*ELEMENTS, *WITHOUT_ELEMENTS, *SPLIT, *ARTICLES}
    assert codes(CrimeCategory.objects.filter(children__isnull=False)) == {*SPLIT, *ARTICLES}


def test_each_crime_is_named_by_its_title_in_the_elements(db):
    names = dict(CrimeCategory.objects.values_list("code", "name"))
    # Where the Elements' title drops words the qualification turns on, they follow after a comma.
    wrong = {code: names[code] for code, title in {**ELEMENTS, **WITHOUT_ELEMENTS}.items()
             if names[code] != title and not names[code].startswith(f"{title}, ")}
    assert wrong == {}
    assert names["8(2)(b)(iv)"].endswith("widespread, long-term and severe damage to the natural environment")
    assert names["8(2)(a)(iii)"].endswith("serious injury to body or health")
    assert names["8(2)(b)(vii)-2"].endswith("resulting in death or serious personal injury")


def test_8_2_b_xx_is_listed_as_having_no_elements_and_cannot_be_chosen(investigator, team):
    annex = CrimeCategory.objects.get(code="8(2)(b)(xx)")
    assert not annex.selectable and annex.note.startswith("No elements")
    assert not annex.children.exists()
    with pytest.raises(ValidationError) as err:
        services.case_create(actor=investigator, team=team, title="Cluster munitions", categories=["8(2)(b)(xx)"])
    assert "8(2)(b)(xx) cannot be chosen. No elements" in " ".join(err.value.message_dict["categories"])
    assert not Case.objects.exists()


@pytest.mark.parametrize("group", sorted(SPLIT))
def test_a_split_provision_is_the_group_of_its_crimes_and_is_not_chosen_for_a_new_case(group, investigator, team):
    category = CrimeCategory.objects.get(code=group)
    assert [child.code for child in category.children.order_by("position")] == SPLIT[group]
    assert not category.selectable
    with pytest.raises(ValidationError) as err:
        services.case_create(actor=investigator, team=team, title="x", categories=[group])
    assert f"{group} is a group, not a crime of its own: choose among {', '.join(SPLIT[group])}." in (
        err.value.message_dict["categories"])


def test_the_groups_the_filter_expands_are_the_tree_in_the_database(db):
    children: dict[int | None, list[CrimeCategory]] = {}
    for category in CrimeCategory.objects.all():
        children.setdefault(category.parent_id, []).append(category)

    def below(category):
        return [category.code] + [code for child in children.get(category.pk, []) for code in below(child)]

    for category in CrimeCategory.objects.all():
        assert sorted(codes_within(category.code)) == sorted(below(category)), category.code
    assert set(codes_within("7(1)(g)")) == {"7(1)(g)", *SPLIT["7(1)(g)"]}
    assert codes_within("8bis") == ("8bis",)


def test_every_code_a_case_held_before_the_split_is_still_a_row(db):
    assert sorted(set(BEFORE_0008) - codes(CrimeCategory.objects.all())) == []


def test_a_case_keeps_its_folded_code_and_may_keep_it_when_edited(investigator, team):
    folded = CrimeCategory.objects.get(code="7(1)(g)")
    case = CaseFactory(team=team, created_by=investigator)
    case.categories.add(folded)  # as filed before the Elements were split
    services.case_update(actor=investigator, case=case, categories=["7(1)(g)", "8(2)(b)(xxii)-1"])
    assert codes(case.categories.all()) == {"7(1)(g)", "8(2)(b)(xxii)-1"}
    services.case_update(actor=investigator, case=case, categories=["7(1)(g)-1", "8(2)(b)(xxii)-1"])
    with pytest.raises(ValidationError):  # once replaced, the group cannot come back
        services.case_update(actor=investigator, case=case, categories=["7(1)(g)"])


def test_the_migration_adds_the_crimes_and_keeps_a_case_qualified_with_a_folded_code(investigator, team):
    """Run 0008's data step on the taxonomy as it stood before it: nothing a case holds is lost."""
    folded = CrimeCategory.objects.get(code="8(2)(b)(xxii)")
    case = CaseFactory(team=team, created_by=investigator)
    case.categories.add(folded)
    new = [code for code in CrimeCategory.objects.values_list("code", flat=True) if code not in BEFORE_0008]
    CrimeCategory.objects.update(parent=None)
    CrimeCategory.objects.filter(code__in=new).delete()
    CrimeCategory.objects.update(selectable=True, note="")
    CrimeCategory.objects.filter(code="8(2)(b)(xxii)").update(name="Rape and sexual violence (incl. sexual slavery)")
    assert CrimeCategory.objects.count() == 69

    import_module("catalogue.migrations.0008_elements_of_crimes").load_elements_of_crimes(apps, None)

    assert codes(case.categories.all()) == {"8(2)(b)(xxii)"}
    kept = CrimeCategory.objects.get(code="8(2)(b)(xxii)")
    assert kept.pk == folded.pk and not kept.selectable and kept.name.startswith("War crimes of rape, sexual slavery")
    assert codes(kept.children.all()) == set(SPLIT["8(2)(b)(xxii)"])
    assert codes(CrimeCategory.objects.filter(selectable=True)) == set(ELEMENTS)
    assert CrimeCategory.objects.get(code="8bis").name == "Crime of aggression"


# The admin

@pytest.fixture
def filer_client(client, team):
    login(client, staff("investigator", team))
    return client


def case_form(page, team, categories):
    return payload(page, title="Sexual violence at a filtration point", summary="", date_precision="day",
                   sensitivity="open", team=team.pk, reference="",
                   categories=[CrimeCategory.objects.get(code=code).pk for code in categories])


def test_the_admin_picker_offers_the_crimes_only(filer_client):
    page = filer_client.get(ADD_CASE)
    offered = {label.split(" — ")[0] for _pk, label in page.context["adminform"].form.fields["categories"].widget.choices}
    assert offered == {f"Art. {code}" for code in ELEMENTS}


def test_the_admin_files_a_case_with_elements_codes(filer_client, team):
    page = filer_client.get(ADD_CASE)
    response = filer_client.post(ADD_CASE, case_form(page, team, ["7(1)(g)-1", "8bis"]))
    assert response.status_code == 302, form_errors(response)
    assert codes(Case.objects.get().categories.all()) == {"7(1)(g)-1", "8bis"}


@pytest.mark.parametrize(("code", "text"), [
    ("8(2)(b)(xx)", "8(2)(b)(xx) cannot be chosen. No elements"),
    ("7(1)(g)", "7(1)(g) is a group, not a crime of its own: choose among 7(1)(g)-1"),
])
def test_the_admin_refuses_what_cannot_be_chosen_on_the_field(filer_client, team, code, text):
    page = filer_client.get(ADD_CASE)
    response = filer_client.post(ADD_CASE, case_form(page, team, [code, "8(2)(b)(i)"]))
    assert response.status_code == 200
    assert text in " ".join(form_errors(response).get("categories", [])), form_errors(response)
    assert not Case.objects.exists()


def test_the_admin_offers_a_folded_code_only_on_a_case_that_holds_it(filer_client, team):
    case = CaseFactory(team=team)
    case.categories.add(CrimeCategory.objects.get(code="8(2)(e)(vi)"))
    page = filer_client.get(reverse("admin:catalogue_case_change", args=[case.pk]))
    offered = [label for _pk, label in page.context["adminform"].form.fields["categories"].widget.choices]
    assert [label for label in offered if "8(2)(e)(vi) " in label] == [
        f"{CrimeCategory.objects.get(code='8(2)(e)(vi)')} (filed before the Elements were split: keep, or replace "
        "with its crimes)"
    ]
