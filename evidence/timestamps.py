"""RFC 3161 time-stamps for signed tree heads, from the TSA at settings.LEDGER_TSA_URL.

A head's signature says when *we* claim it was signed; a TSA's token says
when a third party saw it. The token covers the head's signed bytes (RFC 9162
TreeHeadDataV2, signing.head_message), hashed with SHA-256 in the request.
Requests are built and responses parsed with rfc3161-client; tokens are
checked with `openssl ts -verify` against LEDGER_TSA_CA_FILE, the very command
a court package's verify.py runs, so the server and a recipient agree.

A TSA that is down or answers badly never stops signing: the head is kept
without a token, a warning is logged, and ``stamp_pending_heads`` (beat)
stamps it later. Unstamped heads show in verify_integrity and in the API.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rfc3161_client import HashAlgorithm, PKIStatus, TimestampRequestBuilder, decode_timestamp_response

from evidence import signing, witness
from evidence.models import HeadTimestamp, TreeHead

logger = logging.getLogger(__name__)

_PENDING_BATCH = 100


class TimestampError(Exception):
    """The TSA could not be reached, or its answer is not a token for what we asked."""


def tsa_url() -> str:
    return settings.LEDGER_TSA_URL or ""


def request_token(message: bytes, url: str | None = None) -> bytes:
    """Ask the TSA to stamp ``message``; returns its DER TimeStampResp, checked to be for this request."""
    url = url or tsa_url()
    request = (TimestampRequestBuilder().data(message).hash_algorithm(HashAlgorithm.SHA256)
               .nonce(nonce=True).cert_request(cert_request=True).build())
    try:
        answer = requests.post(url, data=request.as_bytes(), timeout=settings.LEDGER_TSA_TIMEOUT,
                               headers={"Content-Type": "application/timestamp-query"})
        answer.raise_for_status()
    except requests.RequestException as exc:
        raise TimestampError(f"the TSA at {url} did not answer: {exc}") from exc
    try:
        response = decode_timestamp_response(answer.content)
    except ValueError as exc:
        raise TimestampError(f"the TSA at {url} answered with something that is not a time-stamp response") from exc
    if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampError(f"the TSA at {url} refused the request (status {response.status}: "
                             f"{'; '.join(response.status_string)})")
    info = response.tst_info
    if info.message_imprint.message != hashlib.sha256(message).digest() or info.nonce != request.nonce:
        raise TimestampError(f"the TSA at {url} answered with a token for another request")
    return answer.content


def gen_time(token: bytes) -> datetime:
    value = decode_timestamp_response(token).tst_info.gen_time
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def token_problem(token: bytes, message: bytes, ca_file: str | None = None) -> str | None:
    """Why the token is not a valid stamp of ``message`` ("" when it is; None when no CA is set to check it)."""
    ca_file = ca_file or settings.LEDGER_TSA_CA_FILE
    if not ca_file:
        return None
    openssl = shutil.which("openssl")
    if openssl is None:
        return "the openssl command was not found"
    with tempfile.TemporaryDirectory() as tmp:
        data, tsr = Path(tmp) / "head.bin", Path(tmp) / "head.tsr"
        data.write_bytes(message)
        tsr.write_bytes(token)
        run = subprocess.run([openssl, "ts", "-verify", "-data", str(data), "-in", str(tsr), "-CAfile", ca_file],
                             capture_output=True, text=True)
    if run.returncode == 0:
        return ""
    lines = [line for line in (run.stdout + run.stderr).splitlines() if line.strip() and "Verification" not in line]
    return lines[-1].strip() if lines else "openssl ts -verify failed"


def stamp_head(head: TreeHead) -> HeadTimestamp | None:
    """Get and keep a token for ``head`` (when a TSA is set); on any TSA failure, log a warning and go on."""
    url = tsa_url()
    if not url:
        return None
    existing = stamp_of(head)
    if existing is not None:
        return existing
    message = signing.head_message(head)
    try:
        token = request_token(message, url)
        problem = token_problem(token, message)
        if problem:
            raise TimestampError(f"the token from {url} does not verify against LEDGER_TSA_CA_FILE: {problem}")
    except TimestampError as exc:
        logger.warning("Tree head at size %s is signed but not time-stamped (%s); "
                       "evidence.ledger_tasks.stamp_pending_heads will try again.", head.tree_size, exc)
        return None
    try:
        with transaction.atomic():
            stamp = HeadTimestamp.objects.create(head=head, token=token, tsa_url=url, gen_time=gen_time(token),
                                                 recorded_at=timezone.now())
    except IntegrityError:  # another worker stamped it meanwhile; theirs stands
        return HeadTimestamp.objects.filter(head=head).first()
    witness.publish_token(head, token)
    return stamp


def stamp_of(head: TreeHead) -> HeadTimestamp | None:
    return HeadTimestamp.objects.filter(head=head).first()


def unstamped_heads():
    return TreeHead.objects.filter(timestamps__isnull=True).order_by("tree_size", "timestamp")


def stamp_pending_heads(limit: int = _PENDING_BATCH) -> int:
    """Stamp heads signed while the TSA was unreachable, oldest first; returns how many got a token."""
    if not tsa_url():
        return 0
    stamped = 0
    for head in unstamped_heads()[:limit]:
        if stamp_head(head) is None:
            break  # still down: the next run tries again
        stamped += 1
    return stamped


def audit() -> tuple[list[str], list[str]]:
    """(faults, warnings) for verify_integrity: every stored token verifies for its head; unstamped heads named."""
    faults: list[str] = []
    warnings: list[str] = []
    unchecked = 0
    for stamp in HeadTimestamp.objects.select_related("head").order_by("head__tree_size"):
        head = stamp.head
        problem = token_problem(bytes(stamp.token), signing.head_message(head))
        if problem is None:
            unchecked += 1
        elif problem:
            faults.append(f"signed tree head at size {head.tree_size}: its timestamp token from {stamp.tsa_url} "
                          f"does not verify for this head: {problem}")
    if unchecked:
        warnings.append(f"{unchecked} timestamp token(s) not checked: LEDGER_TSA_CA_FILE is not set")
    if tsa_url():
        sizes = list(unstamped_heads().values_list("tree_size", flat=True))
        if sizes:
            named = ", ".join(str(size) for size in sizes[:20]) + (f" and {len(sizes) - 20} more" if len(sizes) > 20 else "")
            warnings.append(f"{len(sizes)} signed tree head(s) have no timestamp token yet (sizes {named}); "
                            "evidence.ledger_tasks.stamp_pending_heads stamps them when the TSA answers")
    return faults, warnings
