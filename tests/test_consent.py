"""Consent of protected people: recorded as given, withdrawn by a record of its own, and an
exhibit that depends on a consent not in force (withdrawn, or never covering legal
proceedings) is not exported, through the API or the command."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from catalogue import services
from catalogue.models import ConsentRecord, ConsentWithdrawal
from evidence import export
from evidence.models import EvidenceItem, ExportJob, ItemConsentDependency
from evidence.services import item_add_consent_dependency
from tests.admin_pages import form_errors, login, payload, staff
from tests.api.helpers import client_for
from tests.factories import CaseFactory, sealed_item

DISCLOSURE = {"recipient": "Trial Chamber II", "purpose": "Disclosure to the defence"}
LEGAL_USE = ["legal_proceedings"]


@pytest.fixture(autouse=True)
def _keys(settings, tmp_path):
    settings.IDENTITY_ENCRYPTION_KEYS = ""
    settings.IDENTITY_KEY_FILE = tmp_path / "identity-key"
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = tmp_path / "keys" / "ledger.pem"


@pytest.fixture(autouse=True)
def _in_process(eager_celery):
    """Export jobs run in this process."""


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator, reference="UA-2022-0031", sensitivity="restricted")


@pytest.fixture
def person(case, investigator):
    return services.protected_person_create(actor=investigator, case=case, role="witness",
                                            identity={"name": "Olena Kovalenko"})


@pytest.fixture
def testimony(case, investigator, person):
    item = sealed_item(actor=investigator, case=case, data=b"statement of W01", filename="w01.txt",
                       kind="testimony", title="Statement of W01")
    item_add_consent_dependency(actor=investigator, item=item, person=person)
    return item


def _export(client, case, capture):
    with capture(execute=True):
        return client.post(f"/api/v1/cases/{case.reference}/exports/", DISCLOSURE, format="json")


def _consent(investigator, person, scopes=LEGAL_USE, **kwargs):
    return services.consent_record(actor=investigator, person=person, scopes=scopes, given_on=date(2023, 5, 2),
                                   **kwargs)


def test_consent_given_then_withdrawn_blocks_export_through_the_api(
        case, person, testimony, investigator, legal, django_capture_on_commit_callbacks):
    consent = _consent(investigator, person, recipients="ICC Office of the Prosecutor",
                       interpreter="Iryna S.", interpreter_language="Ukrainian")
    api = client_for(legal)
    allowed = _export(api, case, django_capture_on_commit_callbacks)
    assert allowed.status_code == 202, allowed.content
    assert ExportJob.objects.get().exhibits == [testimony.exhibit]

    services.consent_withdraw(actor=investigator, consent=consent, withdrawn_on=date(2024, 1, 9),
                              note="Fears for her family")
    refused = _export(api, case, django_capture_on_commit_callbacks)
    assert refused.status_code == 409, refused.content
    body = refused.json()
    assert body["blocked"] == [{"exhibit": testimony.exhibit, "people": [person.pseudonym]}]
    assert testimony.exhibit in str(body)
    assert "Kovalenko" not in refused.content.decode()
    assert ExportJob.objects.count() == 1


def test_no_consent_or_consent_without_legal_use_blocks_export(
        case, person, testimony, investigator, legal, django_capture_on_commit_callbacks):
    api = client_for(legal)
    assert _export(api, case, django_capture_on_commit_callbacks).status_code == 409
    _consent(investigator, person, scopes=["documentation"])
    refused = _export(api, case, django_capture_on_commit_callbacks)
    assert refused.status_code == 409 and refused.json()["blocked"][0]["exhibit"] == testimony.exhibit


def test_the_export_command_refuses_an_exhibit_whose_consent_was_withdrawn(
        case, person, testimony, investigator, tmp_path):
    consent = _consent(investigator, person)
    services.consent_withdraw(actor=investigator, consent=consent, withdrawn_on=date(2024, 1, 9))
    with pytest.raises(CommandError, match=testimony.exhibit):
        call_command("export_case", case.reference, str(tmp_path / "out"),
                     "--recipient", "Trial Chamber II", "--purpose", "Disclosure")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_withdrawal_while_the_package_is_queued_stops_the_build(case, person, testimony, investigator, tmp_path):
    consent = _consent(investigator, person)
    services.consent_withdraw(actor=investigator, consent=consent, withdrawn_on=date(2024, 1, 9))
    with pytest.raises(export.ConsentWithheld) as refused:
        export.build_bag(case=case, directory=tmp_path / "bag", package_id="x")
    assert refused.value.exhibits == [testimony.exhibit]
    assert not (tmp_path / "bag").exists()


def test_an_exhibit_without_dependencies_still_exports(
        case, person, investigator, legal, django_capture_on_commit_callbacks):
    item = sealed_item(actor=investigator, case=case, data=b"crater photo", filename="crater.jpg", kind="image",
                       title="Crater")
    response = _export(client_for(legal), case, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    job = ExportJob.objects.get()
    assert job.state == "done" and job.exhibits == [item.exhibit]


def test_consent_covering_legal_proceedings_allows_export(
        case, person, testimony, investigator, legal, django_capture_on_commit_callbacks):
    _consent(investigator, person, scopes=["legal_proceedings", "named_recipients"],
             recipients="ICC Office of the Prosecutor")
    response = _export(client_for(legal), case, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    job = ExportJob.objects.get()
    assert job.state == "done", job.error
    assert job.exhibits == [testimony.exhibit]


def test_consent_given_anew_after_a_withdrawal_allows_export_again(case, person, testimony, investigator):
    first = _consent(investigator, person)
    services.consent_withdraw(actor=investigator, consent=first, withdrawn_on=date(2024, 1, 9))
    items = list(EvidenceItem.objects.filter(case=case))
    assert export.consent_blocked(items)
    services.consent_record(actor=investigator, person=person, scopes=LEGAL_USE, given_on=date(2024, 6, 1))
    assert export.consent_blocked(items) == []


def test_the_consent_rules(person, investigator, legal, outsider):
    with pytest.raises(ValidationError, match="Documentation only"):
        _consent(investigator, person, scopes=["documentation", "publication"])
    with pytest.raises(ValidationError, match="recipients"):
        _consent(investigator, person, scopes=["named_recipients"])
    with pytest.raises(ValidationError):
        _consent(investigator, person, scopes=["anything"])
    with pytest.raises(ValidationError):
        _consent(investigator, person, interpreter="Iryna S.")  # an interpreter, but no language
    with pytest.raises(PermissionDenied):
        _consent(legal, person)
    with pytest.raises(PermissionDenied):
        _consent(outsider, person)
    consent = _consent(investigator, person)
    assert consent.obtained_by == investigator and consent.recorded_by == investigator
    with pytest.raises(ValidationError, match="before it was given"):
        services.consent_withdraw(actor=investigator, consent=consent, withdrawn_on=date(2023, 1, 1))
    services.consent_withdraw(actor=investigator, consent=consent, withdrawn_on=date(2024, 1, 9))
    with pytest.raises(ValidationError, match="already been withdrawn"):
        services.consent_withdraw(actor=investigator, consent=consent, withdrawn_on=date(2024, 2, 1))
    consent.refresh_from_db()
    assert consent.scopes == LEGAL_USE  # the consent itself is untouched by its withdrawal


# --- the admin ------------------------------------------------------------------------


def test_consent_is_recorded_and_withdrawn_on_the_person_page_and_never_edited(client, team, person):
    investigator = staff("investigator", team=team)
    login(client, investigator)
    url = reverse("admin:catalogue_protectedperson_change", args=[person.pk])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, payload(page, rows={"consents": [{
        "scopes": ["legal_proceedings", "named_recipients"], "recipients": "ICC OTP", "given_on": "2023-05-02",
        "interpreter": "Iryna S.", "interpreter_language": "Ukrainian", "scope_note": "", "obtained_by": "",
    }]}))
    assert response.status_code == 302, form_errors(response)
    consent = ConsentRecord.objects.get()
    assert consent.scopes == ["legal_proceedings", "named_recipients"] and consent.obtained_by == investigator

    # Saved, the record is shown and no longer editable: a changed row posted back changes nothing.
    page = client.get(url)
    html = page.content.decode()
    assert "ICC OTP" in html and 'name="consents-0-recipients"' not in html
    data = payload(page)
    data.update({"consents-0-recipients": "Everyone", "consents-0-given_on": "2020-01-01"})
    assert client.post(url, data).status_code == 302
    consent.refresh_from_db()
    assert consent.recipients == "ICC OTP" and consent.given_on == date(2023, 5, 2)

    response = client.post(url, payload(page, rows={"consent_withdrawals": [{
        "consent": consent.pk, "withdrawn_on": "2024-01-09", "note": "Fears for her family"}]}))
    assert response.status_code == 302, form_errors(response)
    withdrawal = ConsentWithdrawal.objects.get()
    assert withdrawal.consent == consent and withdrawal.recorded_by == investigator
    assert 'name="consent_withdrawals-0-note"' not in client.get(url).content.decode()


def test_a_refused_withdrawal_shows_on_its_row_and_saves_nothing(client, team, person, investigator):
    consent = _consent(investigator, person)
    user = staff("investigator", team=team)
    login(client, user)
    url = reverse("admin:catalogue_protectedperson_change", args=[person.pk])
    page = client.get(url)
    response = client.post(url, payload(page, rows={"consent_withdrawals": [{
        "consent": consent.pk, "withdrawn_on": "2020-01-01", "note": ""}]}))
    assert response.status_code == 200
    assert any("before it was given" in " ".join(v) for v in form_errors(response).values())
    assert not ConsentWithdrawal.objects.exists()


def test_the_item_page_shows_and_adds_its_consent_dependencies(client, team, case, person, investigator):
    item = sealed_item(actor=investigator, case=case, data=b"photo of W01", filename="w01.jpg", kind="image",
                       title="Portrait")
    user = staff("investigator", team=team)
    login(client, user)
    url = reverse("admin:evidence_evidenceitem_change", args=[item.pk])
    page = client.get(url)
    data = payload(page, rows={"consent_dependencies": [{"person": person.pk}]}, title=item.title, kind=item.kind,
                   description="", captured_at_0="", captured_at_1="", captured_by="")
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    assert ItemConsentDependency.objects.get().person == person
    assert item.custody.order_by("-seq").first().details == {"consent_dependency": person.pseudonym}
    html = client.get(url).content.decode()
    assert person.pseudonym in html and "withdrawn or not given: not exported" in html


def test_an_outsider_cannot_record_consent(person, outsider):
    with pytest.raises(PermissionDenied):
        _consent(outsider, person)


# --- the evidence table's triggers survive the migration that added the flags --------------


def test_the_item_triggers_still_refuse_rewrites_and_deletes(case, investigator):
    item = sealed_item(actor=investigator, case=case, data=b"sealed bytes", filename="s.bin")
    table = EvidenceItem._meta.db_table
    pk = item.pk.hex if connection.vendor == "sqlite" else item.pk
    with pytest.raises(DatabaseError, match="sealed is final"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET sha256 = %s WHERE id = %s", ["0" * 64, pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
    # The flags themselves may change on a sealed item.
    EvidenceItem.objects.filter(pk=item.pk).update(graphic_content=True)
    item.refresh_from_db()
    assert item.graphic_content and item.sha256 != "0" * 64
