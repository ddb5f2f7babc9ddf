"""Filing evidence: what is accepted, what is refused, and that a refusal leaves nothing."""

import io
import os

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from evidence.models import CustodyEvent, EvidenceItem
from evidence.services import UploadTooLarge, evidence_register, evidence_withdraw
from tests.factories import CaseFactory


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator, reference="UA-2022-0007")


def staged_files(settings):
    root = settings.MEDIA_ROOT / "incoming"
    return os.listdir(root) if root.exists() else []


def test_it_numbers_exhibits_per_case(case, investigator):
    first = evidence_register(actor=investigator, case=case, kind="document", title="A", held_by="NGO")
    second = evidence_register(actor=investigator, case=case, kind="document", title="B", held_by="NGO")
    assert (first.exhibit, second.exhibit) == ("UA-2022-0007/E001", "UA-2022-0007/E002")


def test_it_records_capture_and_accession_in_the_custody_log(case, investigator):
    from datetime import UTC, datetime

    when = datetime(2022, 3, 30, 12, 0, tzinfo=UTC)
    item = evidence_register(
        actor=investigator, case=case, kind="video", title="Clip", file=SimpleUploadedFile("clip.mp4", b"x" * 100),
        captured_at=when, captured_by="Witness W-12",
    )
    events = list(item.custody.order_by("seq"))
    assert [e.action for e in events][:2] == ["capture", "accession"]
    assert events[0].occurred_at == when
    assert events[1].details["received_bytes"] == 100
    assert events[1].details["original_filename"] == "clip.mp4"


def test_a_reference_needs_no_file_and_is_marked_as_not_held(case, investigator):
    item = evidence_register(actor=investigator, case=case, kind="intercept", title="Tape", held_by="SBU")
    assert item.state == EvidenceItem.State.REFERENCE


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "file"),
        ({"held_by": "SBU", "declared_sha256": "abc"}, "declared_sha256"),
        ({"held_by": "SBU", "declared_sha256": "g" * 64}, "declared_sha256"),
        ({"file": SimpleUploadedFile("empty.bin", b"")}, "file"),
        ({"held_by": "SBU", "source_url": "not a url"}, "source_url"),
        ({"held_by": "SBU", "kind": "hologram"}, "kind"),
    ],
)
def test_it_refuses_bad_filings_and_leaves_nothing_behind(case, investigator, settings, kwargs, field):
    kwargs = {"kind": "document", **kwargs}
    with pytest.raises(ValidationError) as err:
        evidence_register(actor=investigator, case=case, title="Bad", **kwargs)
    assert field in err.value.message_dict
    assert EvidenceItem.objects.count() == 0
    assert CustodyEvent.objects.count() == 0
    assert staged_files(settings) == []


def test_it_refuses_an_upload_over_the_limit(case, investigator, settings):
    settings.EVIDENCE_MAX_UPLOAD_SIZE = 10
    with pytest.raises(UploadTooLarge) as err:
        evidence_register(actor=investigator, case=case, kind="document", title="Big",
                          file=SimpleUploadedFile("big.bin", b"x" * 11))
    assert "limit is 10 bytes" in str(err.value.message_dict["file"])
    assert EvidenceItem.objects.count() == 0
    assert staged_files(settings) == []


def test_it_accepts_an_upper_case_declared_hash_as_lower_case(case, investigator):
    item = evidence_register(actor=investigator, case=case, kind="document", title="A", held_by="NGO",
                             declared_sha256="AB" * 32)
    assert item.declared_sha256 == "ab" * 32


def test_a_failed_transaction_removes_the_staged_upload(case, investigator, settings, monkeypatch):
    import evidence.services as services

    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "custody_append_many", boom)  # the filing's one append
    with pytest.raises(RuntimeError):
        evidence_register(actor=investigator, case=case, kind="document", title="A",
                          file=io.BytesIO(b"payload"), original_filename="a.txt")
    assert EvidenceItem.objects.count() == 0
    assert staged_files(settings) == []


def test_only_investigators_who_see_the_case_can_file(case, legal, outsider, team, investigator):
    with pytest.raises(PermissionDenied):
        evidence_register(actor=legal, case=case, kind="document", title="A", held_by="NGO")
    hidden = CaseFactory(team=team, created_by=investigator, sensitivity="restricted")
    with pytest.raises(PermissionDenied):
        evidence_register(actor=outsider, case=hidden, kind="document", title="A", held_by="NGO")


def test_withdrawal_is_a_custody_entry_not_a_delete(case, investigator):
    item = evidence_register(actor=investigator, case=case, kind="document", title="A", held_by="NGO")
    evidence_withdraw(actor=investigator, item=item, reason="Filed on the wrong case")
    item.refresh_from_db()
    assert item.withdrawn
    last = item.custody.order_by("-seq").first()
    assert (last.action, last.details["reason"]) == ("deaccession", "Filed on the wrong case")
