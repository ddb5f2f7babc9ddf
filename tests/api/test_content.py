"""Downloading an item's bytes: streamed, digest-headed, ranged, and a custody event each time."""

import base64
import hashlib
import os
import tracemalloc

import pytest

from evidence.custody import verify_chain
from evidence.models import EvidenceItem
from evidence.services import evidence_register
from tests.api.helpers import file_item, sealed_item
from tests.factories import CaseFactory

CONTENT = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator)


@pytest.fixture
def item(case, investigator):
    return sealed_item(investigator, case, CONTENT, name="clip.mp4")


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_it_streams_the_bytes_with_a_repr_digest_that_matches_them(item, legal, api):
    response = api(legal).get(f"/api/v1/evidence/{item.pk}/content/", HTTP_USER_AGENT="court-tool/2")
    assert response.status_code == 200 and response.streaming
    data = body(response)
    assert data == CONTENT
    algorithm, value = response["Repr-Digest"].split("=", 1)
    assert algorithm == "sha-256" and value.startswith(":") and value.endswith(":")
    assert base64.b64decode(value[1:-1]) == hashlib.sha256(data).digest()
    assert response["Content-Length"] == str(len(CONTENT))
    assert response["Content-Type"] == item.media_type
    assert response["Accept-Ranges"] == "bytes"
    assert "attachment" in response["Content-Disposition"] and item.exhibit.replace("/", "_") in response["Content-Disposition"]


def test_each_download_is_a_dissemination_entry_written_before_the_first_byte(item, legal, api):
    response = api(legal).get(f"/api/v1/evidence/{item.pk}/content/", HTTP_USER_AGENT="court-tool/2",
                              REMOTE_ADDR="198.51.100.7")
    # Not one byte consumed yet: the entry is already there.
    event = item.custody.order_by("-seq").first()
    assert event.action == "dissemination" and event.outcome == "success"
    assert event.actor == f"user:{legal.username}" and event.actor_user == legal
    assert event.details["remote_addr"] == "198.51.100.7" and event.details["user_agent"] == "court-tool/2"
    assert event.details["range"] is None and event.details["bytes"] == len(CONTENT)
    body(response)
    assert verify_chain(item).ok


def test_a_range_request_gets_206_with_the_slice_and_the_whole_files_digest(item, legal, api):
    response = api(legal).get(f"/api/v1/evidence/{item.pk}/content/", HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert body(response) == CONTENT[100:200]
    assert response["Content-Range"] == f"bytes 100-199/{len(CONTENT)}" and response["Content-Length"] == "100"
    assert base64.b64decode(response["Repr-Digest"][9:-1]) == hashlib.sha256(CONTENT).digest()
    event = item.custody.order_by("-seq").first()
    assert (event.details["range"], event.details["first_byte"], event.details["last_byte"]) == ("bytes=100-199", 100, 199)


@pytest.mark.parametrize(
    ("header", "expected"),
    [("bytes=10240-", None), ("bytes=-10", CONTENT[-10:]), ("bytes=10000-", CONTENT[10000:]),
     ("bytes=10200-99999", CONTENT[10200:]), ("bytes=0-0", CONTENT[:1])],
)
def test_open_and_suffix_ranges(item, legal, api, header, expected):
    response = api(legal).get(f"/api/v1/evidence/{item.pk}/content/", HTTP_RANGE=header)
    if expected is None:
        assert response.status_code == 416
    else:
        assert response.status_code == 206 and body(response) == expected


def test_a_range_beyond_the_file_is_a_416_and_no_custody_entry(item, legal, api):
    before = item.custody.count()
    response = api(legal).get(f"/api/v1/evidence/{item.pk}/content/", HTTP_RANGE="bytes=20000-20100")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(CONTENT)}"
    assert response.json()["code"] == "range_not_satisfiable"
    assert item.custody.count() == before


@pytest.mark.parametrize("header", ["bytes=0-10,20-30", "lines=1-2", "bytes=9-1", "nonsense"])
def test_a_range_header_it_does_not_take_is_ignored_and_the_whole_file_sent(item, legal, api, header):
    response = api(legal).get(f"/api/v1/evidence/{item.pk}/content/", HTTP_RANGE=header)
    assert response.status_code == 200 and body(response) == CONTENT


def test_an_item_that_is_not_sealed_has_no_content_to_download(case, investigator, legal, api):
    reference = evidence_register(actor=investigator, case=case, kind="intercept", title="Tape", held_by="SBU")
    response = api(legal).get(f"/api/v1/evidence/{reference.pk}/content/")
    assert response.status_code == 409
    assert response.json()["state"] == "reference" and "reference" in response.json()["detail"]
    received = file_item(investigator, case, b"waiting")
    EvidenceItem.objects.filter(pk=received.pk).update(state="received")
    response = api(legal).get(f"/api/v1/evidence/{received.pk}/content/")
    assert response.status_code == 409 and response.json()["state"] == "received"
    assert not received.custody.filter(action="dissemination").exists()


def test_head_gives_the_headers_and_records_nothing(item, legal, api):
    before = item.custody.count()
    response = api(legal).head(f"/api/v1/evidence/{item.pk}/content/")
    assert response.status_code == 200 and response["Content-Length"] == str(len(CONTENT))
    assert item.custody.count() == before


def test_a_large_file_streams_in_bounded_memory(case, investigator, legal, api):
    big = os.urandom(1 << 20) * 24  # 24 MiB
    item = sealed_item(investigator, case, big, name="big.bin")
    response = api(legal).get(f"/api/v1/evidence/{item.pk}/content/")
    digest, size = hashlib.sha256(), 0
    tracemalloc.start()
    try:
        for chunk in response.streaming_content:
            digest.update(chunk)
            size += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size == len(big) and digest.digest() == hashlib.sha256(big).digest()
    assert peak < 4 << 20  # a few 1 MiB chunks, never the 24 MiB file
