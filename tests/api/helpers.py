"""Test helpers for the API: clients that authenticate as a user, and sealing items."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tokens import token_create
from evidence import pipeline
from evidence.custody import custody_append
from evidence.hashing import digest_stream
from evidence.models import EvidenceItem
from evidence.services import evidence_register
from evidence.storage import content_name


def client_for(user) -> APIClient:
    client = APIClient()
    _, key = token_create(user=user, name="test")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def seal(item: EvidenceItem, media_type: str = "application/octet-stream") -> EvidenceItem:
    """The item as the pipeline leaves it: sealed, its bytes in the content store.

    Runs the real pipeline first; only if that leaves the item unsealed (the
    pipeline was still a placeholder when these tests were written) does it
    do the minimum by hand: hash the staged upload, store it by digest, seal.
    """
    item.refresh_from_db()
    if item.state in (EvidenceItem.State.RECEIVED, EvidenceItem.State.PROCESSING):
        pipeline.ingest(str(item.pk))
        item.refresh_from_db()
    if item.state == EvidenceItem.State.SEALED:
        return item
    assert item.state == EvidenceItem.State.RECEIVED and item.staged_name, item.state
    with default_storage.open(item.staged_name, "rb") as staged:
        digests = digest_stream(staged)
    name = content_name(digests.sha256)
    if not default_storage.exists(name):
        with default_storage.open(item.staged_name, "rb") as staged:
            default_storage.save(name, staged)
    EvidenceItem.objects.filter(pk=item.pk).update(
        state=EvidenceItem.State.SEALED, sha256=digests.sha256, sha512=digests.sha512, sha1=digests.sha1,
        md5=digests.md5, size=digests.size, media_type=media_type, sealed_at=timezone.now(),
    )
    custody_append(item=item, action="message_digest_calculation", agent="agent:test-sealer/1",
                   details=digests.as_dict())
    item.refresh_from_db()
    return item


def file_item(user, case, content: bytes = b"evidence bytes", name: str = "clip.mp4", **kwargs) -> EvidenceItem:
    kwargs.setdefault("kind", "video")
    kwargs.setdefault("title", "Clip")
    return evidence_register(actor=user, case=case, file=SimpleUploadedFile(name, content), **kwargs)


def sealed_item(user, case, content: bytes = b"evidence bytes", **kwargs) -> EvidenceItem:
    return seal(file_item(user, case, content, **kwargs))
