"""Elements-of-Crimes codes on cases through the API: accepted, shown, and filtered by group."""

import pytest

from catalogue import services
from catalogue.models import Case, CrimeCategory
from tests.factories import CaseFactory


def refs(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {c["reference"] for c in response.json()["results"]}


@pytest.fixture
def qualified(team, investigator):
    """Cases qualified with crimes inside and outside 7(1)(g), and one filed before the split."""
    def case(reference, codes):
        return services.case_create(actor=investigator, team=team, reference=reference, title=f"Allegation {reference}",
                                    categories=codes)
    case("UA-2022-0001", ["7(1)(g)-1"])
    case("UA-2022-0002", ["7(1)(g)-6", "8(2)(b)(i)"])
    case("UA-2022-0003", ["8(2)(b)(xxii)-1"])
    case("UA-2022-0004", ["8bis"])
    old = CaseFactory(team=team, created_by=investigator, reference="UA-2022-0005", sensitivity="open")
    old.categories.add(CrimeCategory.objects.get(code="7(1)(g)"))


@pytest.mark.parametrize(("category", "expected"), [
    ("7(1)(g)", {"UA-2022-0001", "UA-2022-0002", "UA-2022-0005"}),
    ("7(1)(g)-1", {"UA-2022-0001"}),
    ("8bis", {"UA-2022-0004"}),
    ("8(2)(b)(xxii)", {"UA-2022-0003"}),
    ("8(2)(b)", {"UA-2022-0002", "UA-2022-0003"}),
    ("7", {"UA-2022-0001", "UA-2022-0002", "UA-2022-0005"}),
    ("8", {"UA-2022-0002", "UA-2022-0003"}),
    ("8(2)(b)(x)", set()),  # not a prefix of 8(2)(b)(xxii)
    ("99(z)", set()),
])
def test_a_category_filter_finds_the_cases_with_any_crime_of_the_group(qualified, legal, api, category, expected):
    assert refs(api(legal).get("/api/v1/cases/", {"category": category})) == expected


def test_an_investigator_files_a_case_with_elements_codes_and_sees_them(investigator, api):
    client = api(investigator)
    response = client.post("/api/v1/cases/", {"title": "Rape at a checkpoint", "categories": ["7(1)(g)-1", "8bis"]},
                           format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(c["code"], c["name"]) for c in body["categories"]] == [
        ("7(1)(g)-1", "Crime against humanity of rape"), ("8bis", "Crime of aggression")]
    listed = client.get("/api/v1/cases/", {"category": "7(1)(g)"}).json()["results"]
    assert [row["categories"] for row in listed] == [["7(1)(g)-1", "8bis"]]


def test_an_investigator_requalifies_a_case_with_a_patch(qualified, investigator, api):
    response = api(investigator).patch("/api/v1/cases/UA-2022-0001/", {"categories": ["7(1)(g)-3", "8(2)(e)(xix)"]},
                                       format="json")
    assert response.status_code == 200, response.content
    assert [c["code"] for c in response.json()["categories"]] == ["7(1)(g)-3", "8(2)(e)(xix)"]


def test_a_case_filed_before_the_split_keeps_its_group_through_a_patch(qualified, investigator, api):
    response = api(investigator).patch("/api/v1/cases/UA-2022-0005/", {"categories": ["7(1)(g)", "7(1)(a)"]},
                                       format="json")
    assert response.status_code == 200, response.content
    assert sorted(Case.objects.get(reference="UA-2022-0005").categories.values_list("code", flat=True)) == [
        "7(1)(a)", "7(1)(g)"]


@pytest.mark.parametrize(("codes", "text"), [
    (["8(2)(b)(xx)"], "8(2)(b)(xx) cannot be chosen. No elements"),
    (["7(1)(g)"], "7(1)(g) is a group, not a crime of its own: choose among 7(1)(g)-1, 7(1)(g)-2"),
    (["8(2)(b)"], "8(2)(b) is a group"),
    (["7(1)(g)-7"], "Unknown Elements of Crimes code(s): 7(1)(g)-7."),
])
def test_what_cannot_be_chosen_is_a_400_that_says_why(qualified, investigator, api, codes, text):
    client = api(investigator)
    created = client.post("/api/v1/cases/", {"title": "x", "categories": codes}, format="json")
    patched = client.patch("/api/v1/cases/UA-2022-0001/", {"categories": codes}, format="json")
    for response in (created, patched):
        assert response.status_code == 400, response.content
        assert text in " ".join(response.json()["errors"]["categories"])
    assert Case.objects.count() == 5
    assert list(Case.objects.get(reference="UA-2022-0001").categories.values_list("code", flat=True)) == ["7(1)(g)-1"]
