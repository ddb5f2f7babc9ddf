"""The evidence pages of the admin: read-only integrity record, custody verification, no deletes."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalogue.models import Case
from evidence.custody import custody_append
from evidence.models import CustodyEvent, EvidenceItem
from evidence.services import evidence_register
from tests import db_guards, factories
from tests.admin_pages import form_errors, login, messages_of, payload, staff
from tests.factories import CaseFactory

EVIDENCE_LIST = reverse("admin:evidence_evidenceitem_changelist")


@pytest.fixture
def filer(team):
    return staff("investigator", team)


@pytest.fixture
def case(team, filer):
    return CaseFactory(team=team, created_by=filer, reference="UA-2022-0007")


@pytest.fixture
def item(case, filer):
    return evidence_register(actor=filer, case=case, kind="document", title="Memo", held_by="SBU")


@pytest.fixture
def superuser_client(client, db):
    login(client, factories.UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_item_page_shows_the_integrity_record_read_only_with_its_custody_log(client, filer, item):
    login(client, filer)
    page = client.get(reverse("admin:evidence_evidenceitem_change", args=[item.pk]))
    assert page.status_code == 200
    times = {f"{name}{suffix}" for name in ("captured_at", "published_at", "uploaded_at", "acquired_at")
             for suffix in ("", "_precision")}
    flags = {"graphic_content", "risk_to_person", "risk_note"}
    assert set(page.context["adminform"].form.fields) == {"title", "kind", "description", "captured_by", *times,
                                                          "captured_at_zone", *flags}
    html = page.content.decode()
    entry = item.custody.get()
    assert entry.entry_hash in html and "accession" in html
    assert "UA-2022-0007/E001" in html


def test_a_description_change_goes_through_the_service_and_is_a_custody_entry(client, filer, item):
    login(client, filer)
    url = reverse("admin:evidence_evidenceitem_change", args=[item.pk])
    data = {"title": "Memo of 30 March", "kind": "document", "description": "", "captured_at_0": "",
            "captured_at_1": "", "captured_by": ""}
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    last = item.custody.order_by("-seq").first()
    assert last.action == "metadata_modification"
    assert last.details["changes"]["title"] == {"old": "Memo", "new": "Memo of 30 March"}


def test_an_item_filed_from_its_own_page_gets_its_exhibit_and_accession(client, filer, case, settings):
    login(client, filer)
    url = reverse("admin:evidence_evidenceitem_add")
    data = {"case": case.pk, "kind": "image", "title": "Crater", "file": SimpleUploadedFile("crater.jpg", b"jpeg"),
            "source_url": "", "held_by": "", "declared_sha256": "", "captured_at_0": "", "captured_at_1": "",
            "captured_by": "", "description": ""}
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    item = EvidenceItem.objects.get()
    assert item.exhibit == "UA-2022-0007/E001"
    assert item.custody.get().action == "accession"
    assert os.listdir(settings.MEDIA_ROOT / "incoming")


def test_an_outsider_cannot_file_on_or_see_a_restricted_case(client, team, filer):
    hidden = CaseFactory(team=team, created_by=filer, sensitivity="restricted")
    hidden_item = evidence_register(actor=filer, case=hidden, kind="document", title="Memo", held_by="SBU")
    login(client, staff("investigator", factories.TeamFactory()))
    data = {"case": hidden.pk, "kind": "document", "title": "Intrusion", "held_by": "Me", "source_url": "",
            "declared_sha256": "", "captured_at_0": "", "captured_at_1": "", "captured_by": "", "description": ""}
    response = client.post(reverse("admin:evidence_evidenceitem_add"), data)
    assert response.status_code == 200
    assert "case" in form_errors(response)
    assert EvidenceItem.objects.count() == 1
    assert list(client.get(EVIDENCE_LIST).context["cl"].result_list) == []
    custody_list = client.get(reverse("admin:evidence_custodyevent_changelist"))
    assert list(custody_list.context["cl"].result_list) == []
    change = client.get(reverse("admin:evidence_evidenceitem_change", args=[hidden_item.pk]))
    assert change.status_code == 302


def test_nobody_deletes_evidence_custody_or_a_case_with_evidence_not_even_a_superuser(superuser_client, item):
    entry = item.custody.get()
    refused = [
        reverse("admin:evidence_evidenceitem_delete", args=[item.pk]),
        reverse("admin:evidence_custodyevent_delete", args=[entry.pk]),
        reverse("admin:catalogue_case_delete", args=[item.case_id]),
    ]
    for url in refused:
        assert superuser_client.get(url).status_code == 403, url
        assert superuser_client.post(url, {"post": "yes"}).status_code == 403, url
    for changelist in (EVIDENCE_LIST, reverse("admin:evidence_custodyevent_changelist"),
                       reverse("admin:catalogue_case_changelist")):
        action_form = superuser_client.get(changelist).context["action_form"]
        actions = dict(action_form.fields["action"].choices) if action_form else {}
        assert "delete_selected" not in actions, changelist
    superuser_client.post(EVIDENCE_LIST, {"action": "delete_selected", "_selected_action": [item.pk], "post": "yes"})
    assert EvidenceItem.objects.filter(pk=item.pk).exists()
    assert CustodyEvent.objects.filter(pk=entry.pk).exists()
    assert Case.objects.filter(pk=item.case_id).exists()


def test_a_case_without_evidence_can_still_be_deleted_by_a_superuser(superuser_client, team, filer):
    case = CaseFactory(team=team, created_by=filer)
    response = superuser_client.post(reverse("admin:catalogue_case_delete", args=[case.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Case.objects.filter(pk=case.pk).exists()


def test_custody_entries_cannot_be_added_or_changed(superuser_client, item):
    entry = item.custody.get()
    assert superuser_client.get(reverse("admin:evidence_custodyevent_add")).status_code == 403
    url = reverse("admin:evidence_custodyevent_change", args=[entry.pk])
    assert superuser_client.get(url).status_code == 200
    assert superuser_client.post(url, {"action": "transfer"}).status_code == 403
    assert CustodyEvent.objects.get(pk=entry.pk).action == "accession"


def test_verify_custody_chains_reports_each_intact_chain(client, filer, case, item):
    second = evidence_register(actor=filer, case=case, kind="document", title="Letter", held_by="NGO")
    custody_append(item=second, action="transfer", user=filer, details={"to": "vault"})
    login(client, staff("legal", case.team))
    response = client.post(EVIDENCE_LIST, {"action": "verify_custody_chains",
                                           "_selected_action": [item.pk, second.pk]}, follow=True)
    assert messages_of(response) == [
        "UA-2022-0007/E001: custody chain intact (1 entries).",
        "UA-2022-0007/E002: custody chain intact (2 entries).",
    ]


def test_verify_custody_chains_names_the_broken_seq(committed_db, client):
    team = factories.TeamFactory()
    user = staff("investigator", team)
    case = CaseFactory(team=team, created_by=user, reference="UA-2022-0008")
    item = evidence_register(actor=user, case=case, kind="document", title="Memo", held_by="NGO")
    for n in range(2):
        custody_append(item=item, action="transfer", user=user, details={"n": n})
    db_guards.rewrite_custody_details(item, 2, '{"n": 99}')
    login(client, user)
    response = client.post(EVIDENCE_LIST, {"action": "verify_custody_chains", "_selected_action": [item.pk]},
                           follow=True)
    (message,) = messages_of(response)
    assert message.startswith("UA-2022-0008/E001: custody chain broken at seq 2")
    assert "entry_hash" in message


def test_the_evidence_list_costs_the_same_queries_for_few_or_many_items(client, filer, case,
                                                                        django_assert_max_num_queries):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    login(client, filer)
    evidence_register(actor=filer, case=case, kind="document", title="One", held_by="NGO")
    with CaptureQueriesContext(conn) as few:
        assert client.get(EVIDENCE_LIST).status_code == 200
    for n in range(6):
        evidence_register(actor=filer, case=CaseFactory(team=case.team, created_by=filer), kind="video",
                          title=f"Clip {n}", held_by="NGO")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(EVIDENCE_LIST)
    assert len(response.context["cl"].result_list) == 7


def test_the_case_page_lists_filed_evidence_and_files_more(client, filer, case, item):
    login(client, filer)
    url = reverse("admin:catalogue_case_change", args=[case.pk])
    page = client.get(url)
    assert "UA-2022-0007/E001" in page.content.decode()
    data = payload(page, rows={"new_evidence": [{
        "kind": "webpage", "title": "Telegram post", "description": "", "source_url": "https://t.me/example/1",
        "held_by": "", "declared_sha256": "", "captured_at_0": "", "captured_at_1": "", "captured_by": "",
    }]}, title=case.title, summary="", date_precision="day", sensitivity="open")
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    new = EvidenceItem.objects.get(exhibit="UA-2022-0007/E002")
    assert (new.source_url, new.state) == ("https://t.me/example/1", "received")


def test_retry_failed_items_requeues_a_failed_item_and_explains_the_rest(client, filer, case, item,
                                                                         django_capture_on_commit_callbacks):
    failed = evidence_register(actor=filer, case=case, kind="video", title="Clip", source_url="https://example.org/v")
    EvidenceItem.objects.filter(pk=failed.pk).update(state="failed", error="fetch timed out")
    login(client, filer)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(EVIDENCE_LIST, {"action": "retry_failed_items",
                                               "_selected_action": [item.pk, failed.pk]}, follow=True)
    assert messages_of(response) == [
        "UA-2022-0007/E001: not retried: state: Only a failed item can be retried; this one is reference.",
        "UA-2022-0007/E002: queued again for ingest.",
    ]
    failed.refresh_from_db()
    assert (failed.state, failed.error) == ("received", "")
    last = failed.custody.order_by("-seq").first()
    # A request, said as one: who asked, after what; not an "ingestion / success" that reads as a seal.
    assert (last.action, last.outcome, last.actor) == ("ingestion_start", "success", f"user:{filer.username}")
    assert (last.details["requested_by"], last.details["previous_error"]) == (filer.username, "fetch timed out")
    assert queued
