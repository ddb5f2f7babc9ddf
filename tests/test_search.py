"""Searching cases and items: words, transliterations, the stored text kept up to date."""

import pytest

from catalogue.models import Case
from catalogue.search import index_case, search_cases, search_items
from catalogue.services import case_create, case_update
from evidence.models import EvidenceItem
from evidence.services import evidence_register
from tests.factories import CaseFactory, PlaceFactory


@pytest.fixture
def kyiv(db):
    return PlaceFactory(name="Kyiv", aliases=["Kiev", "Київ", "Киев"], admin_area="Kyiv City")


@pytest.fixture
def kyiv_case(investigator, team, kyiv):
    return case_create(actor=investigator, team=team, title="Shelling of a residential block",
                       summary="Artillery strike at night", places=[kyiv])


@pytest.fixture
def other_case(investigator, team):
    lviv = PlaceFactory(name="Lviv", aliases=["Lwów", "Львів"])
    return case_create(actor=investigator, team=team, title="Strike on a power plant", places=[lviv])


@pytest.mark.parametrize("q", ["Kiev", "Київ", "KYIV", "киев", "kyiv shelling", "artill", "residential block"])
def test_it_finds_a_case_by_any_spelling_of_its_place_and_its_words(kyiv_case, other_case, q):
    found = list(search_cases(Case.objects.all(), q))
    assert found == [kyiv_case]


def test_it_requires_every_word_to_match(kyiv_case, other_case):
    assert list(search_cases(Case.objects.all(), "Kiev plant")) == []
    assert set(search_cases(Case.objects.all(), "strike")) == {kyiv_case, other_case}


def test_a_blank_or_punctuation_only_query_filters_nothing(kyiv_case, other_case):
    assert search_cases(Case.objects.all(), "").count() == 2
    assert search_cases(Case.objects.all(), " & | ! ' ").count() == 2


def test_it_narrows_the_queryset_it_is_given(kyiv_case, other_case):
    assert list(search_cases(Case.objects.filter(pk=other_case.pk), "Kiev")) == []


def test_case_update_keeps_the_search_text_current(kyiv_case, investigator):
    case_update(actor=investigator, case=kyiv_case, title="Attack on Bucha hospital")
    assert list(search_cases(Case.objects.all(), "hospital")) == [kyiv_case]
    assert list(search_cases(Case.objects.all(), "residential")) == []


def test_an_item_text_makes_its_case_findable(kyiv_case, investigator):
    evidence_register(actor=investigator, case=kyiv_case, kind="document", title="Casualty list", held_by="NGO")
    EvidenceItem.objects.filter(case=kyiv_case).update(extracted_text="Signed by the Oblast prosecutor")
    index_case(kyiv_case)
    assert list(search_cases(Case.objects.all(), "prosecutor")) == [kyiv_case]
    assert list(search_items(EvidenceItem.objects.all(), "prosecutor casualty")) == [
        EvidenceItem.objects.get(case=kyiv_case)
    ]


def test_it_finds_a_case_by_its_reference(investigator, team):
    case = CaseFactory(team=team, created_by=investigator, reference="UA-2022-0042")
    index_case(case)
    assert list(search_cases(Case.objects.all(), "UA-2022-0042")) == [case]
