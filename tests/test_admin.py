"""Filing a case with its evidence through the real admin pages, and what the admin refuses."""

import hashlib
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalogue.models import AccessLog, Case, CaseSource, CrimeCategory, Place, VictimCount
from evidence.models import CustodyEvent, EvidenceItem
from tests.admin_pages import PASSWORD, form_errors, login, messages_of, payload, staff
from tests.auth_helpers import verify_second_factor
from tests.factories import ActorFactory, CaseFactory, PlaceFactory, SourceFactory

ADD_CASE = reverse("admin:catalogue_case_add")
CONTENT = b"frame" * 200


@pytest.fixture
def filer(team):
    return staff("investigator", team)


@pytest.fixture
def filer_client(client, filer):
    login(client, filer)
    return client


def staged_files(settings):
    root = settings.MEDIA_ROOT / "incoming"
    return os.listdir(root) if root.exists() else []


def nothing_saved(settings):
    return (Case.objects.count(), EvidenceItem.objects.count(), CustodyEvent.objects.count(),
            staged_files(settings)) == (0, 0, 0, [])


def case_fields(team, **overrides):
    return {"title": "Shelling of a residential block", "summary": "", "date_precision": "day",
            "sensitivity": "open", "team": team.pk, "reference": "", **overrides}


def evidence_row(**overrides):
    return {"kind": "video", "title": "Street footage", "description": "", "source_url": "", "held_by": "",
            "declared_sha256": "", "captured_at_0": "", "captured_at_1": "", "captured_by": "", **overrides}


def test_an_investigator_files_a_case_with_places_sources_and_an_upload(client, filer, team, settings,
                                                                        django_capture_on_commit_callbacks):
    response = client.post(reverse("admin:login"),
                           {"username": filer.username, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    verify_second_factor(client, filer)
    page = client.get(ADD_CASE)
    assert page.status_code == 200
    assert page.context["adminform"].form.initial["team"] == team.pk
    places = [PlaceFactory(name="Bucha"), PlaceFactory(name="Irpin")]
    categories = list(CrimeCategory.objects.filter(selectable=True).order_by("position")[:2])
    source, perpetrator = SourceFactory(), ActorFactory()
    data = payload(
        page,
        rows={
            "case_sources": [{"source": source.pk, "reliability": "B", "credibility": "2",
                              "statement": "Residents describe the strike.", "reported_on": "2022-04-02"}],
            "victim_counts": [{"category": "killed", "count": "3", "source": source.pk, "as_of": "", "note": ""}],
            "new_evidence": [evidence_row(
                file=SimpleUploadedFile("clip.mp4", CONTENT, content_type="video/mp4"),
                declared_sha256=hashlib.sha256(CONTENT).hexdigest().upper(),
                captured_at="2022-03-30T12:00:00+03:00", captured_by="Witness W-12",
            )],
        },
        **case_fields(team, incident_start="2022-03-30", incident_end="2022-03-31"),
        places=[p.pk for p in places], categories=[c.pk for c in categories], perpetrators=[perpetrator.pk],
    )
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(ADD_CASE, data)
    assert response.status_code == 302, form_errors(response)

    case = Case.objects.get()
    assert case.reference.startswith("UA-") and case.reference.endswith("-0001")
    assert (case.created_by, case.team, case.status) == (filer, team, "reported")
    assert set(case.places.all()) == set(places)
    assert set(case.categories.all()) == set(categories)
    assert list(case.perpetrators.all()) == [perpetrator]
    assert CaseSource.objects.get(case=case).grading == "B2"
    assert VictimCount.objects.get(case=case).count == 3
    item = EvidenceItem.objects.get()
    assert item.exhibit == f"{case.reference}/E001"
    assert (item.original_filename, item.declared_sha256) == ("clip.mp4", hashlib.sha256(CONTENT).hexdigest())
    actions = list(item.custody.order_by("seq").values_list("action", flat=True))
    assert actions == ["capture", "accession"]
    assert item.captured_at.isoformat() == "2022-03-30T09:00:00+00:00" and item.captured_at_precision == "exact"
    assert item.custody.get(action="accession").details["via"] == "admin"
    assert len(staged_files(settings)) == 1
    assert queued, "the pipeline is queued once the filing commits"
    assert case.history.exists()


@pytest.mark.parametrize(
    ("fields", "rows", "error_key", "text"),
    [
        ({"title": ""}, {}, "title", "required"),
        ({"incident_start": "2022-03-31", "incident_end": "2022-03-01"}, {}, "incident_end", "cannot end before"),
        ({"categories": ["999999"]}, {}, "categories", "valid choice"),
        ({"reference": "Bucha 7"}, {}, "reference", "UA-2022-0007"),
        ({}, {"new_evidence": [evidence_row()]}, "new_evidence-0-file", "Attach a file"),
        ({}, {"new_evidence": [evidence_row(held_by="SBU", declared_sha256="abc123")]},
         "new_evidence-0-declared_sha256", "64 hex"),
        ({}, {"new_evidence": [evidence_row(file=SimpleUploadedFile("big.bin", b"x" * 11))]},
         "new_evidence-0-file", "limit is 10 bytes"),
        ({}, {"case_sources": [{"source": "", "reliability": "Z", "credibility": "2"}]},
         "case_sources-0-reliability", "valid choice"),
    ],
)
def test_it_shows_the_error_on_the_field_and_saves_nothing(filer_client, team, settings, fields, rows, error_key, text):
    settings.EVIDENCE_MAX_UPLOAD_SIZE = 10
    page = filer_client.get(ADD_CASE)
    response = filer_client.post(ADD_CASE, payload(page, rows=rows, **case_fields(team, **fields)))
    assert response.status_code == 200
    errors = form_errors(response)
    assert text in " ".join(errors.get(error_key, [])), errors
    assert text in response.content.decode()
    assert nothing_saved(settings)


def test_a_refusal_after_an_upload_was_staged_removes_it_and_saves_nothing(filer_client, team, settings, monkeypatch):
    """If the service refuses a later row, the earlier row's staged upload goes with the rollback."""
    from django.core.exceptions import ValidationError

    import evidence.admin

    real_register = evidence.admin.evidence_register
    calls = []

    def register_then_refuse(**kwargs):
        calls.append(kwargs["title"])
        if len(calls) == 2:
            raise ValidationError({"title": "Refused by the service."})
        return real_register(**kwargs)

    monkeypatch.setattr(evidence.admin, "evidence_register", register_then_refuse)
    page = filer_client.get(ADD_CASE)
    rows = {"new_evidence": [evidence_row(title="First", file=SimpleUploadedFile("a.bin", b"first")),
                             evidence_row(title="Second", file=SimpleUploadedFile("b.bin", b"second"))]}
    response = filer_client.post(ADD_CASE, payload(page, rows=rows, **case_fields(team)))
    assert response.status_code == 200
    assert form_errors(response)["new_evidence-1-title"] == ["Refused by the service."]
    assert any("Nothing was saved" in m for m in messages_of(response))
    assert nothing_saved(settings)


def test_a_blank_reference_gets_the_next_one_and_a_given_one_is_kept(filer_client, team):
    CaseFactory(reference="UA-2030-0041")
    page = filer_client.get(ADD_CASE)
    response = filer_client.post(ADD_CASE, payload(page, **case_fields(team, reference="ua-2022-0007")))
    assert response.status_code == 302, form_errors(response)
    assert Case.objects.filter(reference="UA-2022-0007", title="Shelling of a residential block").exists()


def test_the_reference_cannot_be_changed_once_created(filer_client, team, filer):
    case = CaseFactory(team=team, created_by=filer, reference="UA-2022-0007")
    url = reverse("admin:catalogue_case_change", args=[case.pk])
    page = filer_client.get(url)
    assert "reference" not in page.context["adminform"].form.fields
    data = payload(page, **case_fields(team, title="Renamed", reference="UA-2022-9999"))
    response = filer_client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    case.refresh_from_db()
    assert (case.reference, case.title) == ("UA-2022-0007", "Renamed")


def test_an_outsider_neither_lists_nor_opens_a_restricted_case(client, team, filer):
    hidden = CaseFactory(team=team, created_by=filer, sensitivity="restricted")
    shown = CaseFactory(team=team, created_by=filer, sensitivity="open")
    from tests import factories

    outsider = staff("investigator", factories.TeamFactory())
    login(client, outsider)
    listing = client.get(reverse("admin:catalogue_case_changelist"))
    assert list(listing.context["cl"].result_list) == [shown]
    response = client.get(reverse("admin:catalogue_case_change", args=[hidden.pk]), follow=True)
    assert response.redirect_chain and response.redirect_chain[0][1] == 302
    assert any("doesn’t exist" in m or "doesn't exist" in m for m in messages_of(response))
    assert client.get(reverse("admin:catalogue_case_history", args=[hidden.pk])).status_code == 404
    assert not AccessLog.objects.filter(case=hidden).exists()


def test_opening_a_case_is_recorded_in_the_access_log(filer_client, team, filer):
    case = CaseFactory(team=team, created_by=filer)
    assert filer_client.get(reverse("admin:catalogue_case_change", args=[case.pk])).status_code == 200
    entry = AccessLog.objects.get(case=case)
    assert (entry.user, entry.via, entry.action, entry.remote_addr) == (filer, "admin", "read", "127.0.0.1")


def test_the_edit_history_is_visible_but_cannot_be_reverted(filer_client, team, filer):
    page = filer_client.get(ADD_CASE)
    filer_client.post(ADD_CASE, payload(page, **case_fields(team)))
    case = Case.objects.get()
    history = filer_client.get(reverse("admin:catalogue_case_history", args=[case.pk]))
    assert history.status_code == 200
    version = case.history.first().history_id
    revert_url = reverse("admin:catalogue_case_simple_history", args=[case.pk, version])
    assert filer_client.post(revert_url, {"title": "Rewritten"}).status_code == 403
    case.refresh_from_db()
    assert case.title == "Shelling of a residential block"


def test_legal_reads_cases_but_cannot_add_or_change_them(client, team, filer):
    case = CaseFactory(team=team, created_by=filer)
    login(client, staff("legal", team))
    assert client.get(ADD_CASE).status_code == 403
    assert client.get(reverse("admin:evidence_evidenceitem_add")).status_code == 403
    url = reverse("admin:catalogue_case_change", args=[case.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"title": "Changed"}).status_code == 403
    case.refresh_from_db()
    assert case.title != "Changed"


def test_a_reviewer_changes_the_status_and_nothing_else(client, team, filer):
    case = CaseFactory(team=team, created_by=filer, title="Original")
    reviewer = staff("reviewer", team)
    login(client, reviewer)
    url = reverse("admin:catalogue_case_change", args=[case.pk])
    page = client.get(url)
    assert set(page.context["adminform"].form.fields) == {"status"}
    response = client.post(url, payload(page, status="under_review", title="Rewritten"))
    assert response.status_code == 302, form_errors(response)
    case.refresh_from_db()
    assert (case.status, case.title) == ("under_review", "Original")
    assert case.history.first().history_user == reviewer


def test_an_illegal_status_transition_is_a_form_error(client, team, filer):
    case = CaseFactory(team=team, created_by=filer)
    login(client, staff("reviewer", team))
    url = reverse("admin:catalogue_case_change", args=[case.pk])
    page = client.get(url)
    offered = [value for value, _label in page.context["adminform"].form.fields["status"].choices]
    assert offered == ["reported", "under_review", "closed"]
    response = client.post(url, payload(page, status="referred"))
    assert response.status_code == 200
    assert "cannot go from “Reported” to that status: the steps open to you are Under review, Closed" in " ".join(
        form_errors(response)["status"])
    case.refresh_from_db()
    assert case.status == "reported"


def test_nobody_reviews_their_own_filing_not_even_a_superuser(client, team):
    from tests.factories import UserFactory

    boss = UserFactory(is_staff=True, is_superuser=True)
    case = CaseFactory(team=team, created_by=boss, title="Original")
    login(client, boss)
    url = reverse("admin:catalogue_case_change", args=[case.pk])
    page = client.get(url)
    assert "status" not in page.context["adminform"].form.fields  # shown, not offered: no step is open
    response = client.post(url, payload(page, **case_fields(team, title="Edited"), status="under_review"))
    assert response.status_code == 302, form_errors(response)
    case.refresh_from_db()
    assert (case.status, case.title) == ("reported", "Edited")


def test_a_place_takes_aliases_as_lines_or_json_and_is_found_by_them(client, db):
    from tests.factories import UserFactory

    login(client, UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:catalogue_place_add")
    base = {"name": "Kyiv", "admin_area": "", "country": "UA", "latitude": "50.45", "longitude": "30.52",
            "precision": "settlement"}
    assert client.post(url, {**base, "aliases": "Kiev, Київ\nКиев\nKiev"}).status_code == 302
    assert Place.objects.get(name="Kyiv").aliases == ["Kiev", "Київ", "Киев"]
    assert client.post(url, {**base, "name": "Kharkiv", "aliases": '["Kharkov", "Харків"]'}).status_code == 302
    assert Place.objects.get(name="Kharkiv").aliases == ["Kharkov", "Харків"]
    found = client.get(reverse("admin:catalogue_place_changelist"), {"q": "Київ"})
    assert [p.name for p in found.context["cl"].result_list] == ["Kyiv"]
    response = client.post(url, {**base, "name": "Bad JSON", "aliases": '["unterminated'})
    assert "not valid JSON" in " ".join(response.context["adminform"].form.errors["aliases"])


@pytest.mark.parametrize(("field", "value"), [("latitude", "91"), ("longitude", "-180.5")])
def test_it_refuses_coordinates_off_the_globe(client, db, field, value):
    from tests.factories import UserFactory

    login(client, UserFactory(is_staff=True, is_superuser=True))
    data = {"name": "Nowhere", "aliases": "", "admin_area": "", "country": "UA", "latitude": "50",
            "longitude": "30", "precision": "exact", field: value}
    response = client.post(reverse("admin:catalogue_place_add"), data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Place.objects.exists()


def test_the_rome_statute_taxonomy_is_read_only_even_for_superusers(client, db):
    from tests.factories import UserFactory

    login(client, UserFactory(is_staff=True, is_superuser=True))
    category = CrimeCategory.objects.first()
    assert client.get(reverse("admin:catalogue_crimecategory_add")).status_code == 403
    url = reverse("admin:catalogue_crimecategory_change", args=[category.pk])
    assert client.post(url, {"code": "X", "name": "Y", "group": "Z", "position": 1}).status_code == 403
    listing = client.get(reverse("admin:catalogue_crimecategory_changelist"), {"q": category.code})
    assert category in listing.context["cl"].result_list


def test_only_superusers_read_the_access_log(client, filer_client, team):
    assert filer_client.get(reverse("admin:catalogue_accesslog_changelist")).status_code == 403
