"""Per-exhibit handling flags (graphic content, risk to a person): set through the API and the
admin, each change a custody entry, and filtered in both lists."""

import pytest
from django.urls import reverse

from evidence.models import EvidenceItem
from evidence.services import item_set_flags
from tests.admin_pages import form_errors, login, staff
from tests.api.helpers import sealed_item
from tests.factories import CaseFactory


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator, reference="UA-2022-0041", sensitivity="restricted")


@pytest.fixture
def items(case, investigator):
    return {
        "injuries": sealed_item(investigator, case, b"injuries", kind="image", title="Injuries"),
        "street": sealed_item(investigator, case, b"street", kind="image", title="Street"),
    }


def test_an_investigator_sets_the_flags_with_patch_and_a_custody_entry(items, investigator, api):
    item = items["injuries"]
    response = api(investigator).patch(f"/api/v1/evidence/{item.pk}/", {
        "graphic_content": True, "risk_to_person": True, "risk_note": "Face of a witness visible"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["graphic_content"] is True and body["risk_to_person"] is True
    assert body["risk_note"] == "Face of a witness visible"
    item.refresh_from_db()
    assert item.graphic_content and item.risk_to_person
    last = item.custody.order_by("-seq").first()
    assert last.action == "metadata_modification"
    assert last.details["changes"]["graphic_content"] == {"old": False, "new": True}


def test_patch_refuses_other_fields_and_other_roles(items, investigator, legal, outsider, api):
    item = items["injuries"]
    url = f"/api/v1/evidence/{item.pk}/"
    assert api(investigator).patch(url, {"title": "New"}, format="json").status_code == 400
    assert api(investigator).patch(url, {"graphic_content": "maybe"}, format="json").status_code == 400
    assert api(legal).patch(url, {"graphic_content": True}, format="json").status_code == 403
    assert api(outsider).patch(url, {"graphic_content": True}, format="json").status_code == 404
    item.refresh_from_db()
    assert not item.graphic_content and item.title == "Injuries"


def test_an_item_is_filed_with_its_flags(case, investigator, api):
    response = api(investigator).post("/api/v1/evidence/", {
        "case": case.reference, "kind": "video", "title": "Execution video", "held_by": "A journalist",
        "graphic_content": True, "risk_to_person": True, "risk_note": "Bystanders identifiable"}, format="json")
    assert response.status_code == 201, response.content
    item = EvidenceItem.objects.get(pk=response.json()["id"])
    assert item.graphic_content and item.risk_to_person and item.risk_note == "Bystanders identifiable"


@pytest.mark.parametrize(("query", "expected"), [
    ("graphic=true", {"injuries"}), ("graphic=false", {"street"}), ("risk=true", {"injuries"}),
    ("risk=false", {"street"}), ("graphic=true&risk=false", set()), ("", {"injuries", "street"}),
])
def test_the_list_filters_by_flag(items, investigator, legal, api, query, expected):
    item_set_flags(actor=investigator, item=items["injuries"], graphic_content=True, risk_to_person=True)
    response = api(legal).get(f"/api/v1/evidence/?{query}")
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    titles = {row["title"] for row in rows}
    assert titles == {items[name].title for name in expected}
    for row in rows:
        assert row["graphic_content"] is (row["title"] == "Injuries")


def test_a_malformed_flag_filter_is_a_400(items, legal, api):
    assert api(legal).get("/api/v1/evidence/?graphic=perhaps").status_code == 400


def test_the_admin_sets_and_filters_the_flags(client, team, items):
    user = staff("investigator", team=team)
    login(client, user)
    item = items["injuries"]
    url = reverse("admin:evidence_evidenceitem_change", args=[item.pk])
    response = client.post(url, {"title": item.title, "kind": item.kind, "description": "", "captured_at_0": "",
                                 "captured_at_1": "", "captured_by": "", "graphic_content": "on",
                                 "risk_to_person": "on", "risk_note": "Face visible"})
    assert response.status_code == 302, form_errors(response)
    item.refresh_from_db()
    assert item.graphic_content and item.risk_to_person and item.risk_note == "Face visible"
    assert item.custody.order_by("-seq").first().action == "metadata_modification"

    changelist = reverse("admin:evidence_evidenceitem_changelist")
    flagged = client.get(changelist, {"graphic_content__exact": "1"}).content.decode()
    assert "Injuries" in flagged and "Street" not in flagged
    unflagged = client.get(changelist, {"risk_to_person__exact": "0"}).content.decode()
    assert "Street" in unflagged and "Injuries" not in unflagged
