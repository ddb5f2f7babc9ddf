"""Case records: what the services accept, what they refuse, and what they never change."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogue import services
from catalogue.models import Case, CrimeCategory, Place
from catalogue.rome_statute import CATEGORIES
from tests.factories import CaseFactory


def test_the_migration_loads_the_whole_rome_statute_taxonomy(db):
    codes = set(CrimeCategory.objects.values_list("code", flat=True))
    assert codes == {code for code, _group, _name in CATEGORIES}
    assert {"6(a)", "7(1)(k)", "8(2)(a)(viii)", "8(2)(b)(xxvi)", "8(2)(c)(iv)", "8(2)(e)(xv)"} <= codes


def test_it_creates_a_case_with_its_qualification(investigator, team):
    case = services.case_create(
        actor=investigator, team=team, title="Shelling of a shelter", categories=["8(2)(b)(i)", "8(2)(b)(ix)"],
        incident_start=date(2022, 3, 16),
    )
    assert case.reference.startswith("UA-")
    assert sorted(case.categories.values_list("code", flat=True)) == ["8(2)(b)(i)", "8(2)(b)(ix)"]
    assert case.history.filter(history_type="+").count() == 1
    assert {h.history_user for h in case.history.all()} == {investigator}


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x", "incident_start": date(2022, 3, 2), "incident_end": date(2022, 3, 1)}, "incident_end"),
        ({"title": "x", "reference": "not a reference"}, "reference"),
    ],
)
def test_it_refuses_a_bad_case_and_saves_nothing(investigator, team, fields, bad_field):
    with pytest.raises(ValidationError) as err:
        services.case_create(actor=investigator, team=team, **fields)
    assert bad_field in err.value.message_dict
    assert Case.objects.count() == 0


def test_it_refuses_an_unknown_category_code_and_saves_nothing(investigator, team):
    with pytest.raises(ValidationError) as err:
        services.case_create(actor=investigator, team=team, title="x", categories=["8(2)(z)"])
    assert "8(2)(z)" in str(err.value.message_dict["categories"])
    assert Case.objects.count() == 0


def test_the_database_refuses_an_end_before_the_start_even_past_the_service(investigator, team):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Case.objects.create(reference="UA-2022-0099", title="x", team=team, created_by=investigator,
                            incident_start=date(2022, 3, 2), incident_end=date(2022, 3, 1))


@pytest.mark.parametrize(("lat", "lon", "field"), [("91", "30", "latitude"), ("50", "-181", "longitude")])
def test_it_refuses_a_coordinate_off_the_globe(db, lat, lon, field):
    with pytest.raises(ValidationError) as err:
        services.place_create(name="Nowhere", country="UA", latitude=lat, longitude=lon)
    assert field in err.value.message_dict
    assert Place.objects.count() == 0


def test_a_reference_can_never_change(investigator, team):
    case = CaseFactory(team=team, created_by=investigator)
    with pytest.raises(ValidationError):
        services.case_update(actor=investigator, case=case, reference="UA-2022-9999")
    services.case_update(actor=investigator, case=case, title="New title")
    case.refresh_from_db()
    assert case.title == "New title"
    assert case.history.count() >= 1


def test_a_reviewer_moves_a_case_through_review_but_not_their_own(reviewer, investigator, team):
    case = CaseFactory(team=team, created_by=investigator)
    services.case_set_status(actor=reviewer, case=case, status=Case.Status.UNDER_REVIEW)
    assert Case.objects.get(pk=case.pk).status == "under_review"
    own = CaseFactory(team=team, created_by=reviewer)
    with pytest.raises(PermissionDenied):
        services.case_set_status(actor=reviewer, case=own, status=Case.Status.UNDER_REVIEW)
    with pytest.raises(PermissionDenied):
        services.case_set_status(actor=investigator, case=case, status=Case.Status.VERIFIED)
    with pytest.raises(ValidationError):
        services.case_set_status(actor=reviewer, case=case, status=Case.Status.REFERRED)


def test_admiralty_grading_is_limited_to_a_f_and_1_6(investigator, team):
    from tests.factories import SourceFactory

    case = CaseFactory(team=team, created_by=investigator)
    link = services.case_add_source(case=case, source=SourceFactory(), reliability="B", credibility="3")
    assert link.grading == "B3"
    with pytest.raises(ValidationError):
        services.case_add_source(case=case, source=SourceFactory(), reliability="G", credibility="3")
    with pytest.raises(ValidationError):
        services.case_add_source(case=case, source=SourceFactory(), reliability="A", credibility="7")
