"""Resumable uploads through the API: the same protocol as the admin's drop zone, behind a token."""

from __future__ import annotations

import hashlib
import os

from evidence.models import CustodyEvent, EvidenceItem, ResumableUpload
from tests.factories import CaseFactory

PIECE = "application/offset+octet-stream"
DATA = os.urandom(1800)


SIZE = len(DATA)


def begin(client, reference, size=SIZE, **more):
    return client.post("/api/v1/uploads/", {"case": reference, "filename": "intercept.wav", "size": size, **more},
                       format="json")


def test_an_investigator_files_an_item_in_pieces(api, investigator, team, settings,
                                                 django_capture_on_commit_callbacks, eager_celery):
    settings.EVIDENCE_UPLOAD_CHUNK_SIZE = 1000
    case = CaseFactory(team=team, created_by=investigator)
    client = api(investigator)
    created = begin(client, case.reference)
    assert created.status_code == 201, created.content
    url = created["Location"]
    assert url.startswith("/api/v1/uploads/") and created.json()["kind"] == "audio"
    assert client.patch(url, DATA[:1000], content_type=PIECE, headers={"upload-offset": "0"}).status_code == 200
    assert client.head(url)["Upload-Offset"] == "1000"
    wrong = client.patch(url, DATA[:1000], content_type=PIECE, headers={"upload-offset": "0"})
    assert wrong.status_code == 409 and wrong["Upload-Offset"] == "1000"
    with django_capture_on_commit_callbacks(execute=True):
        done = client.patch(url, DATA[1000:], content_type=PIECE, headers={"upload-offset": "1000"})
    assert done.status_code == 200 and done.json()["state"] == "complete"
    status = client.get(url).json()
    item = EvidenceItem.objects.get()
    assert status["item"]["url"] == f"/api/v1/evidence/{item.pk}/"
    assert status["item"]["sha256"] == item.sha256 == hashlib.sha256(DATA).hexdigest()
    assert CustodyEvent.objects.get(item=item, action="accession").details["via"] == "api"


def test_the_api_refuses_what_the_protocol_refuses(api, investigator, legal, outsider, team, settings):
    settings.EVIDENCE_MAX_UPLOAD_SIZE = 1000
    case = CaseFactory(team=team, created_by=investigator, sensitivity="restricted")
    assert begin(api(investigator), case.reference, size=1001).status_code == 413
    assert begin(api(legal), case.reference, size=10).status_code == 403
    assert begin(api(outsider), case.reference, size=10).status_code == 404
    assert begin(api(investigator), "UA-1900-0001", size=10).status_code == 404
    assert begin(api(investigator), "W\x00", size=10).status_code == 404  # found by the fuzzer: a 500 on PostgreSQL
    assert begin(api(investigator), case.reference, size=10, filename="a\x00").status_code == 400
    url = begin(api(investigator), case.reference, size=10)["Location"]
    assert api(outsider).head(url).status_code == 404
    assert api(outsider).patch(url, b"0123456789", content_type=PIECE,
                               headers={"upload-offset": "0"}).status_code == 404
    assert api(investigator).get("/api/v1/uploads/not-a-uuid/").status_code == 404
    assert ResumableUpload.objects.get().offset == 0
    assert EvidenceItem.objects.count() == 0


def test_the_uploads_are_in_the_schema(api, legal):
    paths = api(legal).get("/api/schema/?format=json").json()["paths"]
    assert {"post"} <= set(paths["/api/v1/uploads/"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/uploads/{upload_id}/"])
