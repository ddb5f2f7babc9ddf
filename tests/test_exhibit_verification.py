"""Verification per exhibit (Berkeley Protocol): analyses, two people's sign-offs, custody, and the admin."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from catalogue.case_changes import StateConflict
from evidence.custody import verify_chain
from evidence.models import CustodyEvent, ExhibitAnalysis, ExhibitSignOff
from evidence.services import evidence_register, evidence_withdraw
from evidence.verification_records import (
    AlreadySignedOff,
    analysis_record,
    signoff_record,
    verification_of,
)
from tests import factories
from tests.admin_pages import login, messages_of, staff
from tests.factories import CaseFactory

EVIDENCE_LIST = reverse("admin:evidence_evidenceitem_changelist")


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator, reference="UA-2022-0107", sensitivity="restricted")


@pytest.fixture
def item(case, investigator):
    return evidence_register(actor=investigator, case=case, kind="video", title="Strike footage", held_by="NGO")


def analyse(user, item, kind="source"):
    return analysis_record(actor=user, item=item, kind=kind, method=f"{kind} method", result=f"{kind} result",
                           confidence="medium")


def test_it_records_an_analysis_of_each_kind_with_a_custody_entry(investigator, item):
    for kind in ExhibitAnalysis.Kind.values:
        analyse(investigator, item, kind)
    record = verification_of(item)
    assert [a["kind"] for a in record["analyses"]] == ExhibitAnalysis.Kind.values
    assert {a["stage"] for a in record["analyses"]} == {"source", "technical", "content"}
    assert record["analyses"][0]["analyst"] == investigator.username
    entries = list(item.custody.filter(action=CustodyEvent.Action.VALIDATION).order_by("seq"))
    assert [e.details["kind"] for e in entries] == ExhibitAnalysis.Kind.values
    assert all(e.details["verification"] == "analysis" and e.actor_user == investigator for e in entries)
    assert entries[2].details["method"] == "content method" and entries[2].details["confidence"] == "medium"
    assert verify_chain(item).ok
    assert record["status"] == "unverified"


def test_one_signoff_is_partial_and_a_second_persons_makes_it_verified(investigator, reviewer, item):
    analyse(investigator, item)
    signoff_record(actor=investigator, item=item, note="Checked the uploader's history.")
    assert verification_of(item)["status"] == "partial"
    signoff_record(actor=reviewer, item=item, note="Agree.")
    record = verification_of(item)
    assert record["status"] == "verified"
    assert [s["signer"] for s in record["signoffs"]] == [investigator.username, reviewer.username]
    entries = item.custody.filter(action=CustodyEvent.Action.VALIDATION, details__verification="signoff")
    assert [e.details["status"] for e in entries.order_by("seq")] == ["partial", "verified"]


def test_it_refuses_a_second_signoff_by_the_same_person(investigator, item):
    analyse(investigator, item)
    signoff_record(actor=investigator, item=item, note="Fine.")
    with pytest.raises(AlreadySignedOff):
        signoff_record(actor=investigator, item=item, note="Fine again.")
    assert ExhibitSignOff.objects.filter(item=item).count() == 1
    assert verification_of(item)["status"] == "partial"


def test_it_refuses_a_signoff_before_any_analysis_and_a_blank_note(investigator, item):
    with pytest.raises(StateConflict):
        signoff_record(actor=investigator, item=item, note="Nothing to confirm.")
    analyse(investigator, item)
    with pytest.raises(ValidationError):
        signoff_record(actor=investigator, item=item, note="  ")
    assert not ExhibitSignOff.objects.exists()


def test_it_refuses_outsiders_legal_users_and_other_teams(investigator, legal, outsider, item, other_team):
    stranger = factories.user_with_role("reviewer", team=other_team)
    analyse(investigator, item)
    for user in (legal, outsider, stranger):
        with pytest.raises(PermissionDenied):
            analyse(user, item)
        with pytest.raises(PermissionDenied):
            signoff_record(actor=user, item=item, note="Looks fine.")
    assert ExhibitAnalysis.objects.count() == 1 and not ExhibitSignOff.objects.exists()
    assert item.custody.filter(action=CustodyEvent.Action.VALIDATION).count() == 1


def test_it_refuses_a_withdrawn_item(investigator, item):
    evidence_withdraw(actor=investigator, item=item, reason="Duplicate.")
    with pytest.raises(StateConflict):
        analyse(investigator, item)


def test_the_admin_lists_and_filters_by_verification(client, team, case, item):
    user = staff("investigator", team)
    second = staff("reviewer", team)
    other = evidence_register(actor=user, case=case, kind="image", title="Photo", held_by="NGO")
    third = evidence_register(actor=user, case=case, kind="image", title="Map", held_by="NGO")
    for target in (item, other):
        analyse(user, target)
        signoff_record(actor=user, item=target, note="Checked.")
    signoff_record(actor=second, item=item, note="Checked too.")
    login(client, user)
    page = client.get(EVIDENCE_LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert "verification" in html and "one sign-off" in html
    shown = {status: {row.pk for row in client.get(EVIDENCE_LIST, {"verification": status}).context["cl"].result_list}
             for status in ("unverified", "partial", "verified")}
    assert shown == {"unverified": {third.pk}, "partial": {other.pk}, "verified": {item.pk}}


def test_the_item_page_shows_analyses_and_signoffs_and_the_admin_records_them(client, team, item):
    user, second = staff("investigator", team), staff("reviewer", team)
    login(client, user)
    page = client.get(reverse("admin:evidence_evidenceitem_change", args=[item.pk]))
    assert "Status: <strong>unverified</strong>" in page.content.decode()
    url = reverse("admin:evidence_evidenceitem_verification", args=[item.pk])
    assert url in page.content.decode()
    response = client.post(url, {"analysis-kind": "geolocation", "analysis-method": "Skyline matched to imagery",
                                 "analysis-result": "Mariupol, theatre square", "analysis-confidence": "high"})
    assert response.status_code == 302
    response = client.post(url, {"signoff-note": "Geolocation holds."})
    assert response.status_code == 302
    again = client.post(url, {"signoff-note": "Twice."})
    assert again.status_code == 200 and any("already signed" in m for m in messages_of(again))
    client.logout()
    login(client, second)
    assert client.post(url, {"signoff-note": "Agreed."}).status_code == 302
    html = client.get(reverse("admin:evidence_evidenceitem_change", args=[item.pk])).content.decode()
    assert "Status: <strong>verified</strong>" in html
    assert "Skyline matched to imagery" in html and "Geolocation holds." in html and "Agreed." in html
    assert item.custody.filter(action="validation").count() == 3


def test_a_legal_user_sees_the_verification_page_but_cannot_sign(client, team, item, investigator):
    analyse(investigator, item)
    lawyer = staff("legal", team)
    login(client, lawyer)
    url = reverse("admin:evidence_evidenceitem_verification", args=[item.pk])
    response = client.post(url, {"signoff-note": "I agree."})
    assert response.status_code == 200
    assert any("Only investigators and reviewers" in m for m in messages_of(response))
    assert not ExhibitSignOff.objects.exists()


def test_an_outsider_cannot_open_the_verification_page(client, item, other_team):
    login(client, staff("investigator", other_team))
    url = reverse("admin:evidence_evidenceitem_verification", args=[item.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"signoff-note": "Fine."}).status_code == 404
