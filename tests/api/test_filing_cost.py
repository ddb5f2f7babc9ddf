"""What one filing through the API costs, and what its shortcuts must keep equal."""

import hashlib
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evidence.custody import verify_chain
from evidence.models import CustodyEvent, EvidenceItem
from evidence.services import evidence_register
from tests import factories
from tests.factories import CaseFactory, PlaceFactory

# Statements of one POST (SAVEPOINT and RELEASE included), with the pipeline queued for a
# worker and custody appends queued for the sequencer, as production runs: the token and its
# user, the case, the case's lock with the visibility check, its last exhibit number, the item,
# the custody append (three), and no read-back. The parent commit took 16 (bench/bench_filing.py).
FILING_API_MAX = 10


@pytest.fixture
def queued_pipeline(eager_celery):
    """Tasks go to a broker (not run in-process), as with REDIS_URL; nothing is sent in a test,
    whose transaction never commits."""
    eager_celery.conf.CELERY_TASK_ALWAYS_EAGER = False
    yield


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator, reference="UA-2022-0042")


def post_file(client, case, content: bytes, **fields):
    return client.post("/api/v1/evidence/", {"case": case.reference, "kind": "video", "title": "Footage",
                                             "file": SimpleUploadedFile("f.mp4", content), **fields},
                       format="multipart")


def test_filing_through_the_api_takes_a_bounded_number_of_statements(case, investigator, api, sequenced,
                                                                     queued_pipeline):
    client = api(investigator)
    assert post_file(client, case, b"first: roles read, the case numbered").status_code == 201
    with CaptureQueriesContext(connection) as filing:
        response = post_file(client, case, b"counted " * 1000)
    assert response.status_code == 201, response.content
    assert len(filing.captured_queries) <= FILING_API_MAX, [q["sql"][:120] for q in filing.captured_queries]
    assert response.json()["exhibit"] == "UA-2022-0042/E002"


@pytest.mark.parametrize("facts", [
    {},
    {"captured_at": "2022-03-16T14+02:00", "captured_by": "Witness W-3", "description": "From the roof",
     "declared_sha256": hashlib.sha256(b"the same bytes").hexdigest(), "graphic_content": "true",
     "risk_to_person": "true", "risk_note": "Faces visible", "published_at": "2022-03",
     "acquired_at": "2022-03-17T09:00:00Z"},
])
def test_the_answer_to_a_filing_equals_the_item_read_back(case, investigator, api, queued_pipeline, facts):
    """The 201 is built from the item as written, without reading it back: it must say what a GET says."""
    client = api(investigator)
    if facts:
        facts["capture_place"] = PlaceFactory().pk
        case.places.add(facts["capture_place"])
    response = post_file(client, case, b"the same bytes", **facts)
    assert response.status_code == 201, response.content
    read_back = client.get(f"/api/v1/evidence/{response.json()['id']}/")
    assert response.json() == read_back.json()
    assert response.json()["verification"] == {"status": "unverified", "analyses": [], "signoffs": []}


def test_a_capture_place_only_hidden_cases_use_is_refused(case, investigator, api, other_team, queued_pipeline):
    hidden_case = CaseFactory(team=other_team, sensitivity="confidential")
    hidden_place = PlaceFactory()
    hidden_case.places.add(hidden_place)
    response = post_file(api(investigator), case, b"placed", capture_place=hidden_place.pk)
    assert response.status_code == 400 and "capture_place" in response.json()["errors"]
    assert not EvidenceItem.objects.exists()


def test_filing_on_a_case_the_actor_cannot_see_is_refused_and_leaves_nothing(team, investigator, outsider,
                                                                             settings, tmp_path):
    hidden = CaseFactory(team=team, created_by=investigator, sensitivity="restricted")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        evidence_register(actor=outsider, case=hidden, kind="video", title="x",
                          file=SimpleUploadedFile("x.bin", b"staged, then discarded"))
    assert not EvidenceItem.objects.exists() and not CustodyEvent.objects.exists()
    incoming = tmp_path / "media" / "incoming"
    assert not incoming.exists() or not any(incoming.iterdir())


def test_concurrent_filings_into_one_case_take_consecutive_numbers(committed_db, team, queued_pipeline):
    """Four filers at once into one case: no number twice (it was a 500 on PostgreSQL), none skipped."""
    user = factories.user_with_role("investigator", team=team)
    case = CaseFactory(team=team, created_by=user)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def filer(n: int) -> None:
        start.wait()
        try:
            for i in range(5):
                evidence_register(actor=user, case=case, kind="document", title=f"{n}-{i}",
                                  file=SimpleUploadedFile(f"{n}-{i}.txt", f"filer {n} item {i}".encode()))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=filer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    items = EvidenceItem.objects.filter(case=case)
    assert sorted(items.values_list("number", flat=True)) == list(range(1, 21))
    for item in items:
        assert verify_chain(item).ok
        assert list(item.custody.values_list("action", flat=True)) == ["accession"]


def test_fields_built_once_are_copies_equal_to_freshly_built_ones(db):  # a field's repr shows its queryset
    from evidence.api.serializers import (
        BuiltOnceFieldsMixin,
        EvidenceItemDetailSerializer,
        EvidenceItemSerializer,
        EvidenceRegisterSerializer,
    )

    BuiltOnceFieldsMixin._built.clear()
    for serializer_class in (EvidenceItemDetailSerializer, EvidenceItemSerializer, EvidenceRegisterSerializer):
        fresh, copied = serializer_class(), serializer_class()
        built_now = super(BuiltOnceFieldsMixin, fresh).get_fields()  # as DRF builds them, uncached
        assert repr(built_now) == repr(fresh.get_fields()) == repr(copied.get_fields())
        assert repr(fresh) == repr(copied)
        assert list(fresh.fields) == list(built_now) and len(fresh.fields) > 15
        # Each instance binds fields of its own: nothing bound to one serializer leaks into another.
        assert all(fresh.fields[name] is not copied.fields[name] for name in fresh.fields)
        assert all(copied.fields[name].parent is copied for name in copied.fields)


def test_two_filing_forms_validated_one_after_the_other_share_no_state(case, investigator):
    """The filing form's fields are shallow copies of one set (BuiltOnceFieldsMixin): what one
    form validated, and its errors, never show in another."""
    from evidence.api.serializers import EvidenceRegisterSerializer

    good = EvidenceRegisterSerializer(data={"case": case.reference, "kind": "video", "title": "Footage",
                                            "captured_at": "2022-03", "source_url": "https://example.org/v"})
    bad = EvidenceRegisterSerializer(data={"case": case.reference, "kind": "hologram", "title": "",
                                           "captured_at": "not a time"})
    assert good.is_valid(), good.errors
    assert not bad.is_valid()
    assert set(bad.errors) == {"kind", "title", "captured_at"}
    again = EvidenceRegisterSerializer(data={"case": case.reference, "kind": "audio", "title": "Call"})
    assert again.is_valid(), again.errors
    assert again.validated_data["kind"] == "audio" and again.validated_data["captured_at"] is None
    assert good.validated_data["kind"] == "video" and good.validated_data["captured_at_precision"] == "month"
    for form in (good, bad, again):
        assert all(field.parent is form for field in form.fields.values())


def test_fields_that_hold_fields_are_copied_whole():
    """A many=True relation binds its child to itself, as a list binds its child: sharing that child
    between instances would leave it bound to the first (and reading the first's context)."""
    from rest_framework import serializers

    from catalogue.models import Case
    from evidence.api.serializers import _holds_fields

    many = serializers.PrimaryKeyRelatedField(many=True, queryset=Case.objects.none())
    assert isinstance(many, serializers.ManyRelatedField) and _holds_fields(many)
    assert _holds_fields(serializers.ListField(child=serializers.IntegerField()))
    assert not _holds_fields(serializers.CharField()) and not _holds_fields(serializers.IntegerField())
