"""Verification per exhibit through the API: analyses, sign-offs by two people, status and filter."""

import pytest

from evidence.models import CustodyEvent, ExhibitSignOff
from evidence.services import evidence_register
from tests import factories
from tests.api.helpers import client_for
from tests.factories import CaseFactory

ANALYSES = {
    "source": ("Uploader's account history reviewed; first posted 16 March", "Original upload, local resident"),
    "technical": ("ffprobe and keyframe analysis", "No sign of re-encoding or splicing"),
    "content": ("Uniforms and vehicles compared with reference photos", "Consistent with the reported units"),
    "geolocation": ("Skyline matched to satellite imagery", "Theatre square, Mariupol"),
    "chronolocation": ("Shadow angles (SunCalc)", "Between 10:00 and 11:00 local time"),
}


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator, reference="UA-2022-0207", sensitivity="restricted")


@pytest.fixture
def item(case, investigator):
    return evidence_register(actor=investigator, case=case, kind="video", title="Strike footage", held_by="NGO")


def add_analysis(user, item, kind="source", **overrides):
    method, result = ANALYSES[kind]
    body = {"kind": kind, "method": method, "result": result, "confidence": "high", **overrides}
    return client_for(user).post(f"/api/v1/evidence/{item.pk}/analyses/", body, format="json")


def sign_off(user, item, note="I checked the analyses."):
    return client_for(user).post(f"/api/v1/evidence/{item.pk}/signoffs/", {"note": note}, format="json")


def test_it_records_analyses_of_each_kind_shown_in_the_detail(investigator, reviewer, legal, item):
    for kind in ANALYSES:
        response = add_analysis(reviewer if kind == "technical" else investigator, item, kind)
        assert response.status_code == 201, response.content
    detail = client_for(legal).get(f"/api/v1/evidence/{item.pk}/").json()
    verification = detail["verification"]
    assert verification["status"] == "unverified" and verification["signoffs"] == []
    assert [a["kind"] for a in verification["analyses"]] == list(ANALYSES)
    technical = verification["analyses"][1]
    assert technical["analyst"] == reviewer.username and technical["stage"] == "technical"
    assert technical["method"] == ANALYSES["technical"][0] and technical["confidence"] == "high"
    assert technical["recorded_at"].endswith("Z")
    assert verification["analyses"][3]["stage"] == "content"
    entries = item.custody.filter(action=CustodyEvent.Action.VALIDATION).order_by("seq")
    assert [e.details["kind"] for e in entries] == list(ANALYSES)


def test_it_refuses_an_unknown_kind_or_confidence_and_unknown_fields(investigator, item):
    assert add_analysis(investigator, item, kind="source", confidence="certain").status_code == 400
    response = client_for(investigator).post(f"/api/v1/evidence/{item.pk}/analyses/",
                                             {"kind": "vibes", "method": "m", "result": "r", "confidence": "low"},
                                             format="json")
    assert response.status_code == 400
    assert add_analysis(investigator, item, analyst="someone else").status_code == 400
    assert not item.custody.filter(action=CustodyEvent.Action.VALIDATION).exists()


def test_two_different_people_make_an_exhibit_verified(investigator, reviewer, item):
    add_analysis(investigator, item, "geolocation")
    first = sign_off(investigator, item)
    assert first.status_code == 201 and first.json()["status"] == "partial"
    twice = sign_off(investigator, item, "Again.")
    assert twice.status_code == 409 and "already signed" in twice.json()["detail"]
    second = sign_off(reviewer, item, "Geolocation confirmed independently.")
    assert second.status_code == 201
    body = second.json()
    assert body["status"] == "verified"
    assert [s["signer"] for s in body["signoffs"]] == [investigator.username, reviewer.username]
    assert body["signoffs"][1]["analyses"] == [body["analyses"][0]["id"]]
    notes = [e.details.get("note") for e in item.custody.filter(details__verification="signoff").order_by("seq")]
    assert notes == ["I checked the analyses.", "Geolocation confirmed independently."]


def test_a_signoff_needs_an_analysis_first(investigator, item):
    response = sign_off(investigator, item)
    assert response.status_code == 409
    assert not ExhibitSignOff.objects.exists()


def test_legal_users_and_outsiders_cannot_add_or_sign(investigator, legal, outsider, item, other_team):
    add_analysis(investigator, item)
    assert add_analysis(legal, item).status_code == 403
    assert sign_off(legal, item).status_code == 403
    # Who cannot see the item is told it does not exist.
    assert add_analysis(outsider, item).status_code == 404
    assert sign_off(outsider, item).status_code == 404
    stranger = factories.user_with_role("reviewer", team=other_team)
    assert sign_off(stranger, item).status_code == 404
    assert not ExhibitSignOff.objects.exists()
    assert item.custody.filter(action=CustodyEvent.Action.VALIDATION).count() == 1


def test_an_open_case_is_verified_by_its_own_team_only(investigator, team, outsider):
    case = CaseFactory(team=team, created_by=investigator, sensitivity="open")
    item = evidence_register(actor=investigator, case=case, kind="image", title="Photo", held_by="NGO")
    assert client_for(outsider).get(f"/api/v1/evidence/{item.pk}/").status_code == 200
    assert add_analysis(outsider, item).status_code == 403


def test_the_list_filters_by_verification(investigator, reviewer, legal, case, item):
    partial = evidence_register(actor=investigator, case=case, kind="image", title="Photo", held_by="NGO")
    unverified = evidence_register(actor=investigator, case=case, kind="image", title="Map", held_by="NGO")
    for target in (item, partial):
        add_analysis(investigator, target)
        sign_off(investigator, target)
    sign_off(reviewer, item)
    client = client_for(legal)

    def listed(status):
        response = client.get("/api/v1/evidence/", {"verification": status})
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert listed("verified") == {str(item.pk)}
    assert listed("partial") == {str(partial.pk)}
    assert listed("unverified") == {str(unverified.pk)}
    assert client.get("/api/v1/evidence/", {"verification": "maybe"}).status_code == 400


def test_the_filtered_list_costs_no_query_per_row(investigator, legal, case, django_assert_max_num_queries):
    for n in range(5):
        evidence_register(actor=investigator, case=case, kind="image", title=f"Photo {n}", held_by="NGO")
    client = client_for(legal)
    client.get("/api/v1/evidence/?page_size=1")
    with django_assert_max_num_queries(2):  # token with roles and teams, page: as tests/api/test_queries.py
        response = client.get("/api/v1/evidence/?verification=unverified&page_size=20")
    assert len(response.json()["results"]) == 5
