"""A case's crime codes and countries on its row (catalogue.facets): they follow every change to
the links, and the list's category and country filters find what the links themselves say."""

from datetime import date

import pytest
from django.db.models import Exists, OuterRef

from catalogue import services
from catalogue.models import Case, CrimeCategory, Place
from catalogue.rome_statute import codes_within
from catalogue.selectors import cases_visible_to
from tests import factories


def stored(case: Case) -> tuple[list[str], list[str]]:
    row = Case.objects.values_list("category_codes", "countries").get(pk=case.pk)
    return sorted(row[0]), sorted(row[1])


def from_links(case: Case) -> tuple[list[str], list[str]]:
    codes = set(CrimeCategory.objects.filter(cases=case).values_list("code", flat=True))
    countries = set(Place.objects.filter(cases=case).values_list("country", flat=True))
    return sorted(codes), sorted(countries)


def assert_current(*cases: Case) -> None:
    for case in cases:
        assert stored(case) == from_links(case), case.reference


@pytest.fixture
def places(db):
    return {
        "kyiv": factories.PlaceFactory(name="Kyiv", country="UA"),
        "kharkiv": factories.PlaceFactory(name="Kharkiv", country="UA"),
        "tbilisi": factories.PlaceFactory(name="Tbilisi", country="GE"),
        "aleppo": factories.PlaceFactory(name="Aleppo", country="SY"),
    }


def test_a_new_case_holds_the_codes_and_countries_it_was_filed_with(investigator, team, places):
    case = services.case_create(actor=investigator, team=team, title="Shelling",
                                places=[places["kyiv"], places["kharkiv"], places["tbilisi"]],
                                categories=["8(2)(b)(i)", "7(1)(a)"])
    assert stored(case) == (["7(1)(a)", "8(2)(b)(i)"], ["GE", "UA"])
    bare = services.case_create(actor=investigator, team=team, title="Nothing known yet")
    assert stored(bare) == ([], [])


def test_the_facets_follow_the_case_service_and_survive_a_later_save(investigator, team, places):
    case = services.case_create(actor=investigator, team=team, title="Shelling", places=[places["kyiv"]],
                                categories=["8(2)(b)(i)"])
    services.case_update(actor=investigator, case=case, places=[places["aleppo"]], categories=["7(1)(d)"])
    assert stored(case) == (["7(1)(d)"], ["SY"])
    # The object in hand was loaded before the links changed: saving it must not write its copy back.
    services.case_update(actor=investigator, case=case, title="Shelling of a market")
    Case.objects.get(pk=case.pk).save()
    assert stored(case) == (["7(1)(d)"], ["SY"])
    services.case_update(actor=investigator, case=case, places=[], categories=[])
    assert stored(case) == ([], [])


def test_the_facets_follow_links_changed_through_the_model_api(team, places):
    case = factories.CaseFactory(team=team)
    case.places.add(places["kyiv"], places["tbilisi"])
    case.categories.add(*CrimeCategory.objects.filter(code__in=["6(a)", "8(2)(a)(ii)-1"]))
    assert_current(case)
    case.places.remove(places["tbilisi"])
    case.categories.remove(CrimeCategory.objects.get(code="6(a)"))
    assert stored(case) == (["8(2)(a)(ii)-1"], ["UA"])
    case.places.clear()
    assert stored(case) == (["8(2)(a)(ii)-1"], [])


def test_two_places_in_one_country_name_it_once_and_it_stays_while_one_remains(team, places):
    case = factories.CaseFactory(team=team)
    case.places.set([places["kyiv"], places["kharkiv"]])
    assert stored(case)[1] == ["UA"]
    case.places.remove(places["kyiv"])
    assert stored(case)[1] == ["UA"]


def test_a_bulk_insert_of_links_sets_the_facets_of_every_case(team, places):
    cases = [factories.CaseFactory(team=team) for _ in range(3)]
    through = Case.places.through
    through.objects.bulk_create([through(case=case, place=place) for case in cases[:2] for place in places.values()])
    through.objects.bulk_create([through(case=cases[2], place=places["aleppo"])])
    assert [stored(case)[1] for case in cases] == [["GE", "SY", "UA"], ["GE", "SY", "UA"], ["SY"]]
    through.objects.filter(case__in=cases[:2], place__country="UA").delete()
    assert_current(*cases)


def test_a_place_moved_to_another_country_moves_its_cases(investigator, team, places):
    a = services.case_create(actor=investigator, team=team, title="Strike A", places=[places["kyiv"]])
    b = services.case_create(actor=investigator, team=team, title="Strike B", places=[places["kyiv"], places["kharkiv"]])
    services.shared_record_update(actor=investigator, record=places["kyiv"], country="MD")
    assert (stored(a)[1], stored(b)[1]) == (["MD"], ["MD", "UA"])
    Place.objects.filter(pk=places["kyiv"].pk).update(name="Kyiv city")  # another column: nothing to do
    assert_current(a, b)


def test_a_crime_whose_code_changes_is_found_by_its_new_code(team):
    case = factories.CaseFactory(team=team)
    case.categories.add(CrimeCategory.objects.get(code="6(a)"))
    CrimeCategory.objects.filter(code="6(a)").update(code="6(a)-x")
    assert stored(case)[0] == ["6(a)-x"]


def test_a_deleted_place_leaves_no_country_behind(team, places):
    case = factories.CaseFactory(team=team)
    case.places.set([places["aleppo"], places["kyiv"]])
    places["aleppo"].delete()
    assert stored(case)[1] == ["UA"]


# --- the filters: the same answers as the links give -------------------------------------


def old_category_filter(queryset, value: str):
    """The filter before migration 0012, through the links: the reference for the new one."""
    codes = codes_within(value.strip()) or [value.strip()]
    through = Case.categories.through
    return queryset.filter(Exists(through.objects.filter(case=OuterRef("pk"), crimecategory__code__in=codes)))


def old_country_filter(queryset, value: str):
    through = Case.places.through
    return queryset.filter(Exists(through.objects.filter(case=OuterRef("pk"), place__country=value)))


@pytest.fixture
def spread(investigator, team, other_team, places):
    """Cases across crimes, groups, countries and sensitivities, one of them qualified with a group
    (as cases filed before the Elements were split are), one hidden from the legal user."""
    other = factories.user_with_role("investigator", team=other_team)
    filed = [
        (investigator, team, "open", ["7(1)(g)-1"], ["kyiv"]),
        (investigator, team, "restricted", ["7(1)(g)-6", "8(2)(b)(i)"], ["kyiv", "tbilisi"]),
        (investigator, team, "confidential", ["6(a)"], ["aleppo"]),
        (other, other_team, "open", ["8(2)(b)(xxii)-1"], ["tbilisi"]),
        (other, other_team, "restricted", ["7(1)(g)-1"], ["kharkiv"]),  # hidden from the legal user
        (other, other_team, "open", [], []),
    ]
    cases = [
        services.case_create(actor=actor, team=t, title=f"Case {n}", sensitivity=sensitivity,
                             incident_start=date(2022, 3, n + 1), categories=codes,
                             places=[places[name] for name in names])
        for n, (actor, t, sensitivity, codes, names) in enumerate(filed)
    ]
    legacy = services.case_create(actor=investigator, team=team, title="Filed before the split")
    legacy.categories.add(CrimeCategory.objects.get(code="7(1)(g)"))  # a group, as old cases hold
    return [*cases, legacy]


CATEGORIES = ["7(1)(g)", "7(1)(g)-1", "7(1)(g)-6", "7(1)", "8(2)(b)", "8(2)(b)(i)", "6", "6(a)", "8bis", "nonsense"]


@pytest.mark.parametrize("value", CATEGORIES)
def test_the_category_filter_finds_what_the_links_say(spread, legal, outsider, api, value):
    for user in (legal, outsider):
        listed = sorted(case["reference"] for case in api(user).get(
            "/api/v1/cases/", {"category": value, "page_size": 200}).json()["results"])
        expected = sorted(old_category_filter(cases_visible_to(user), value).values_list("reference", flat=True))
        assert listed == expected, (user, value)


def test_a_group_code_finds_a_case_qualified_with_the_group_itself_and_with_its_crimes(spread, legal, api):
    listed = {case["reference"] for case in api(legal).get("/api/v1/cases/?category=7(1)(g)").json()["results"]}
    assert listed == {spread[0].reference, spread[1].reference, spread[-1].reference}


@pytest.mark.parametrize("value", ["UA", "GE", "SY", "MD"])
def test_the_country_filter_finds_what_the_links_say(spread, legal, outsider, api, value):
    for user in (legal, outsider):
        listed = sorted(case["reference"] for case in api(user).get(
            "/api/v1/cases/", {"country": value, "page_size": 200}).json()["results"])
        assert listed == sorted(old_country_filter(cases_visible_to(user), value).values_list("reference", flat=True))


def test_a_case_out_of_date_would_be_caught(spread, legal, api):
    """The comparison above can fail: a facet written behind the triggers' back changes the answer."""
    Case.objects.filter(pk=spread[0].pk).update(category_codes=[])
    listed = {case["reference"] for case in api(legal).get("/api/v1/cases/?category=7(1)(g)-1").json()["results"]}
    assert spread[0].reference not in listed
    assert stored(spread[0]) != from_links(spread[0])
