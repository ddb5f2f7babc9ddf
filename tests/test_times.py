"""Times are never invented: an unknown time is recorded as unknown, a partly known one with its
precision, and no custody entry is dated at filing unless its event happened at filing."""

import json
import shutil
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from catalogue import services as case_services
from catalogue.models import Case
from evidence import export, signing
from evidence.custody import TIME_UNKNOWN, custody_append, entry_body, entry_hash, verify_chain
from evidence.models import CustodyEvent, EvidenceItem
from evidence.services import evidence_register, evidence_update_description
from evidence.times import normalise, parse, partial_iso
from tests.admin_pages import form_errors, login, staff
from tests.api.helpers import client_for
from tests.factories import CaseFactory, sealed_item

KYIV = timezone(timedelta(hours=2))


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator, reference="UA-2022-0007")


def capture_entry(item: EvidenceItem) -> CustodyEvent:
    return item.custody.get(action=CustodyEvent.Action.CAPTURE)


# --- the service ---------------------------------------------------------------


def test_a_capturer_without_a_time_writes_no_capture_entry_dated_at_filing(case, investigator):
    item = evidence_register(actor=investigator, case=case, kind="intercept", title="Call", held_by="SBU",
                             captured_by="SBU, interception")
    assert (item.captured_at, item.captured_at_precision) == (None, "unknown")
    capture = capture_entry(item)
    assert capture.occurred_at is None
    assert capture.details == {"captured_by": "SBU, interception", "capture_place": "", "captured_at": None,
                               "precision": "unknown"}
    accession = item.custody.get(action=CustodyEvent.Action.ACCESSION)
    assert accession.occurred_at == accession.recorded_at  # filing did happen at filing
    assert verify_chain(item).ok


def test_an_item_with_no_capture_fact_gets_no_capture_entry(case, investigator):
    item = evidence_register(actor=investigator, case=case, kind="document", title="Memo", held_by="NGO")
    assert list(item.custody.values_list("action", flat=True)) == ["accession"]


def test_a_month_precision_capture_is_recorded_as_such(case, investigator):
    item = evidence_register(actor=investigator, case=case, kind="video", title="Clip", held_by="NGO",
                             captured_at=datetime(2022, 3, 17, 9, 30, tzinfo=UTC), captured_at_precision="month",
                             captured_by="Resident")
    item.refresh_from_db()
    assert (item.captured_at, item.captured_at_precision) == (datetime(2022, 3, 1, tzinfo=UTC), "month")
    capture = capture_entry(item)
    assert capture.occurred_at is None
    assert (capture.details["captured_at"], capture.details["precision"]) == ("2022-03", "month")


def test_an_exact_capture_time_dates_its_entry_and_is_exact_unless_said_otherwise(case, investigator):
    when = datetime(2022, 3, 16, 10, 0, 5, tzinfo=UTC)
    item = evidence_register(actor=investigator, case=case, kind="video", title="Clip", held_by="NGO",
                             captured_at=when)
    assert item.captured_at_precision == "exact"
    capture = capture_entry(item)
    assert capture.occurred_at == when and capture.details["precision"] == "exact"


@pytest.mark.parametrize(("captured_at", "precision"), [
    (None, "day"),
    (datetime(2022, 3, 16, tzinfo=UTC), "unknown"),
    (datetime(2022, 3, 16, tzinfo=UTC), "fortnight"),
])
def test_a_precision_that_does_not_fit_the_time_is_refused_and_files_nothing(case, investigator, captured_at,
                                                                           precision):
    with pytest.raises(ValidationError) as refused:
        evidence_register(actor=investigator, case=case, kind="video", title="Clip", held_by="NGO",
                          captured_at=captured_at, captured_at_precision=precision)
    assert "captured_at_precision" in refused.value.message_dict
    assert not EvidenceItem.objects.exists()


def test_the_database_refuses_a_time_whose_precision_says_unknown(case, investigator):
    item = evidence_register(actor=investigator, case=case, kind="document", title="Memo", held_by="NGO")
    with pytest.raises(IntegrityError), transaction.atomic():
        EvidenceItem.objects.filter(pk=item.pk).update(published_at=datetime(2022, 3, 16, tzinfo=UTC))


def test_the_online_times_are_kept_apart_and_listed_on_the_accession(case, investigator):
    item = evidence_register(
        actor=investigator, case=case, kind="video", title="Post", source_url="https://example.org/v/1",
        published_at=datetime(2022, 3, 16, tzinfo=UTC), published_at_precision="day",
        uploaded_at=datetime(2022, 3, 16, 8, 12, tzinfo=UTC),
    )
    item.refresh_from_db()
    assert (item.published_at_precision, item.uploaded_at_precision, item.acquired_at_precision) == (
        "day", "exact", "unknown")
    assert list(item.custody.values_list("action", flat=True))[:1] == ["accession"]  # no capture fact given
    details = item.custody.get(action="accession").details
    assert details["published_at"] == "2022-03-16" and details["uploaded_at"] == "2022-03-16T08:12:00.000000Z"
    assert "acquired_at" not in details


def test_correcting_a_time_keeps_its_precision_in_step(case, investigator):
    item = evidence_register(actor=investigator, case=case, kind="document", title="Memo", held_by="NGO")
    item = evidence_update_description(actor=investigator, item=item, captured_at=datetime(2022, 3, 16, tzinfo=UTC),
                                       captured_at_precision="day")
    assert item.captured_at_precision == "day"
    item = evidence_update_description(actor=investigator, item=item, captured_at=None)
    assert (item.captured_at, item.captured_at_precision) == (None, "unknown")
    changes = item.custody.order_by("-seq").first().details["changes"]
    assert changes["captured_at_precision"] == {"old": "day", "new": "unknown"}


# --- the hash and the offline verifier -------------------------------------------


def test_an_unknown_time_is_hashed_as_null_and_timed_entries_hash_as_before():
    timed = entry_body(item_id="6f1c2a4e-0000-4000-8000-000000000001", seq=1, action="capture", outcome="success",
                       actor="user:alice", occurred_at=datetime(2022, 3, 16, 10, tzinfo=UTC),
                       recorded_at=datetime(2026, 11, 30, 2, 0, 0, 123456, tzinfo=UTC), details={"captured_by": "W"},
                       prev_hash="0" * 64)
    # Computed with the code before unknown times existed: old chains still verify.
    assert entry_hash(timed) == "322805b9a8bb9a272baee86132df900c4c57b009ef1eb9f08d3f7f20f79ee564"
    untimed = {**timed, "occurred_at": None}
    assert entry_body(**{**_args(timed), "occurred_at": None}) == untimed
    assert b'"occurred_at":null' in json.dumps(untimed, sort_keys=True, separators=(",", ":")).encode()


def _args(body: dict) -> dict:
    return {"item_id": body["item"], **{k: v for k, v in body.items() if k != "item"}}


def test_custody_append_records_an_unknown_time_only_when_asked(case, investigator):
    item = evidence_register(actor=investigator, case=case, kind="document", title="Memo", held_by="NGO")
    unknown = custody_append(item=item, action="transfer", user=investigator, occurred_at=TIME_UNKNOWN)
    now = custody_append(item=item, action="transfer", user=investigator, occurred_at=None)
    assert unknown.occurred_at is None and now.occurred_at == now.recorded_at
    assert verify_chain(item).ok


@pytest.mark.skipif(shutil.which("openssl") is None, reason="verify.py needs the openssl command")
def test_a_court_package_carries_the_precisions_and_verifies_with_an_unknown_time(case, investigator, legal,
                                                                                  tmp_path, settings):
    from tests.test_export_bag import run_verifier

    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = tmp_path / "keys" / "ledger.pem"
    settings.LEDGER_PUBLIC_KEYS_DIR = tmp_path / "public-keys"
    sealed_item(actor=investigator, case=case, data=b"the clip", filename="clip.mp4", title="Clip")
    item = evidence_register(actor=investigator, case=case, kind="video", title="Post", held_by="NGO",
                             captured_by="Resident", captured_at=datetime(2022, 3, 1, tzinfo=UTC),
                             captured_at_precision="month", published_at=datetime(2022, 3, 18, 7, tzinfo=UTC),
                             published_at_precision="hour")
    bag = export.build_bag(case=case, directory=tmp_path / "package", user=legal, package_id="times").path
    record = json.loads((bag / "data" / "items" / "E002" / "item.json").read_text())
    assert (record["captured_at"], record["captured_at_precision"]) == ("2022-03", "month")
    assert (record["published_at"], record["published_at_precision"]) == ("2022-03-18T07Z", "hour")
    assert (record["uploaded_at"], record["uploaded_at_precision"]) == (None, "unknown")
    assert (record["acquired_at"], record["acquired_at_precision"]) == (None, "unknown")
    custody = json.loads((bag / "data" / "items" / "E002" / "custody.json").read_text())
    assert custody[0]["action"] == "capture" and custody[0]["occurred_at"] is None
    assert item.custody.filter(occurred_at__isnull=True).count() == 1
    result = run_verifier(bag, "--key-id", signing.signing_key().key_id)
    assert result.returncode == 0, result.stdout


# --- the API -----------------------------------------------------------------------


def _file(client, case, **fields):
    return client.post("/api/v1/evidence/", {"case": case.reference, "kind": "video", "title": "Clip",
                                             "held_by": "NGO", **fields}, format="json")


def test_the_api_takes_a_month_and_shows_it_as_a_month(case, investigator, legal):
    response = _file(client_for(investigator), case, captured_at="2022-03", captured_by="Resident")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["captured_at"], body["captured_at_precision"]) == ("2022-03", "month")
    detail = client_for(legal).get(f"/api/v1/evidence/{body['id']}/").json()
    assert (detail["captured_at"], detail["captured_at_precision"]) == ("2022-03", "month")
    custody = client_for(legal).get(f"/api/v1/evidence/{body['id']}/custody/").json()["results"]
    assert custody[0]["action"] == "capture" and custody[0]["occurred_at"] is None
    assert custody[0]["details"]["captured_at"] == "2022-03"
    assert custody[1]["action"] == "accession" and custody[1]["occurred_at"] is not None
    listed = client_for(legal).get(f"/api/v1/evidence/?case={case.reference}").json()["results"]
    assert (listed[0]["captured_at"], listed[0]["captured_at_precision"]) == ("2022-03", "month")


def test_the_api_stores_a_time_typed_with_an_offset_as_that_instant(case, investigator):
    response = _file(client_for(investigator), case, captured_at="2022-03-16T14:05:00+02:00")
    assert response.status_code == 201, response.content
    item = EvidenceItem.objects.get(pk=response.json()["id"])
    assert item.captured_at == datetime(2022, 3, 16, 12, 5, tzinfo=UTC)
    assert response.json()["captured_at"] == "2022-03-16T12:05:00Z"
    assert capture_entry(item).occurred_at == item.captured_at


def test_a_day_chosen_for_a_local_time_keeps_the_local_date(case, investigator):
    # 01:30 in Kyiv on the 16th is still the 15th in UTC: the day the filer meant is the 16th.
    response = _file(client_for(investigator), case, captured_at="2022-03-16T01:30:00+02:00",
                     captured_at_precision="day")
    assert response.status_code == 201, response.content
    assert (response.json()["captured_at"], response.json()["captured_at_precision"]) == ("2022-03-16", "day")


def test_the_api_files_and_shows_the_online_times(case, investigator):
    response = _file(client_for(investigator), case, source_url="", published_at="2022-03-16",
                     uploaded_at="2022-03-16T09+02:00", acquired_at="2022-04-02T10:00:00Z")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["published_at"], body["published_at_precision"]) == ("2022-03-16", "day")
    assert (body["uploaded_at"], body["uploaded_at_precision"]) == ("2022-03-16T07Z", "hour")
    assert (body["acquired_at"], body["acquired_at_precision"]) == ("2022-04-02T10:00:00Z", "exact")
    assert list(EvidenceItem.objects.get(pk=body["id"]).custody.values_list("action", flat=True)) == ["accession"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"captured_at": "2022-03", "captured_at_precision": "day"}, "captured_at_precision"),
    ({"captured_at": "2022-03-16", "captured_at_precision": "unknown"}, "captured_at_precision"),
    ({"captured_at_precision": "month"}, "captured_at_precision"),
    ({"published_at": "March 2022"}, "published_at"),
    ({"acquired_at": "2022-02-30"}, "acquired_at"),
])
def test_the_api_refuses_a_time_more_precise_than_given_or_unreadable(case, investigator, fields, field):
    response = _file(client_for(investigator), case, **fields)
    assert response.status_code == 400, response.content
    assert field in json.dumps(response.json())
    assert not EvidenceItem.objects.exists()


# --- the admin -----------------------------------------------------------------------


def test_the_admin_files_a_partial_time_and_shows_it_as_far_as_known(client, team):
    filer = staff("investigator", team)
    case = CaseFactory(team=team, created_by=filer, reference="UA-2022-0009")
    login(client, filer)
    data = {"case": case.pk, "kind": "image", "title": "Crater", "source_url": "", "held_by": "NGO",
            "declared_sha256": "", "captured_at": "2022-03-16T01:30+02:00", "captured_at_precision": "day",
            "captured_by": "Resident", "description": "", "published_at": "2022-03",
            "uploaded_at": "", "acquired_at": ""}
    response = client.post(reverse("admin:evidence_evidenceitem_add"), data)
    assert response.status_code == 302, form_errors(response)
    item = EvidenceItem.objects.get()
    assert (partial_iso(item.captured_at, item.captured_at_precision), item.captured_at_precision) == (
        "2022-03-16", "day")
    assert (item.published_at, item.published_at_precision) == (datetime(2022, 3, 1, tzinfo=UTC), "month")
    assert capture_entry(item).occurred_at is None

    url = reverse("admin:evidence_evidenceitem_change", args=[item.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    assert form.initial["captured_at"] == "2022-03-16" and form.initial["published_at"] == "2022-03"

    # Retyped more precisely, the precision follows what was typed.
    change = {"title": "Crater", "kind": "image", "description": "", "captured_by": "Resident",
              "captured_at": "2022-03-16T01:30:00+02:00", "captured_at_precision": "", "published_at": "2022-03",
              "published_at_precision": "", "uploaded_at": "", "uploaded_at_precision": "", "acquired_at": "",
              "acquired_at_precision": ""}
    response = client.post(url, change)
    assert response.status_code == 302, form_errors(response)
    item.refresh_from_db()
    assert (item.captured_at, item.captured_at_precision) == (datetime(2022, 3, 15, 23, 30, tzinfo=UTC), "exact")
    assert item.published_at_precision == "month"
    last = item.custody.order_by("-seq").first()
    assert last.action == "metadata_modification"
    assert set(last.details["changes"]) == {"captured_at", "captured_at_precision"}


def test_the_admin_refuses_a_precision_finer_than_the_time_typed(client, team):
    filer = staff("investigator", team)
    case = CaseFactory(team=team, created_by=filer, reference="UA-2022-0009")
    login(client, filer)
    data = {"case": case.pk, "kind": "image", "title": "Crater", "source_url": "", "held_by": "NGO",
            "declared_sha256": "", "captured_at": "2022-03", "captured_at_precision": "exact", "captured_by": "",
            "description": ""}
    response = client.post(reverse("admin:evidence_evidenceitem_add"), data)
    assert response.status_code == 200
    assert "captured_at_precision" in form_errors(response)
    assert not EvidenceItem.objects.exists()


# --- incidents and the seed -------------------------------------------------------------


def test_an_undated_incident_has_an_unknown_precision_and_a_dated_one_needs_a_precision(team, investigator):
    undated = case_services.case_create(actor=investigator, team=team, title="Undated", reference="UA-2022-0101")
    assert undated.date_precision == Case.DatePrecision.UNKNOWN
    with pytest.raises(ValidationError) as refused:
        case_services.case_create(actor=investigator, team=team, title="Dated", reference="UA-2022-0102",
                                  incident_start=datetime(2022, 3, 16).date(), date_precision="unknown")
    assert "date_precision" in refused.value.message_dict


def test_the_seed_dates_no_capture_at_seeding_time(db):
    from seeds import loader

    loader.load()
    captures = CustodyEvent.objects.filter(action=CustodyEvent.Action.CAPTURE)
    assert captures.exists()
    for entry in captures.select_related("item"):
        if entry.item.captured_at_precision == "exact":
            assert entry.occurred_at == entry.item.captured_at
        else:
            assert entry.occurred_at is None, entry.item.exhibit
            assert entry.details["precision"] == entry.item.captured_at_precision
    assert not Case.objects.filter(incident_start__isnull=True).exclude(date_precision="unknown").exists()


# --- the pure rules --------------------------------------------------------------------


@pytest.mark.parametrize(("text", "told", "precision"), [
    ("2022", "2022", "year"),
    ("2022-03", "2022-03", "month"),
    ("2022-03-16", "2022-03-16", "day"),
    ("2022-03-16T14+02:00", "2022-03-16T12Z", "hour"),
    ("2022-03-16T14:05:09.5+02:00", "2022-03-16T12:05:09.500000Z", "exact"),
    ("2022-03-16T14:05:09", "2022-03-16T14:05:09.000000Z", "exact"),
])
def test_a_time_is_read_and_told_as_far_as_it_was_given(text, told, precision):
    value, typed = parse(text)
    assert typed == precision
    assert partial_iso(*normalise(value, typed)) == told


def test_a_local_hour_is_kept_in_the_filers_offset():
    value, _ = parse("2022-03-16T14:40:00+05:30")
    assert normalise(value, "hour")[0] == datetime(2022, 3, 16, 14, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert normalise(datetime(2022, 3, 16, 1, 30, tzinfo=KYIV), "day")[0] == datetime(2022, 3, 16, tzinfo=UTC)
