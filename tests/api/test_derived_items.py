"""Derived items: a translation (transcript, excerpt, ...) of another item, linked by id and by the
source's SHA-256, with who made it and how; on both items' custody logs; shown only as far as the
viewer may see."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evidence.models import CustodyEvent, EvidenceItem
from tests import factories
from tests.admin_pages import login
from tests.api.helpers import client_for, file_item, sealed_item
from tests.factories import CaseFactory

SOURCE_BYTES = "Слухай, вони вже на мосту.".encode()
TRANSLATION = b"Listen, they are already on the bridge."


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator, sensitivity="restricted")


@pytest.fixture
def source(investigator, case):
    return sealed_item(investigator, case, SOURCE_BYTES, name="intercept.txt", kind="intercept", title="Intercept")


def file_derivative(user, case, **fields):
    body = {"case": case.reference, "kind": "document", "title": "Intercept, English translation",
            "file": SimpleUploadedFile("translation.txt", TRANSLATION), **fields}
    return client_for(user).post("/api/v1/evidence/", body, format="multipart")


def detail(user, item_id):
    return client_for(user).get(f"/api/v1/evidence/{item_id}/")


def test_filing_a_translation_of_a_sealed_item_links_it_by_id_and_digest(investigator, legal, case, source):
    response = file_derivative(investigator, case, derived_from=str(source.pk), relation="translation",
                               method="Translated from Ukrainian, checked by a second translator",
                               made_by="Language Services Unit")
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["derived_from"] == str(source.pk) and made["relation"] == "translation"
    assert made["derived_from_sha256"] == source.sha256
    assert made["method"] == "Translated from Ukrainian, checked by a second translator"
    assert made["made_by"] == "Language Services Unit" and made["derivatives"] == []

    seen_from_source = detail(legal, source.pk).json()
    assert seen_from_source["derived_from"] is None and seen_from_source["relation"] == ""
    assert seen_from_source["derivatives"] == [
        {"id": made["id"], "exhibit": made["exhibit"], "relation": "translation"}]
    assert detail(legal, made["id"]).json()["derived_from"] == str(source.pk)


def test_the_link_is_a_custody_entry_on_both_items(investigator, case, source):
    made = file_derivative(investigator, case, derived_from=str(source.pk), relation="translation",
                           method="Human translation").json()
    on_new = CustodyEvent.objects.get(item_id=made["id"], action="derivation")
    assert on_new.actor == f"user:{investigator.username}"
    assert on_new.details["role"] == "derivative" and on_new.details["derived_from"] == str(source.pk)
    assert on_new.details["source_sha256"] == source.sha256 and on_new.details["relation"] == "translation"
    assert on_new.details["method"] == "Human translation"
    # The digest is the one the source's chain proves, and the entry says where.
    proven = CustodyEvent.objects.get(item=source, action="message_digest_calculation", outcome="success")
    assert (on_new.details["source_digest_seq"], on_new.details["source_digest_log_index"]) == (
        proven.seq, proven.log_index)

    on_source = CustodyEvent.objects.filter(item=source).latest("seq")
    assert on_source.action == "derivation" and on_source.actor == f"user:{investigator.username}"
    assert on_source.details == {
        "role": "source", "derivative": made["id"], "derivative_exhibit": made["exhibit"],
        "relation": "translation", "source_sha256": source.sha256, "made_by": "",
    }
    custody = client_for(investigator).get(f"/api/v1/evidence/{source.pk}/custody/").json()["results"]
    assert custody[-1]["action"] == "derivation"


def test_links_show_only_items_the_viewer_may_see(team, investigator, legal, outsider, case, source):
    """A restricted source and an open derivative: an outsider sees the derivative and its
    recorded digest, not which item it came from; the source lists what each viewer may see."""
    open_case = CaseFactory(team=team, created_by=investigator, sensitivity="open")
    made = file_derivative(investigator, open_case, derived_from=str(source.pk), relation="excerpt").json()
    seen = detail(outsider, made["id"]).json()
    assert seen["derived_from"] is None and seen["relation"] == "excerpt"
    assert seen["derived_from_sha256"] == source.sha256
    assert detail(outsider, source.pk).status_code == 404
    # And a derivative in a case the viewer cannot see is not listed on a source they can.
    other_team = factories.TeamFactory()
    other_filer = factories.user_with_role("investigator", team=other_team)
    public = CaseFactory(team=other_team, created_by=other_filer, sensitivity="open")
    public_source = sealed_item(other_filer, public, b"public video")
    hidden_case = CaseFactory(team=other_team, created_by=other_filer, sensitivity="confidential")
    hidden = file_derivative(other_filer, hidden_case, derived_from=str(public_source.pk), relation="redaction")
    assert hidden.status_code == 201, hidden.content
    assert detail(legal, public_source.pk).json()["derivatives"] == []
    assert detail(other_filer, public_source.pk).json()["derivatives"] == [
        {"id": hidden.json()["id"], "exhibit": hidden.json()["exhibit"], "relation": "redaction"}]


@pytest.mark.parametrize("fields, field", [
    ({"relation": "paraphrase"}, "relation"),
    ({"relation": ""}, "relation"),
    ({}, "relation"),
    ({"relation": "translation", "derived_from": "not-an-id"}, "derived_from"),
])
def test_a_bad_relation_or_source_id_is_a_400(investigator, case, source, fields, field):
    fields = {"derived_from": str(source.pk), **fields}
    response = file_derivative(investigator, case, **fields)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert EvidenceItem.objects.count() == 1


def test_a_relation_without_a_source_is_a_400(investigator, case):
    response = file_derivative(investigator, case, relation="transcript")
    assert response.status_code == 400 and "relation" in response.json()["errors"]
    assert not EvidenceItem.objects.exists()


def test_a_source_the_filer_cannot_see_is_refused_like_one_that_does_not_exist(investigator, other_team, case):
    stranger = factories.user_with_role("investigator", team=other_team)
    hidden = sealed_item(stranger, CaseFactory(team=other_team, created_by=stranger, sensitivity="restricted"),
                         b"theirs")
    refused = file_derivative(investigator, case, derived_from=str(hidden.pk), relation="copy")
    missing = file_derivative(investigator, case, derived_from="00000000-0000-4000-8000-000000000000",
                              relation="copy")
    assert refused.status_code == missing.status_code == 400
    assert refused.json()["errors"] == missing.json()["errors"]
    assert not CustodyEvent.objects.filter(item=hidden, action="derivation").exists()
    assert EvidenceItem.objects.count() == 1


def test_a_source_not_sealed_yet_is_a_409_and_nothing_is_filed(investigator, case):
    pending = file_item(investigator, case, b"raw", name="raw.mp4")
    response = file_derivative(investigator, case, derived_from=str(pending.pk), relation="excerpt")
    assert response.status_code == 409, response.content
    assert pending.exhibit in response.json()["detail"] and "not sealed" in response.json()["detail"]
    assert EvidenceItem.objects.count() == 1
    assert not CustodyEvent.objects.filter(action="derivation").exists()


def test_the_admin_shows_the_link_read_only(client, team, investigator, case, source):
    made = file_derivative(investigator, case, derived_from=str(source.pk), relation="transcript",
                           method="Whisper large-v3, corrected by hand").json()
    viewer = factories.UserFactory(is_staff=True, is_superuser=True)
    login(client, viewer)
    page = client.get(reverse("admin:evidence_evidenceitem_change", args=[made["id"]]))
    assert page.status_code == 200
    html = page.content.decode()
    assert source.exhibit in html and source.sha256 in html and "Whisper large-v3" in html
    assert "derived_from" not in page.context["adminform"].form.fields
    source_page = client.get(reverse("admin:evidence_evidenceitem_change", args=[source.pk])).content.decode()
    assert made["exhibit"] in source_page and "transcript" in source_page
