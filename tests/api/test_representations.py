"""The list and detail bodies are built by hand for speed (bench/bench_api.py);
these tests hold each equal, field for field, to what DRF's generic path makes
of the same declared serializer fields, so the two cannot drift apart."""

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from catalogue import services
from catalogue.api.serializers import CaseListSerializer, CaseSerializer
from catalogue.api.views import evidence_summary, linked_items
from catalogue.models import Case
from evidence.api.serializers import EvidenceItemDetailSerializer, EvidenceItemSerializer
from evidence.case_links import item_link_case
from evidence.models import EvidenceItem
from evidence.services import evidence_register
from evidence.verification_records import analysis_record
from tests import factories
from tests.api.helpers import sealed_item


def generic(serializer_class, instance, user=None, **extra_context):
    """DRF's own field-by-field representation, rendered as the API renders it."""
    request = APIRequestFactory().get("/api/v1/")
    if user is not None:
        request.user = user  # the detail's links, derivatives and cases depend on who asks
    serializer = serializer_class(context={"request": request, **extra_context})
    return json.loads(JSONRenderer().render(serializers.ModelSerializer.to_representation(serializer, instance)))


@pytest.fixture
def rich_case(team, investigator):
    east = factories.PlaceFactory(name="Zaporizhzhia", aliases=["Запоріжжя"], country="UA", latitude="47.838800")
    west = factories.PlaceFactory(name="Ardahan", country="TR", latitude=None, longitude=None, admin_area="East")
    case = services.case_create(
        actor=investigator, team=team, reference="UA-2023-0042", title="Strike on a grain store",
        summary="Two warehouses burned.", incident_start=date(2023, 7, 1), incident_end=date(2023, 7, 3),
        places=[east, west], categories=["8(2)(b)(ii)", "7(1)(a)", "8(2)(b)(i)"],
        perpetrators=[factories.ActorFactory(name="Unit B"), factories.ActorFactory(name="Unit A")],
    )
    ngo, press = factories.SourceFactory(name="Field NGO"), factories.SourceFactory(name="Press")
    services.case_add_source(case=case, source=press, reliability="C", credibility="3",
                             statement="Saw smoke", reported_on=date(2023, 7, 4))
    services.case_add_source(case=case, source=ngo, reliability="A", credibility="1")
    services.case_add_victim_count(case=case, category="killed", count=2, source=ngo, as_of=date(2023, 7, 5))
    services.case_add_victim_count(case=case, category="injured", count=7, source=press, note="hospital figure")
    item = evidence_register(actor=investigator, case=case, kind="document", title="Report", held_by="NGO")
    # Times with and without microseconds, and one given in another zone.
    EvidenceItem.objects.filter(pk=item.pk).update(
        captured_at=datetime(2023, 7, 1, 9, 30, tzinfo=timezone(timedelta(hours=3))), captured_at_precision="exact",
    )
    return case


def test_a_case_list_row_equals_the_generic_representation(rich_case, legal, api):
    row = api(legal).get("/api/v1/cases/").json()["results"][0]
    case = Case.objects.select_related("team").get(pk=rich_case.pk)
    case.evidence_count = 1
    expected = generic(CaseListSerializer, case)
    assert row == expected
    assert list(row) == list(expected)  # the same order of keys too
    assert [p["name"] for p in row["places"]] == ["Ardahan", "Zaporizhzhia"]
    assert row["categories"] == ["7(1)(a)", "8(2)(b)(i)", "8(2)(b)(ii)"]


def test_a_case_detail_equals_the_generic_representation(rich_case, legal, api):
    body = api(legal).get(f"/api/v1/cases/{rich_case.reference}/").json()
    case = Case.objects.select_related("team").get(pk=rich_case.pk)
    case.evidence_summary = {**evidence_summary(case), "linked": linked_items(case, legal)}
    expected = generic(CaseSerializer, case)
    assert body == expected
    assert list(body) == list(expected)
    assert body["places"][1]["latitude"] == "47.838800" and body["places"][0]["longitude"] is None
    assert [s["grading"] for s in body["sources"]] == ["C3", "A1"]
    assert body["victim_counts"][0]["as_of"] == "2023-07-05"


def test_an_evidence_row_equals_the_generic_representation(rich_case, investigator, legal, api):
    sealed_item(investigator, rich_case, b"bytes of a photograph", title="Photo")
    rows = api(legal).get(f"/api/v1/evidence/?case={rich_case.reference}").json()["results"]
    assert len(rows) == 2
    for row in rows:
        item = EvidenceItem.objects.select_related("case").get(pk=row["id"])
        assert row == generic(EvidenceItemSerializer, item)
    captured = next(r["captured_at"] for r in rows if r["title"] == "Report")
    assert captured == "2023-07-01T06:30:00Z"  # told in UTC, as every time the API gives


def test_an_evidence_detail_equals_the_generic_representation(rich_case, investigator, legal, team, api):
    photo = sealed_item(investigator, rich_case, b"bytes of a photograph", title="Photo")
    EvidenceItem.objects.filter(pk=photo.pk).update(metadata={"exif": {"Model": "X100"}}, risk_note="faces")
    other = services.case_create(actor=investigator, team=team, reference="UA-2023-0043", title="Second strike")
    item_link_case(actor=investigator, item=photo, case=other, reason="the same warehouse")
    analysis_record(actor=investigator, item=photo, kind="geolocation", method="shadows", result="the depot",
                    confidence="high")
    report = EvidenceItem.objects.get(case=rich_case, title="Report")  # unsealed: no size, no digests
    client = api(legal)
    for item in (photo, report):
        body = client.get(f"/api/v1/evidence/{item.pk}/").json()
        expected = generic(EvidenceItemDetailSerializer, EvidenceItem.objects.select_related("case").get(pk=item.pk),
                           user=legal)
        assert body == expected
        assert list(body) == list(expected)
    assert body["size"] is None and body["captured_at"] == "2023-07-01T06:30:00Z"
    photo_body = client.get(f"/api/v1/evidence/{photo.pk}/").json()
    assert photo_body["cases"] == [rich_case.reference, other.reference]
    assert photo_body["verification"]["analyses"][0]["result"] == "the depot"


def test_the_hash_lookup_lists_items_as_the_evidence_list_does(rich_case, investigator, legal, api):
    item = sealed_item(investigator, rich_case, b"the same bytes", title="Copy")
    client = api(legal)
    found = client.get(f"/api/v1/hashes/{item.sha256}/").json()["items"]
    listed = client.get(f"/api/v1/evidence/?sha256={item.sha256}").json()["results"]
    assert found == listed and len(found) == 1 and found[0]["case"] == rich_case.reference
