"""Four eyes on declassification: a lower sensitivity or another team waits for a second reviewer."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse

from catalogue import services
from catalogue.models import Case, CaseChangeRequest
from tests import factories
from tests.admin_pages import form_errors, login, messages_of, payload, staff
from tests.api.helpers import client_for

REASON = "The prosecutor has published the findings."


@pytest.fixture
def case(team, investigator):
    return factories.CaseFactory(team=team, created_by=investigator, sensitivity="restricted")


@pytest.fixture
def outsider_of(other_team):
    return factories.user_with_role("investigator", team=other_team)


def ask(user, case, **body):
    return client_for(user).patch(f"/api/v1/cases/{case.reference}/", body, format="json")


def decide(user, case, change_id, verb, **body):
    return client_for(user).post(f"/api/v1/cases/{case.reference}/changes/{change_id}/{verb}/", body, format="json")


def reads(user, case) -> int:
    return client_for(user).get(f"/api/v1/cases/{case.reference}/").status_code


def test_lowering_the_sensitivity_is_only_asked_for(case, investigator, outsider_of):
    response = ask(investigator, case, sensitivity="open", reason=REASON)
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["state"], body["from_sensitivity"], body["sensitivity"]) == ("pending", "restricted", "open")
    assert (body["requested_by"], body["reason"], body["decided_by"]) == (investigator.username, REASON, None)
    case.refresh_from_db()
    assert case.sensitivity == "restricted"
    assert reads(outsider_of, case) == 404


def test_a_lowering_without_a_reason_is_refused(case, investigator):
    response = ask(investigator, case, sensitivity="open")
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    assert not CaseChangeRequest.objects.exists()


def test_another_reviewer_approves_and_the_change_applies(case, investigator, reviewer, outsider_of):
    change_id = ask(investigator, case, sensitivity="open", reason=REASON).json()["id"]
    response = decide(reviewer, case, change_id, "approve", note="Checked with the prosecutor.")
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["decided_by"]) == ("approved", reviewer.username)
    case.refresh_from_db()
    assert case.sensitivity == "open"
    assert reads(outsider_of, case) == 200
    change = CaseChangeRequest.objects.get()
    assert (change.requested_by, change.decided_by, change.reason, change.decision_note) == (
        investigator, reviewer, REASON, "Checked with the prosecutor.")
    assert change.decided_at is not None
    latest = case.history.first()
    assert (latest.sensitivity, latest.history_user) == ("open", reviewer)
    assert f"change request {change.pk}" in latest.history_change_reason
    listed = client_for(investigator).get(f"/api/v1/cases/{case.reference}/changes/").json()
    assert [(c["id"], c["state"]) for c in listed] == [(change.pk, "approved")]


def test_the_requester_can_never_approve_their_own_request(case, team):
    both = factories.user_with_role("investigator", team=team)
    both.groups.add(factories.user_with_role("reviewer").groups.get())
    change_id = ask(both, case, sensitivity="open", reason=REASON).json()["id"]
    response = decide(both, case, change_id, "approve")
    assert response.status_code == 403
    assert "another reviewer" in response.json()["detail"]
    assert decide(both, case, change_id, "reject").status_code == 403
    case.refresh_from_db()
    assert case.sensitivity == "restricted"
    assert CaseChangeRequest.objects.get().state == "pending"


def test_the_database_refuses_a_self_decided_request(case, investigator):
    change_id = ask(investigator, case, sensitivity="open", reason=REASON).json()["id"]
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseChangeRequest.objects.filter(pk=change_id).update(state="approved", decided_by=investigator,
                                                              decided_at=case.created_at)


def test_an_investigator_cannot_approve(case, investigator, team):
    change_id = ask(investigator, case, sensitivity="open", reason=REASON).json()["id"]
    colleague = factories.user_with_role("investigator", team=team)
    response = decide(colleague, case, change_id, "approve")
    assert response.status_code == 403
    assert "Only a reviewer" in response.json()["detail"]


def test_someone_who_cannot_see_the_case_cannot_decide(case, investigator, other_team):
    change_id = ask(investigator, case, sensitivity="open", reason=REASON).json()["id"]
    stranger = factories.user_with_role("reviewer", team=other_team)
    assert decide(stranger, case, change_id, "approve").status_code == 404
    assert client_for(stranger).get(f"/api/v1/cases/{case.reference}/changes/").status_code == 404
    case.refresh_from_db()
    assert case.sensitivity == "restricted"


def test_a_rejection_leaves_the_case_as_it_was_and_is_final(case, investigator, reviewer):
    change_id = ask(investigator, case, sensitivity="open", reason=REASON).json()["id"]
    response = decide(reviewer, case, change_id, "reject", note="Witnesses are still at risk.")
    assert response.status_code == 200
    assert response.json()["state"] == "rejected"
    case.refresh_from_db()
    assert case.sensitivity == "restricted"
    again = decide(factories.user_with_role("reviewer", team=case.team), case, change_id, "approve")
    assert again.status_code == 409
    assert "already been rejected" in again.json()["detail"]


def test_raising_the_sensitivity_applies_at_once(case, investigator):
    response = ask(investigator, case, sensitivity="confidential")
    assert response.status_code == 200
    assert response.json()["sensitivity"] == "confidential"
    case.refresh_from_db()
    assert case.sensitivity == "confidential"
    assert not CaseChangeRequest.objects.exists()


def test_moving_a_case_to_another_team_waits_for_approval(case, investigator, reviewer, other_team, outsider_of):
    response = ask(investigator, case, team=other_team.slug, reason="The other team leads on this town now.")
    assert response.status_code == 202, response.content
    assert (response.json()["from_team"], response.json()["team"]) == (case.team.slug, other_team.slug)
    case.refresh_from_db()
    assert case.team != other_team
    assert reads(outsider_of, case) == 404  # another team cannot read it until approved
    assert decide(reviewer, case, response.json()["id"], "approve").status_code == 200
    case.refresh_from_db()
    assert case.team == other_team
    assert reads(outsider_of, case) == 200


def test_one_request_waits_at_a_time(case, investigator, other_team):
    assert ask(investigator, case, sensitivity="open", reason=REASON).status_code == 202
    response = ask(investigator, case, team=other_team.slug, reason=REASON)
    assert response.status_code == 409
    assert "still waiting" in response.json()["detail"]


def test_a_request_the_case_has_moved_past_cannot_be_approved(case, investigator, reviewer):
    change_id = ask(investigator, case, sensitivity="open", reason=REASON).json()["id"]
    assert ask(investigator, case, sensitivity="confidential").status_code == 200
    response = decide(reviewer, case, change_id, "approve")
    assert response.status_code == 409
    assert "changed since" in response.json()["detail"]
    case.refresh_from_db()
    assert case.sensitivity == "confidential"


def test_no_door_lowers_the_sensitivity_directly(case, investigator):
    with pytest.raises(ValidationError, match="second reviewer"):
        services.case_update(actor=investigator, case=case, sensitivity="open")
    case.refresh_from_db()
    assert case.sensitivity == "restricted"


def test_the_admin_change_form_asks_instead_of_lowering(client, team):
    filer = staff("investigator", team)
    case = factories.CaseFactory(team=team, created_by=filer, sensitivity="restricted", title="Original")
    login(client, filer)
    url = reverse("admin:catalogue_case_change", args=[case.pk])
    fields = {"title": "Renamed", "summary": "", "date_precision": "day", "team": team.pk}
    refused = client.post(url, payload(client.get(url), **fields, sensitivity="open"))
    assert refused.status_code == 200
    assert "reason" in " ".join(form_errors(refused)["change_reason"])
    response = client.post(url, payload(client.get(url), **fields, sensitivity="open", change_reason=REASON),
                           follow=True)
    assert any("change request" in m for m in messages_of(response)), messages_of(response)
    case.refresh_from_db()
    assert (case.sensitivity, case.title) == ("restricted", "Renamed")
    change = CaseChangeRequest.objects.get()
    assert (change.requested_by, change.sensitivity, change.reason, change.state) == (filer, "open", REASON, "pending")


def test_reviewers_decide_in_the_admin_but_never_on_their_own_request(client, team):
    filer = staff("investigator", team)
    filer.groups.add(factories.user_with_role("reviewer").groups.get())
    case = factories.CaseFactory(team=team, created_by=filer, sensitivity="confidential")
    change = CaseChangeRequest.objects.create(
        case=case, requested_by=filer, requested_at=case.created_at, reason=REASON,
        from_sensitivity="confidential", from_team=team, sensitivity="restricted")
    changelist = reverse("admin:catalogue_casechangerequest_changelist")
    login(client, filer)
    own = client.post(changelist, {"action": "approve_selected", "_selected_action": [change.pk]}, follow=True)
    assert any("another reviewer" in m for m in messages_of(own)), messages_of(own)
    case.refresh_from_db()
    assert case.sensitivity == "confidential"

    client.logout()
    reviewer = staff("reviewer", team)
    login(client, reviewer)
    listing = client.get(changelist)
    assert list(listing.context["cl"].result_list) == [change]
    client.post(changelist, {"action": "approve_selected", "_selected_action": [change.pk]})
    case.refresh_from_db()
    change.refresh_from_db()
    assert (case.sensitivity, change.state, change.decided_by) == ("restricted", "approved", reviewer)


def test_an_outsider_does_not_see_the_requests_of_a_hidden_case(client, team, other_team):
    case = factories.CaseFactory(team=team, sensitivity="restricted")
    CaseChangeRequest.objects.create(case=case, requested_by=case.created_by, requested_at=case.created_at,
                                     reason=REASON, from_sensitivity="restricted", from_team=team, sensitivity="open")
    login(client, staff("reviewer", other_team))
    listing = client.get(reverse("admin:catalogue_casechangerequest_changelist"))
    assert list(listing.context["cl"].result_list) == []
    assert Case.objects.get().sensitivity == "restricted"


def test_the_database_keeps_requests_and_decisions_as_written(case, investigator, reviewer):
    change_id = ask(investigator, case, sensitivity="open", reason=REASON).json()["id"]
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseChangeRequest.objects.filter(pk=change_id).update(reason="Something else")
    decide(reviewer, case, change_id, "approve")
    for attempt in ({"state": "rejected"}, {"decision_note": "never mind"}):
        with pytest.raises(DatabaseError), transaction.atomic():
            CaseChangeRequest.objects.filter(pk=change_id).update(**attempt)
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseChangeRequest.objects.filter(pk=change_id).delete()
    assert CaseChangeRequest.objects.get().state == "approved"
