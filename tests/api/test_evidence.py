"""Evidence through the API: list and its filters, detail, and filing (POST)."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from evidence.models import CustodyEvent, EvidenceItem
from evidence.services import evidence_register
from tests.api.helpers import sealed_item
from tests.factories import CaseFactory


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator, reference="UA-2022-0007")


@pytest.fixture
def items(case, investigator, team):
    other_case = CaseFactory(team=team, created_by=investigator, reference="UA-2022-0008")
    video = sealed_item(investigator, case, b"video bytes", kind="video", title="Drone footage of the theatre")
    document = sealed_item(investigator, case, b"%PDF-1.4 a report", kind="document", title="Hospital report",
                           name="report.pdf")
    reference = evidence_register(actor=investigator, case=other_case, kind="intercept", title="Intercepted call",
                                  held_by="SBU", description="Soldiers talk about the convoy")
    EvidenceItem.objects.filter(pk=video.pk).update(media_type="video/mp4")
    EvidenceItem.objects.filter(pk=document.pk).update(media_type="application/pdf")
    return {"video": video, "document": document, "reference": reference}


def ids(response):
    assert response.status_code == 200, response.content
    return sorted(i["exhibit"] for i in response.json()["results"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["UA-2022-0007/E001", "UA-2022-0007/E002", "UA-2022-0008/E001"]),
        ("case=UA-2022-0008", ["UA-2022-0008/E001"]),
        ("kind=document", ["UA-2022-0007/E002"]),
        ("kind=document&kind=video", ["UA-2022-0007/E001", "UA-2022-0007/E002"]),
        ("state=reference", ["UA-2022-0008/E001"]),
        ("state=sealed", ["UA-2022-0007/E001", "UA-2022-0007/E002"]),
        (f"sha256={hashlib.sha256(b'video bytes').hexdigest()}", ["UA-2022-0007/E001"]),
        (f"sha256={hashlib.sha256(b'video bytes').hexdigest().upper()}", ["UA-2022-0007/E001"]),
        ("media_type=application/pdf", ["UA-2022-0007/E002"]),
        ("media_type=video/", ["UA-2022-0007/E001"]),
        ("q=theatre", ["UA-2022-0007/E001"]),
        ("q=convoy", ["UA-2022-0008/E001"]),
    ],
)
def test_each_evidence_filter_narrows_the_list(items, legal, api, query, expected):
    assert ids(api(legal).get(f"/api/v1/evidence/?{query}")) == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [("sha256=abc", "sha256"), ("sha256=" + "g" * 64, "sha256"), ("kind=hologram", "kind"),
     ("state=lost", "state"), ("colour=red", "colour"), ("ordering=title", "ordering")],
)
def test_it_refuses_malformed_evidence_filters(items, legal, api, query, field):
    response = api(legal).get(f"/api/v1/evidence/?{query}")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_the_detail_shows_digests_size_type_metadata_state_and_links(items, legal, api):
    item = items["video"]
    body = api(legal).get(f"/api/v1/evidence/{item.pk}/").json()
    content = b"video bytes"
    assert body["id"] == str(item.pk) and body["exhibit"] == "UA-2022-0007/E001" and body["case"] == "UA-2022-0007"
    assert body["state"] == "sealed" and body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["sha512"] == hashlib.sha512(content).hexdigest()
    assert body["sha1"] == hashlib.sha1(content).hexdigest() and body["md5"] == hashlib.md5(content).hexdigest()
    assert body["media_type"] == "video/mp4" and isinstance(body["metadata"], dict)
    assert body["links"]["content"].endswith(f"/api/v1/evidence/{item.pk}/content/")
    assert body["links"]["custody"].endswith(f"/api/v1/evidence/{item.pk}/custody/")


def test_an_unknown_or_malformed_item_id_is_a_404(legal, api):
    client = api(legal)
    assert client.get("/api/v1/evidence/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/api/v1/evidence/not-a-uuid/").status_code == 404


def test_it_files_an_upload_and_answers_201_with_the_item(case, investigator, api):
    content = b"fresh footage"
    response = api(investigator).post("/api/v1/evidence/", {
        "case": case.reference, "kind": "video", "title": "Footage", "captured_by": "Witness W-3",
        "captured_at": "2022-03-16T10:00:00Z", "declared_sha256": hashlib.sha256(content).hexdigest(),
        "file": SimpleUploadedFile("footage.mp4", content),
    }, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    item = EvidenceItem.objects.get(pk=body["id"])
    assert body["exhibit"] == "UA-2022-0007/E001" and item.created_by == investigator
    assert item.original_filename == "footage.mp4" and item.declared_sha256 == hashlib.sha256(content).hexdigest()
    assert body["state"] in ("received", "processing", "sealed")
    actions = list(item.custody.order_by("seq").values_list("action", flat=True))
    assert actions[:2] == ["capture", "accession"]
    assert item.custody.get(action="accession").details["via"] == "api"


def test_it_files_a_url_or_a_reference_from_json(case, investigator, api):
    client = api(investigator)
    url_item = client.post("/api/v1/evidence/", {"case": case.reference, "kind": "webpage", "title": "Post",
                                                  "source_url": "https://example.org/post/1"}, format="json")
    assert url_item.status_code == 201, url_item.content
    assert url_item.json()["source_url"] == "https://example.org/post/1"
    ref = client.post("/api/v1/evidence/", {"case": case.reference, "kind": "intercept", "title": "Call",
                                             "held_by": "SBU"}, format="json")
    assert ref.status_code == 201 and ref.json()["state"] == "reference"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "video", "title": "Nothing attached"}, "file"),
        ({"kind": "hologram", "title": "x", "held_by": "SBU"}, "kind"),
        ({"kind": "video", "title": "x", "held_by": "SBU", "declared_sha256": "abc"}, "declared_sha256"),
        ({"kind": "video", "title": "x", "source_url": "not a url"}, "source_url"),
        ({"kind": "video", "title": "x", "held_by": "SBU", "captured_at": "last week"}, "captured_at"),
        ({"kind": "video", "title": "x", "held_by": "SBU", "exhibit": "UA-2022-0007/E999"}, "exhibit"),
        ({"kind": "video", "title": "x", "held_by": "SBU", "state": "sealed"}, "state"),
    ],
)
def test_a_bad_filing_is_a_400_and_leaves_nothing(case, investigator, api, body, field):
    response = api(investigator).post("/api/v1/evidence/", {"case": case.reference, **body}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not EvidenceItem.objects.exists() and not CustodyEvent.objects.exists()


def test_an_empty_upload_is_a_400(case, investigator, api):
    response = api(investigator).post("/api/v1/evidence/", {"case": case.reference, "kind": "video", "title": "x",
                                                            "file": SimpleUploadedFile("e.bin", b"")}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]


def test_an_upload_over_the_limit_is_a_413(case, investigator, api, settings):
    settings.EVIDENCE_MAX_UPLOAD_SIZE = 10
    response = api(investigator).post("/api/v1/evidence/", {"case": case.reference, "kind": "video", "title": "x",
                                                            "file": SimpleUploadedFile("b.bin", b"x" * 11)}, format="multipart")
    assert response.status_code == 413 and "limit is 10 bytes" in response.json()["detail"]
    assert not EvidenceItem.objects.exists()


def test_a_request_body_far_over_the_limit_is_refused_before_it_is_read(case, investigator, api, settings):
    settings.EVIDENCE_MAX_UPLOAD_SIZE = 10
    response = api(investigator).post("/api/v1/evidence/", {"case": case.reference, "kind": "video", "title": "x",
                                                            "file": SimpleUploadedFile("b.bin", b"x" * (2 << 20))},
                                      format="multipart")
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_legal_users_cannot_file_evidence(case, legal, api):
    response = api(legal).post("/api/v1/evidence/", {"case": case.reference, "kind": "intercept", "title": "x",
                                                     "held_by": "SBU"}, format="json")
    assert response.status_code == 403 and "investigators" in response.json()["detail"]
    assert not EvidenceItem.objects.exists()


def test_filing_on_a_case_you_cannot_see_is_a_404_and_changes_nothing(world, outsider, api):
    hidden = world["own", "restricted"]
    response = api(outsider).post("/api/v1/evidence/", {"case": hidden.reference, "kind": "intercept", "title": "x",
                                                        "held_by": "SBU"}, format="json")
    assert response.status_code == 404 and hidden.reference not in response.content.decode()
    assert not EvidenceItem.objects.exists()


def test_an_unsupported_body_type_is_a_415(case, investigator, api):
    response = api(investigator).post("/api/v1/evidence/", b"<item/>", content_type="application/xml")
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"


def test_malformed_json_is_a_400(case, investigator, api):
    response = api(investigator).post("/api/v1/evidence/", b"{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"]
