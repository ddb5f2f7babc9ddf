"""Finding and acting on cases in the admin (issue 13, points 5 and 6): the search and the case
picker find every spelling of a place, the case list filters, the status menu offers only the
steps open to the user, and filing tells the truth about what became of an item."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalogue import services
from catalogue.models import Case, CrimeCategory
from evidence.models import EvidenceItem
from evidence.services import evidence_register
from tests.admin_pages import form_errors, login, messages_of, payload, staff
from tests.factories import ActorFactory, CaseFactory, PlaceFactory, SourceFactory, TeamFactory

CASES = reverse("admin:catalogue_case_changelist")
ADD_CASE = reverse("admin:catalogue_case_add")
ADD_ITEM = reverse("admin:evidence_evidenceitem_add")
CONTENT = b"%PDF-1.4 the same memo, twice\n"


@pytest.fixture
def filer(team):
    return staff("investigator", team)


@pytest.fixture
def filer_client(client, filer):
    login(client, filer)
    return client


@pytest.fixture
def kharkiv(db):
    return PlaceFactory(name="Kharkiv", aliases=["Kharkov", "Харків", "Харьков"], admin_area="Kharkiv Oblast")


@pytest.fixture
def kyiv(db):
    return PlaceFactory(name="Kyiv", aliases=["Kiev", "Київ", "Киев"])


def file_case(actor, team, title, **fields):
    return services.case_create(actor=actor, team=team, title=title, **fields)


def shown(response) -> list[str]:
    return [case.reference for case in response.context["cl"].result_list]


def item_form(case, **overrides):
    return {"case": case.pk, "kind": "document", "title": "Memo of 30 March", "source_url": "", "held_by": "",
            "declared_sha256": "", "captured_at": "", "captured_at_zone": "", "captured_at_precision": "",
            "captured_by": "", "description": "", **overrides}


# --- finding -------------------------------------------------------------------------


@pytest.mark.parametrize("term", ["Kharkiv", "Kharkov", "Харків", "харьков"])
def test_the_case_search_finds_a_place_by_any_spelling(filer_client, filer, team, kharkiv, kyiv, term):
    in_kharkiv = file_case(filer, team, "Strike on a power plant", places=[kharkiv])
    file_case(filer, team, "Shelling of a residential block", places=[kyiv])
    assert shown(filer_client.get(CASES, {"q": term})) == [in_kharkiv.reference]


@pytest.mark.parametrize("term", ["Kiev", "Київ"])
def test_the_search_reads_every_word_as_the_api_does(filer_client, filer, team, kharkiv, kyiv, term):
    in_kyiv = file_case(filer, team, "Shelling of a residential block", places=[kyiv])
    file_case(filer, team, "Shelling of a school", places=[kharkiv])
    assert shown(filer_client.get(CASES, {"q": f"{term} shelling"})) == [in_kyiv.reference]
    assert shown(filer_client.get(CASES, {"q": f"{term} school"})) == []


def test_the_search_never_shows_a_case_the_user_may_not_see(client, filer, team, kharkiv):
    file_case(filer, team, "Strike on a power plant", places=[kharkiv], sensitivity="restricted")
    login(client, staff("investigator", TeamFactory()))
    assert shown(client.get(CASES, {"q": "Харків"})) == []


def test_the_evidence_forms_case_picker_finds_a_case_by_a_place_alias(filer_client, filer, team, kharkiv, kyiv):
    in_kharkiv = file_case(filer, team, "Strike on a power plant", places=[kharkiv])
    file_case(filer, team, "Shelling of a residential block", places=[kyiv])
    response = filer_client.get(reverse("admin:autocomplete"), {
        "app_label": "evidence", "model_name": "evidenceitem", "field_name": "case", "term": "Харків"})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(in_kharkiv.pk)]


def test_the_case_list_filters_by_crime_with_a_group_finding_its_crimes(filer_client, filer, team):
    rape = file_case(filer, team, "Sexual violence at a checkpoint", categories=["7(1)(g)-1"])
    file_case(filer, team, "Shelling of a residential block", categories=["8(2)(b)(ii)"])
    page = filer_client.get(CASES)
    spec = next(s for s in page.context["cl"].filter_specs if getattr(s, "parameter_name", None) == "category")
    offered = dict(spec.lookup_choices)
    assert "7(1)(g)" in offered and "7(1)(g)-1" in offered  # the group, and a crime a visible case holds
    assert "7(1)(g)-2" not in offered  # no case holds it: not offered, the list stays short
    assert shown(filer_client.get(CASES, {"category": "7(1)(g)"})) == [rape.reference]
    assert shown(filer_client.get(CASES, {"category": "7(1)(g)-1"})) == [rape.reference]
    assert shown(filer_client.get(CASES, {"category": "7"})) == [rape.reference]
    assert CrimeCategory.objects.filter(code="7(1)(g)", selectable=False).exists()


def test_the_case_list_filters_by_place_perpetrator_and_source(filer_client, filer, team, kharkiv, kyiv):
    unit, source = ActorFactory(name="Unit 0001"), SourceFactory(name="Regional prosecutor")
    in_kharkiv = file_case(filer, team, "Strike on a power plant", places=[kharkiv], perpetrators=[unit])
    in_kyiv = file_case(filer, team, "Shelling of a residential block", places=[kyiv])
    services.case_add_source(case=in_kyiv, source=source, reliability="B", credibility="2")
    assert shown(filer_client.get(CASES, {"place": kharkiv.pk})) == [in_kharkiv.reference]
    assert shown(filer_client.get(CASES, {"perpetrator": unit.pk})) == [in_kharkiv.reference]
    assert shown(filer_client.get(CASES, {"source": source.pk})) == [in_kyiv.reference]


def test_the_place_filter_names_no_place_only_a_hidden_case_uses(client, filer, team, kharkiv):
    secret = PlaceFactory(name="Safe house 7")
    file_case(filer, team, "Detention at a safe house", places=[secret], sensitivity="restricted")
    file_case(filer, team, "Strike on a power plant", places=[kharkiv])
    login(client, staff("investigator", TeamFactory()))
    page = client.get(CASES)
    html = page.content.decode()
    assert "Kharkiv" in html and "Safe house 7" not in html


def test_the_case_list_filters_by_incident_dates_status_and_sensitivity(filer_client, filer, team):
    early = file_case(filer, team, "Shelling in early March", incident_start=date(2022, 3, 1),
                      incident_end=date(2022, 3, 20))
    late = file_case(filer, team, "Strike in the summer", incident_start=date(2022, 7, 1), sensitivity="restricted")
    Case.objects.filter(pk=late.pk).update(status="under_review")
    assert shown(filer_client.get(CASES, {"incident_after": "2022-03-15", "incident_before": "2022-04-01"})) == [
        early.reference]  # it spans the 15th
    assert shown(filer_client.get(CASES, {"incident_after": "2022-06-01"})) == [late.reference]
    assert shown(filer_client.get(CASES, {"status__exact": "under_review"})) == [late.reference]
    assert shown(filer_client.get(CASES, {"sensitivity__exact": "open"})) == [early.reference]
    page = filer_client.get(CASES, {"incident_after": "2022-06-01"})
    assert 'name="incident_after" value="2022-06-01"' in page.content.decode()


def test_a_date_that_is_not_a_date_is_refused_not_ignored(filer_client, filer, team):
    file_case(filer, team, "Shelling in early March", incident_start=date(2022, 3, 1))
    response = filer_client.get(CASES, {"incident_after": "March"})
    assert response.status_code == 302 and "e=1" in response.url  # the admin's "invalid filter" page


# --- acting: status, numbering, titles -------------------------------------------------


def test_the_reviewer_is_offered_only_the_steps_open_to_them(client, filer, team):
    case = CaseFactory(team=team, created_by=filer, status="verified")
    login(client, staff("reviewer", team))
    url = reverse("admin:catalogue_case_change", args=[case.pk])
    page = client.get(url)
    offered = [value for value, _label in page.context["adminform"].form.fields["status"].choices]
    assert offered == ["verified", "corroborated", "referred", "disputed", "closed"]
    response = client.post(url, payload(page, status="corroborated"))
    assert response.status_code == 302, form_errors(response)
    case.refresh_from_db()
    assert case.status == "corroborated"
    history = client.get(reverse("admin:catalogue_case_history", args=[case.pk]))
    assert "Corroborated" in history.content.decode() or "corroborated" in history.content.decode()


def test_an_investigator_is_offered_no_status_step(filer_client, filer, team):
    case = CaseFactory(team=team, created_by=filer)
    page = filer_client.get(reverse("admin:catalogue_case_change", args=[case.pk]))
    assert "status" not in page.context["adminform"].form.fields


def test_a_case_is_numbered_by_its_incidents_year(filer_client, team):
    page = filer_client.get(ADD_CASE)
    fields = {"title": "Shelling of a residential block", "summary": "", "date_precision": "day",
              "sensitivity": "open", "team": team.pk, "reference": ""}
    response = filer_client.post(ADD_CASE, payload(page, **fields, incident_start="2022-03-30"))
    assert response.status_code == 302, form_errors(response)
    assert Case.objects.get().reference == "UA-2022-0001"
    filer_client.post(ADD_CASE, payload(page, **{**fields, "title": "An undated strike", "date_precision": "unknown"}))
    assert Case.objects.get(title="An undated strike").reference == f"UA-{date.today().year}-0001"


def test_a_title_that_says_nothing_is_refused_with_a_reason(filer_client, team):
    page = filer_client.get(ADD_CASE)
    response = filer_client.post(ADD_CASE, payload(page, title="x", summary="", date_precision="day",
                                                    sensitivity="open", team=team.pk, reference=""))
    assert response.status_code == 200
    assert "says what happened" in " ".join(form_errors(response)["title"])
    assert not Case.objects.exists()


def test_created_by_is_a_name_not_a_link_to_a_forbidden_page_and_there_is_no_view_site(filer_client, filer, team):
    filer.first_name, filer.last_name = "Olena", "Koval"
    filer.save()
    case = file_case(filer, team, "Strike on a power plant")
    html = filer_client.get(reverse("admin:catalogue_case_change", args=[case.pk])).content.decode()
    assert "Olena Koval" in html
    assert reverse("admin:auth_user_change", args=[filer.pk]) not in html
    assert "View site" not in html
    item = evidence_register(actor=filer, case=case, kind="document", title="Memo", held_by="SBU")
    html = filer_client.get(reverse("admin:evidence_evidenceitem_change", args=[item.pk])).content.decode()
    assert "Olena Koval" in html and reverse("admin:auth_user_change", args=[filer.pk]) not in html


def test_the_source_statement_box_fits_the_page(filer_client, filer, team):
    case = file_case(filer, team, "Strike on a power plant")
    html = filer_client.get(reverse("admin:catalogue_case_change", args=[case.pk])).content.decode()
    assert 'name="case_sources-0-statement"' in html
    assert "catalogue/case_rows.css" in html  # sized to fit, not Django's 40 columns (tests/browser/test_act.py)


def test_digests_are_labelled_as_their_algorithms(filer_client, filer, team):
    case = file_case(filer, team, "Strike on a power plant")
    item = evidence_register(actor=filer, case=case, kind="document", title="Memo", held_by="SBU")
    html = filer_client.get(reverse("admin:evidence_evidenceitem_change", args=[item.pk])).content.decode()
    for label in ("SHA-256", "SHA-512", "SHA-1", "MD5", "Declared SHA-256"):
        assert f"{label}:" in html
    assert "Sha256" not in html and "Md5" not in html


# --- acting: filing tells the truth ---------------------------------------------------


def test_a_wrong_declared_digest_is_a_warning_not_a_success(client, committed_db, eager_celery, team):
    filer = staff("investigator", team)
    case = file_case(filer, team, "Strike on a power plant")
    login(client, filer)
    response = client.post(ADD_ITEM, item_form(case, file=SimpleUploadedFile("memo.pdf", CONTENT),
                                                declared_sha256="ab" * 32), follow=True)
    item = EvidenceItem.objects.get()
    assert item.state == "quarantined"
    said = messages_of(response)
    assert not any("successfully" in m for m in said), said
    assert any("quarantined" in m and item.exhibit in m for m in said), said
    levels = {m.level_tag for m in response.context["messages"]}
    assert "success" not in levels and "warning" in levels


def test_a_sealed_item_is_a_success(client, committed_db, eager_celery, team):
    filer = staff("investigator", team)
    case = file_case(filer, team, "Strike on a power plant")
    login(client, filer)
    response = client.post(ADD_ITEM, item_form(case, file=SimpleUploadedFile("memo.pdf", CONTENT)), follow=True)
    assert EvidenceItem.objects.get().state == "sealed"
    assert any("added successfully" in m for m in messages_of(response))


def test_a_failed_fetch_is_a_warning_not_a_success(client, committed_db, eager_celery, team, settings):
    settings.EVIDENCE_FETCH_ALLOW_NETWORKS = []  # loopback refused: the fetch fails at once, on this machine
    settings.EVIDENCE_FETCH_ALLOW_PRIVATE = False
    filer = staff("investigator", team)
    case = file_case(filer, team, "Strike on a power plant")
    login(client, filer)
    response = client.post(ADD_ITEM, item_form(case, source_url="http://127.0.0.1:9/video"), follow=True)
    item = EvidenceItem.objects.get()
    assert item.state == "failed"
    said = messages_of(response)
    assert not any("successfully" in m for m in said), said
    assert any("ingest failed" in m and "Retry failed items" in m for m in said), said


def test_the_same_file_twice_is_filed_with_a_warning_linking_the_first(client, committed_db, eager_celery, team):
    filer = staff("investigator", team)
    case = file_case(filer, team, "Strike on a power plant")
    login(client, filer)
    client.post(ADD_ITEM, item_form(case, file=SimpleUploadedFile("memo.pdf", CONTENT)))
    first = EvidenceItem.objects.get()
    response = client.post(ADD_ITEM, item_form(case, file=SimpleUploadedFile("copy.pdf", CONTENT)), follow=True)
    second = EvidenceItem.objects.exclude(pk=first.pk).get()
    assert second.state == "sealed"  # filed all the same
    warning = next(m for m in messages_of(response) if "same file" in m)
    assert reverse("admin:evidence_evidenceitem_change", args=[first.pk]) in warning
    assert first.exhibit in warning and second.exhibit in warning


def test_a_declared_digest_already_held_warns_at_filing(client, committed_db, team):
    filer = staff("investigator", team)
    login(client, filer)
    case = file_case(filer, team, "Strike on a power plant")
    digest = hashlib.sha256(CONTENT).hexdigest()
    first = evidence_register(actor=filer, case=case, kind="document", title="Memo", held_by="SBU",
                              declared_sha256=digest)
    other = TeamFactory()
    hidden_case = file_case(staff("investigator", other), other, "Elsewhere entirely", sensitivity="restricted")
    evidence_register(actor=hidden_case.created_by, case=hidden_case, kind="document", title="Hidden",
                      held_by="X", declared_sha256=digest)
    response = client.post(ADD_ITEM, item_form(case, held_by="Prosecutor", declared_sha256=digest), follow=True)
    warning = next(m for m in messages_of(response) if "same file" in m)
    assert first.exhibit in warning and hidden_case.reference not in warning  # a hidden holder is never named
    assert any("added successfully" in m for m in messages_of(response))


def test_a_file_and_a_url_together_are_refused_on_the_form_and_by_the_api(filer_client, filer, team):
    from tests.api.helpers import client_for

    case = file_case(filer, team, "Strike on a power plant")
    response = filer_client.post(ADD_ITEM, item_form(case, file=SimpleUploadedFile("memo.pdf", CONTENT),
                                                     source_url="https://example.org/memo.pdf"))
    assert response.status_code == 200
    assert "either a file or a source URL, not both" in " ".join(form_errors(response)["source_url"])
    api = client_for(filer).post("/api/v1/evidence/", {
        "case": case.reference, "kind": "document", "title": "Memo", "source_url": "https://example.org/memo.pdf",
        "file": SimpleUploadedFile("memo.pdf", CONTENT)}, format="multipart")
    assert api.status_code == 400
    assert "not both" in str(api.json()["errors"]["source_url"])
    assert not EvidenceItem.objects.exists()


# --- capture times in their time zone -----------------------------------------------------


def test_a_capture_time_is_read_in_its_zone_kept_and_shown_in_it(filer_client, filer, team):
    case = file_case(filer, team, "Strike on a power plant")
    page = filer_client.get(ADD_ITEM)
    assert page.context["adminform"].form.initial["captured_at_zone"] == "Europe/Kyiv"
    response = filer_client.post(ADD_ITEM, item_form(case, held_by="Resident", captured_at="2022-03-16T08:15",
                                                     captured_at_zone="Europe/Kyiv", captured_by="Resident"))
    assert response.status_code == 302, form_errors(response)
    item = EvidenceItem.objects.get()
    assert item.captured_at == datetime(2022, 3, 16, 6, 15, tzinfo=UTC)  # 08:15 in Kharkiv, winter time
    assert item.captured_at_zone == "Europe/Kyiv"
    capture = item.custody.get(action="capture")
    assert capture.details["time_zone"] == "Europe/Kyiv"
    assert capture.details["captured_at_local"] == "2022-03-16T08:15:00+02:00"
    change = filer_client.get(reverse("admin:evidence_evidenceitem_change", args=[item.pk]))
    form = change.context["adminform"].form
    assert (form.initial["captured_at"], form.initial["captured_at_zone"]) == (
        "2022-03-16T08:15:00+02:00", "Europe/Kyiv")


def test_a_summer_time_is_read_with_the_summer_offset(filer_client, filer, team):
    case = file_case(filer, team, "Strike on a power plant")
    filer_client.post(ADD_ITEM, item_form(case, held_by="Resident", captured_at="2022-07-16T08",
                                          captured_at_zone="Europe/Kyiv"))
    item = EvidenceItem.objects.get()
    assert (item.captured_at, item.captured_at_precision) == (datetime(2022, 7, 16, 5, tzinfo=UTC), "hour")


def test_an_offset_the_zone_did_not_have_is_refused(filer_client, filer, team):
    case = file_case(filer, team, "Strike on a power plant")
    response = filer_client.post(ADD_ITEM, item_form(case, held_by="Resident",
                                                     captured_at="2022-03-16T08:15+05:00",
                                                     captured_at_zone="Europe/Kyiv"))
    assert response.status_code == 200
    assert "remove the offset" in " ".join(form_errors(response)["captured_at_zone"])
    assert not EvidenceItem.objects.exists()


def test_the_zone_defaults_to_the_cases_place(filer_client, filer, team):
    warsaw = PlaceFactory(name="Warsaw", country="PL")
    case = file_case(filer, team, "Testimony taken in Warsaw", places=[warsaw])
    page = filer_client.get(reverse("admin:catalogue_case_change", args=[case.pk]))
    inline = next(f for f in page.context["inline_admin_formsets"] if f.formset.prefix == "new_evidence")
    assert inline.formset.forms[0].initial["captured_at_zone"] == "Europe/Warsaw"


def test_the_api_refuses_a_title_that_says_nothing_too(investigator):
    from tests.api.helpers import client_for

    response = client_for(investigator).post("/api/v1/cases/", {"title": "x"}, format="json")
    assert response.status_code == 400
    assert "says what happened" in str(response.json()["errors"]["title"])
    assert not Case.objects.exists()
