"""An item linked to cases other than its own: shown to those who may see both, never revealing a hidden case."""

import hashlib

import pytest
from django.urls import reverse

from evidence.custody import canonical_json
from evidence.export import items_for_export
from evidence.models import CaseEvidenceLink, CustodyEvent
from evidence.services import evidence_register
from tests import factories
from tests.admin_pages import login, staff
from tests.api.helpers import client_for
from tests.factories import CaseFactory


@pytest.fixture
def cases(team, investigator):
    """An open case with an item, and a restricted case of the same team (hidden from other teams)."""
    own = CaseFactory(team=team, created_by=investigator, sensitivity="open")
    second = CaseFactory(team=team, created_by=investigator, sensitivity="restricted")
    item = evidence_register(actor=investigator, case=own, kind="document", title="Memo", held_by="NGO")
    return own, second, item


def link(user, item, reference, reason="The same strike, seen from the second site."):
    return client_for(user).post(f"/api/v1/evidence/{item.pk}/cases/", {"case": reference, "reason": reason},
                                 format="json")


def test_it_links_an_item_to_a_second_case_and_both_details_show_it(cases, investigator, legal):
    own, second, item = cases
    response = link(investigator, item, second.reference)
    assert response.status_code == 201, response.content
    assert response.json()["cases"] == [own.reference, second.reference]
    client = client_for(legal)
    assert client.get(f"/api/v1/evidence/{item.pk}/").json()["cases"] == [own.reference, second.reference]
    linked = client.get(f"/api/v1/cases/{second.reference}/").json()["evidence"]["linked"]
    assert linked == [{"id": str(item.pk), "exhibit": item.exhibit, "case": own.reference}]
    own_detail = client.get(f"/api/v1/cases/{own.reference}/").json()["evidence"]
    assert own_detail["count"] == 1 and own_detail["linked"] == []
    assert item.exhibit.startswith(own.reference)  # the exhibit number stays the owning case's


def test_it_writes_a_custody_entry_naming_an_open_case_and_the_reason(cases, team, investigator):
    own, second, item = cases
    third = CaseFactory(team=team, created_by=investigator, sensitivity="open")
    assert link(investigator, item, third.reference, reason="  Same unit.  ").status_code == 201
    entry = CustodyEvent.objects.filter(item=item).order_by("-seq").first()
    assert entry.action == "metadata_modification"
    assert entry.details == {"linked_to_case": third.reference, "reason": "Same unit."}
    assert entry.actor == f"user:{investigator.get_username()}"
    record = CaseEvidenceLink.objects.get()
    assert (record.case, record.item, record.linked_by, record.reason) == (third, item, investigator, "Same unit.")


def test_the_custody_entry_for_a_restricted_case_names_it_only_by_digest(cases, investigator, outsider):
    own, second, item = cases
    assert link(investigator, item, second.reference, reason="Same unit.").status_code == 201
    record = CaseEvidenceLink.objects.get()
    entry = CustodyEvent.objects.filter(item=item).order_by("-seq").first()
    named = canonical_json({"linked_to_case": second.reference, "reason": "Same unit."})
    assert entry.details == {"case_link": record.pk, "link_sha256": hashlib.sha256(named).hexdigest()}
    chain = client_for(outsider).get(f"/api/v1/evidence/{item.pk}/custody/").json()
    assert second.reference not in str(chain) and "Same unit." not in str(chain)


def test_an_outsider_does_not_learn_of_a_link_to_a_case_hidden_from_them(cases, investigator, outsider):
    own, second, item = cases
    assert link(investigator, item, second.reference).status_code == 201
    client = client_for(outsider)
    body = client.get(f"/api/v1/evidence/{item.pk}/").json()
    assert body["cases"] == [own.reference]
    assert second.reference not in str(body)
    assert client.get(f"/api/v1/cases/{second.reference}/").status_code == 404
    assert client.get(f"/api/v1/evidence/?case={second.reference}").json()["results"] == []


def test_a_linked_item_the_viewer_may_not_see_stays_hidden_in_the_linked_case(team, other_team, investigator):
    open_case = CaseFactory(team=team, created_by=investigator, sensitivity="open")
    hidden_owner = factories.user_with_role("investigator", team=other_team)
    hidden = CaseFactory(team=other_team, created_by=hidden_owner, sensitivity="restricted")
    item = evidence_register(actor=hidden_owner, case=hidden, kind="document", title="Intercept", held_by="NGO")
    admin = factories.UserFactory(is_superuser=True)
    assert link(admin, item, open_case.reference).status_code == 201
    client = client_for(investigator)
    assert client.get(f"/api/v1/cases/{open_case.reference}/").json()["evidence"]["linked"] == []
    assert client.get(f"/api/v1/evidence/?case={open_case.reference}").json()["results"] == []
    assert client.get(f"/api/v1/evidence/{item.pk}/").status_code == 404


def test_the_evidence_list_filtered_by_case_includes_linked_items(cases, investigator, legal):
    own, second, item = cases
    other = evidence_register(actor=investigator, case=second, kind="image", title="Photo", held_by="NGO")
    assert link(investigator, item, second.reference).status_code == 201
    client = client_for(legal)
    rows = client.get(f"/api/v1/evidence/?case={second.reference}").json()["results"]
    assert sorted(row["exhibit"] for row in rows) == sorted([item.exhibit, other.exhibit])
    assert {row["case"] for row in rows} == {own.reference, second.reference}  # each row names its owning case
    assert [row["exhibit"] for row in client.get(f"/api/v1/evidence/?case={own.reference}").json()["results"]] == [
        item.exhibit]


def test_it_rejects_a_link_without_a_reason(cases, investigator):
    own, second, item = cases
    assert link(investigator, item, second.reference, reason="").status_code == 400
    assert link(investigator, item, second.reference, reason="   ").status_code == 400
    assert not CaseEvidenceLink.objects.exists()


def test_it_rejects_linking_the_same_case_twice(cases, investigator):
    own, second, item = cases
    assert link(investigator, item, second.reference).status_code == 201
    count = CustodyEvent.objects.filter(item=item).count()
    assert link(investigator, item, second.reference).status_code == 409
    assert CaseEvidenceLink.objects.count() == 1
    assert CustodyEvent.objects.filter(item=item).count() == count


def test_it_rejects_a_link_to_the_owning_case(cases, investigator):
    own, second, item = cases
    assert link(investigator, item, own.reference).status_code == 409
    assert not CaseEvidenceLink.objects.exists()


def test_it_rejects_a_legal_user(cases, legal):
    own, second, item = cases
    assert link(legal, item, second.reference).status_code == 403
    assert not CaseEvidenceLink.objects.exists()


def test_it_answers_404_for_a_case_the_actor_cannot_see(cases, outsider):
    own, second, item = cases
    response = link(outsider, item, second.reference)
    assert response.status_code == 404
    assert link(outsider, item, "UA-1999-0001").status_code == 404
    assert not CaseEvidenceLink.objects.exists()


def test_it_rejects_an_investigator_not_on_the_linked_case_team(cases, team, investigator, outsider):
    own, second, item = cases
    visible = CaseFactory(team=team, created_by=investigator, sensitivity="open")
    assert link(outsider, item, visible.reference).status_code == 403
    assert not CaseEvidenceLink.objects.exists()


def test_the_linked_case_export_does_not_pack_the_linked_item(cases, investigator, legal):
    own, second, item = cases
    assert link(investigator, item, second.reference).status_code == 201
    assert item not in items_for_export(case=second, user=legal)
    assert item in items_for_export(case=own, user=legal)


def test_the_item_admin_page_shows_linked_cases_only_to_who_may_see_them(client, cases, team, investigator):
    own, second, item = cases
    assert link(investigator, item, second.reference, reason="Same launcher.").status_code == 201
    url = reverse("admin:evidence_evidenceitem_change", args=[item.pk])
    login(client, staff("investigator", team=team))
    html = client.get(url).content.decode()
    assert "Also linked to cases" in html and second.reference in html and "Same launcher." in html
    client.logout()
    login(client, staff("investigator", team=factories.TeamFactory(slug="elsewhere", name="Elsewhere")))
    html = client.get(url).content.decode()
    assert second.reference not in html and "Same launcher." not in html
