"""Court packages: a case's evidence as a BagIt bag that can be checked offline.

The order of work, and why:
 1. refuse if any item is still being processed (never pack unsealed bytes), or
    depends on a protected person's consent that is not in force (consent_blocked);
 2. copy each sealed item's original bytes into the bag, re-hashing them on
    the way, so a fixity failure stops the export before anything is logged;
 3. append a `packing` custody event to every item, in one transaction;
 4. sign a tree head after that commit, so it covers the packing events
    (and time-stamp it, when a TSA is set);
 5. write each custody log up to that head, an inclusion proof for every
    entry, the metadata, a README and the verifier; sign a package manifest
    that lists every file's SHA-256, every item folder and each log's length
    and last entry (so a dropped entry or a deleted folder shows); then make
    the bag (SHA-256 and SHA-512 manifests and tag manifests) and validate it.
Layout and file formats: evidence/bag_layout.py.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import bagit
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from catalogue.models import Case
from catalogue.roles import LEGAL, user_has_role
from catalogue.services import access_log_record
from evidence import bag_layout, fixity, log_store, proven, sequencer, signing, storage, timestamps
from evidence.custody import custody_append, event_as_entry
from evidence.models import CustodyEvent, EvidenceItem, ExportJob
from evidence.selectors import items_visible_to

logger = logging.getLogger(__name__)

EXPORT_AGENT = "agent:evidence-export/1.0"
PENDING_STATES = (EvidenceItem.State.RECEIVED, EvidenceItem.State.PROCESSING)


class ExportError(Exception):
    """The package could not be made; the message says why."""


class ItemsNotSealed(ExportError):
    def __init__(self, exhibits: list[str]) -> None:
        self.exhibits = exhibits
        super().__init__(
            "These items are still being processed and are not sealed yet, so they cannot be packed: "
            + ", ".join(exhibits) + ". Export again once they are sealed (or have failed)."
        )


class ConsentWithheld(ExportError):
    """Exhibits that depend on a protected person's consent to use in legal proceedings, which is
    missing or withdrawn. `blocked` is a list of {exhibit, people} (pseudonyms only)."""

    def __init__(self, blocked: list[dict]) -> None:
        self.blocked = blocked
        self.exhibits = [row["exhibit"] for row in blocked]
        super().__init__(
            "These exhibits depend on a protected person's consent to use in legal proceedings, which has been "
            "withdrawn or was never given, so they cannot be exported: "
            + "; ".join(f"{row['exhibit']} ({', '.join(row['people'])})" for row in blocked)
            + ". Record the person's consent, or export once the case no longer holds them."
        )


def consent_blocked(items: list[EvidenceItem]) -> list[dict]:
    """The items whose use needs a protected person's consent that is not in force: refused
    whole (not packed without bytes), since the consent covers the exhibit, not only its file."""
    from catalogue.models import ConsentScope
    from catalogue.services import consent_in_force
    from evidence.models import ItemConsentDependency

    by_exhibit = {item.pk: item.exhibit for item in items}
    rows = list(ItemConsentDependency.objects.filter(item_id__in=list(by_exhibit))
                .values_list("item_id", "person_id", "person__pseudonym"))
    allowed = consent_in_force({person_id for _, person_id, _ in rows}, ConsentScope.LEGAL_PROCEEDINGS)
    blocked: dict[str, list[str]] = {}
    for item_id, person_id, pseudonym in rows:
        if person_id not in allowed:
            blocked.setdefault(by_exhibit[item_id], []).append(pseudonym)
    return [{"exhibit": exhibit, "people": sorted(people)} for exhibit, people in sorted(blocked.items())]


@dataclass(frozen=True)
class BagResult:
    path: Path
    item_count: int
    tree_size: int
    content_items: int
    exhibits: tuple[str, ...] = ()


@dataclass(frozen=True)
class Disclosure:
    """To whom a package goes and why: named in the package and kept in the register."""

    recipient: str
    purpose: str


RECIPIENT_MAX = 300
PURPOSE_MAX = 2000


def disclosure_clean(*, recipient: str | None, purpose: str | None) -> Disclosure:
    """Both are required: a register entry that cannot say to whom or why answers nothing."""
    recipient, purpose = (recipient or "").strip(), (purpose or "").strip()
    errors: dict[str, str] = {}
    if not recipient:
        errors["recipient"] = ("Name the recipient of the package (a person, court, or organisation): "
                               "every disclosure is recorded with whom it went to.")
    elif len(recipient) > RECIPIENT_MAX:
        errors["recipient"] = f"The recipient is {len(recipient)} characters; at most {RECIPIENT_MAX}."
    elif any(ch in recipient for ch in "\r\n\t\x00"):
        errors["recipient"] = "The recipient is one line of text (no line breaks, tabs or NUL bytes)."
    if not purpose:
        errors["purpose"] = "Say what the package is disclosed for (e.g. a trial, a request for assistance)."
    elif len(purpose) > PURPOSE_MAX:
        errors["purpose"] = f"The purpose is {len(purpose)} characters; at most {PURPOSE_MAX}."
    elif "\x00" in purpose:
        errors["purpose"] = "The purpose cannot contain NUL bytes."
    if errors:
        raise ValidationError(errors)
    return Disclosure(recipient=recipient, purpose=purpose)


def items_for_export(*, case: Case, user: AbstractBaseUser | None) -> list[EvidenceItem]:
    """Every item of the case the requester may see (all of them for a system export)."""
    items = items_visible_to(user) if user is not None else EvidenceItem.objects.all()
    return list(items.filter(case=case).select_related("case", "created_by", "capture_place").order_by("number"))


def check_can_export(*, user: AbstractBaseUser, case: Case) -> None:
    if not (user.is_superuser or user_has_role(user, LEGAL)):
        raise PermissionDenied("Only legal staff can export a court package.")


def unsealed(items: list[EvidenceItem]) -> list[str]:
    return [item.exhibit for item in items if item.state in PENDING_STATES]


@contextmanager
def _quiet_bagit():
    """bagit logs a line per file at INFO; keep its warnings, drop the chatter."""
    bagit_logger = logging.getLogger("bagit")
    level = bagit_logger.level
    bagit_logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        bagit_logger.setLevel(level)


def _copy_content(item: EvidenceItem, record: proven.Proven | None, target: Path,
                  still_mine: Callable[[], None]) -> None:
    """Copy the stored bytes, refusing them unless they have the digests proven at sealing
    (the item's custody chain, not its columns). A refusal is recorded as a failed fixity
    check and quarantines the item. A long copy says it is alive every 64 MiB (see build_bag)."""
    tampering = proven.column_problems(item, record)
    if record is None or tampering:
        _refuse(item, record, None, None, tampering or ["the custody chain records no digest calculation"])
    sha256, sha512, size = hashlib.sha256(), hashlib.sha512(), 0
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        source = storage.open_content(record.sha256)
    except OSError as exc:
        raise ExportError(f"The stored bytes of {item.exhibit} cannot be opened ({exc}).") from exc
    with source, open(target, "wb") as out:
        for count, block in enumerate(iter(lambda: source.read(1 << 20), b""), start=1):
            sha256.update(block)
            sha512.update(block)
            size += len(block)
            out.write(block)
            if count % 64 == 0:
                still_mine()
    if (sha256.hexdigest() != record.sha256 or (record.sha512 and sha512.hexdigest() != record.sha512)
            or (record.size is not None and size != record.size)):
        _refuse(item, record, sha256.hexdigest(), size, [])


def _refuse(item: EvidenceItem, record: proven.Proven | None, actual: str | None, size: int | None,
            tampering: list[str]) -> None:
    problem = "; ".join(tampering) or "the stored bytes do not have the digests proven at sealing"
    fixity.record_fixity(item, {
        "ok": False, "checked_at": timezone.now(), "object": storage.content_name(record.sha256) if record else None,
        "expected_sha256": record.sha256 if record else None, "expected_size": record.size if record else None,
        "actual_sha256": actual, "actual_size": size, "problem": problem, "tampering": tampering,
    }, check="export")
    raise ExportError(
        f"The stored bytes of {item.exhibit} cannot be vouched for ({problem}); the export stopped so that "
        "they are not packed, and the item is quarantined. Run verify_integrity."
    )


def build_bag(
    *, case: Case, directory: Path, user: AbstractBaseUser | None = None, package_id: str,
    still_mine: Callable[[], None] = lambda: None, disclosure: Disclosure | None = None,
) -> BagResult:
    """Write the court package for ``case`` as a bag at ``directory`` (which must not exist).

    ``still_mine`` is called as items are copied and inside the
    transaction that appends the packing events: a job's builder (export_run)
    refreshes its claim there, and raises ClaimLost if another worker has taken
    the job over, so that only the job's holder writes to the custody log.
    ``disclosure`` names the recipient and purpose in bag-info, the README and the
    signed manifest, and on each packing entry.
    """
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise ExportError(f"{directory} already exists and is not empty.")
    items = items_for_export(case=case, user=user)
    pending = unsealed(items)
    if pending:
        raise ItemsNotSealed(pending)
    blocked = consent_blocked(items)  # again at build time: a consent may be withdrawn while queued
    if blocked:
        raise ConsentWithheld(blocked)
    directory.mkdir(parents=True, exist_ok=True)
    content_files: dict[str, str] = {}
    records = proven.proven_digests_many(item.pk for item in items)
    for item in items:
        reason = bag_layout.why_no_content(item)
        if reason is None:
            relative = bag_layout.content_path(item)
            _copy_content(item, records.get(item.pk), directory / relative, still_mine)
            content_files[str(item.pk)] = relative
            if settings.EVIDENCE_EXPORT_ITEM_DELAY:
                time.sleep(settings.EVIDENCE_EXPORT_ITEM_DELAY)  # test-only: a build slow enough to kill
            still_mine()

    with transaction.atomic():
        still_mine()
        for item in items:
            custody_append(
                item=item, action=CustodyEvent.Action.PACKING, user=user, agent=None if user else EXPORT_AGENT,
                details={"package_id": package_id, "case": case.reference,
                         "bytes_included": str(item.pk) in content_files,
                         **({"recipient": disclosure.recipient, "purpose": disclosure.purpose} if disclosure else {})},
            )
    # The export builder runs in a worker: with the sequencer and beat's task, the only
    # signer. Every entry above (the packing ones too) must be in the log and under a
    # signed head before it is packed: run the sequencer here, or wait for its holder.
    sequencer.integrate_pending()
    head = signing.sign_tree_head()
    stamp = timestamps.stamp_of(head)  # asked for as the head was signed; None if the TSA was down

    events = list(
        CustodyEvent.objects.filter(item__in=items, log_index__lt=head.tree_size).order_by("item_id", "seq")
    )
    proofs = log_store.inclusion_proofs([e.log_index for e in events], head.tree_size)
    entries_by_item: dict[str, list[dict]] = {str(item.pk): [] for item in items}
    for event in events:
        entries_by_item[str(event.item_id)].append(event_as_entry(event))
    key = signing.signing_key()
    tag_files = bag_layout.write_payload(
        directory, case=case, items=items, entries_by_item=entries_by_item, proofs=proofs,
        head=head, key=key, content_files=content_files, package_id=package_id,
        exported_by=f"user:{user.get_username()}" if user else EXPORT_AGENT, stamp=stamp, disclosure=disclosure,
    )
    with _quiet_bagit():
        bag = bagit.make_bag(str(directory), bag_info=bag_layout.bag_info(case, package_id, disclosure),
                             checksums=["sha256", "sha512"])
        bag_layout.write_tag_files(directory, tag_files)
        bag.save()  # rewrites the tag manifests so they cover README.txt and verify.py
        bagit.Bag(str(directory)).validate()
    return BagResult(path=directory, item_count=len(items), tree_size=head.tree_size,
                     content_items=len(content_files), exhibits=tuple(item.exhibit for item in items))


def zip_bag(bag: Path, target: Path) -> str:
    """Zip a bag under one top folder; returns the zip's SHA-256. Originals are stored, the rest deflated."""
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        for path in sorted(p for p in bag.rglob("*") if p.is_file()):
            relative = path.relative_to(bag)
            compress = zipfile.ZIP_STORED if "content" in relative.parts else zipfile.ZIP_DEFLATED
            archive.write(path, f"{bag.name}/{relative.as_posix()}", compress_type=compress)
    digest = hashlib.sha256()
    with open(target, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- export jobs (the API's door) -------------------------------------------------


class ExportAlreadyRunning(ExportError):
    """A package of this case is already queued or being built: `job` is that job."""

    def __init__(self, job: ExportJob) -> None:
        self.job = job
        super().__init__(f"A court package of {job.case.reference} is already {job.state} (export {job.pk}); "
                         "one is built at a time. Ask again once it is done.")


class ExportQuotaExceeded(ExportError):
    """The requester has asked for EVIDENCE_EXPORTS_PER_DAY packages in the last 24 hours."""

    def __init__(self, limit: int, wait: float) -> None:
        self.wait = wait
        super().__init__(f"You have asked for {limit} court packages in the last 24 hours, the most allowed "
                         f"(EVIDENCE_EXPORTS_PER_DAY); each one copies every item of a case. Try again in "
                         f"{int(wait // 60) + 1} minutes.")


def _check_quotas(*, actor: AbstractBaseUser, case: Case) -> None:
    """One package per case at a time, and EVIDENCE_EXPORTS_PER_DAY per user in any 24 hours:
    each package copies, re-hashes and logs every item of a case, and any legal user can ask."""
    running = (ExportJob.objects.select_related("case", "requested_by")
               .filter(case=case, state__in=[ExportJob.State.QUEUED, ExportJob.State.RUNNING])
               .order_by("created_at").first())
    if running is not None:
        raise ExportAlreadyRunning(running)
    limit = settings.EVIDENCE_EXPORTS_PER_DAY
    since = timezone.now() - timedelta(days=1)
    recent = list(ExportJob.objects.filter(requested_by=actor, created_at__gte=since)
                  .order_by("-created_at").values_list("created_at", flat=True)[:limit])
    if len(recent) >= limit:
        raise ExportQuotaExceeded(limit, (recent[-1] + timedelta(days=1) - timezone.now()).total_seconds())


def export_request(*, actor: AbstractBaseUser, case: Case, recipient: str, purpose: str, via: str = "api",
                   remote_addr: str | None = None) -> ExportJob:
    """Queue a court package of a case the actor can see, for a named recipient and purpose (both
    required: ValidationError). Refuses (before queueing) if items are unsealed, if an item depends
    on a protected person's consent that is withdrawn or missing (ConsentWithheld),
    if a package of the case is already queued or running (ExportAlreadyRunning names it), or past
    the requester's daily quota. The request is an entry of the access log, committed with the job."""
    check_can_export(user=actor, case=case)
    disclosure = disclosure_clean(recipient=recipient, purpose=purpose)
    items = items_for_export(case=case, user=actor)
    pending = unsealed(items)
    if pending:
        raise ItemsNotSealed(pending)
    blocked = consent_blocked(items)
    if blocked:
        raise ConsentWithheld(blocked)
    with transaction.atomic():
        # Two requests for one case at once: the second waits here, then finds the first's job.
        Case.objects.select_for_update().filter(pk=case.pk).only("id").first()
        _check_quotas(actor=actor, case=case)
        job = ExportJob.objects.create(case=case, requested_by=actor, recipient=disclosure.recipient,
                                       purpose=disclosure.purpose)
        access_log_record(user=actor, case=case, via=via, action="export", remote_addr=remote_addr,
                          reason=f"export job {job.pk} for {disclosure.recipient}")
        from evidence.export_tasks import export_case

        transaction.on_commit(lambda: export_case.delay(str(job.pk)))
    return job


class ClaimLost(ExportError):
    """Another worker has taken the job over (this one was thought dead)."""


def _claim(job_id: str) -> uuid.UUID | None:
    """Take a queued job, or a running one whose builder has gone quiet; None if neither."""
    now, claim = timezone.now(), uuid.uuid4()
    stale = now - timedelta(seconds=settings.EVIDENCE_EXPORT_STALE_SECONDS)
    taken = ExportJob.objects.filter(
        Q(state=ExportJob.State.QUEUED) | Q(state=ExportJob.State.RUNNING, claimed_at__lt=stale), pk=job_id,
    ).update(state=ExportJob.State.RUNNING, claim=claim, claimed_at=now, attempts=F("attempts") + 1)
    return claim if taken else None


def _refresh(job_id: str, claim: uuid.UUID) -> None:
    if not ExportJob.objects.filter(pk=job_id, claim=claim).update(claimed_at=timezone.now()):
        raise ClaimLost(f"Export {job_id} was taken over by another worker.")


def export_run(job_id: str) -> str:
    """Build, zip and store the package for a queued job; returns its final state.

    The job is claimed with a conditional UPDATE and a fresh token, so a
    redelivered task finds it taken and does nothing. The claim is refreshed
    after each item; one left stale for EVIDENCE_EXPORT_STALE_SECONDS (its
    worker died) is taken over by the next task for the job (export_sweep
    sends one). Every later write is conditional on the token: a worker that
    lost its claim changes nothing and removes the package it made. A failure
    leaves the job `failed` with the reason.
    """
    claim = _claim(job_id)
    job = ExportJob.objects.select_related("case", "requested_by").get(pk=job_id)
    if claim is None:
        return job.state
    name = None
    try:
        with tempfile.TemporaryDirectory(prefix="export-") as tmp:
            bag_dir = Path(tmp) / bag_layout.bag_name(job.case, str(job.pk))
            result = build_bag(case=job.case, directory=bag_dir, user=job.requested_by, package_id=str(job.pk),
                               still_mine=lambda: _refresh(job_id, claim),
                               disclosure=Disclosure(recipient=job.recipient, purpose=job.purpose))
            zip_path = Path(tmp) / "package.zip"
            digest = zip_bag(bag_dir, zip_path)
            size = zip_path.stat().st_size
            with open(zip_path, "rb") as handle:
                name = default_storage.save(f"exports/{job.pk}.zip", File(handle))
    except ClaimLost:
        logger.warning("Export %s: another worker took the job over; leaving it to that one", job_id)
        return ExportJob.objects.get(pk=job_id).state
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the job, visibly
        logger.exception("Export %s failed", job_id)
        ExportJob.objects.filter(pk=job_id, claim=claim).update(
            state=ExportJob.State.FAILED, error=str(exc) or type(exc).__name__, finished_at=timezone.now()
        )
        return ExportJob.objects.get(pk=job_id).state
    finished = ExportJob.objects.filter(pk=job_id, claim=claim).update(
        state=ExportJob.State.DONE, finished_at=timezone.now(), package_name=name, package_sha256=digest,
        package_size=size, item_count=result.item_count, tree_size=result.tree_size, error="",
        exhibits=list(result.exhibits),
    )
    if not finished:
        default_storage.delete(name)  # the job's new holder stores its own package
        return ExportJob.objects.get(pk=job_id).state
    return ExportJob.State.DONE


def export_sweep() -> list[str]:
    """Jobs whose task was lost (queued too long) or whose builder died (claim
    gone stale): send each a new task, which claims it or finds it in hand."""
    from evidence.export_tasks import export_case

    stale = timezone.now() - timedelta(seconds=settings.EVIDENCE_EXPORT_STALE_SECONDS)
    jobs = [str(pk) for pk in ExportJob.objects.filter(
        Q(state=ExportJob.State.QUEUED, created_at__lt=stale) | Q(state=ExportJob.State.RUNNING, claimed_at__lt=stale)
    ).values_list("pk", flat=True)]
    for job_id in jobs:
        logger.warning("Export %s looks stuck; sending it to a worker again", job_id)
        export_case.delay(job_id)
    return jobs


def export_to_directory(*, case: Case, directory: Path, recipient: str, purpose: str,
                        user: AbstractBaseUser | None = None) -> BagResult:
    """The management command's door: the bag as a folder inside ``directory``, for a named recipient."""
    if user is not None:
        check_can_export(user=user, case=case)
    disclosure = disclosure_clean(recipient=recipient, purpose=purpose)
    package_id = f"cli-{timezone.now().strftime('%Y%m%dT%H%M%S%fZ')}"
    target = Path(directory) / bag_layout.bag_name(case, package_id)
    if target.exists():
        raise ExportError(f"{target} already exists.")
    try:
        result = build_bag(case=case, directory=target, user=user, package_id=package_id, disclosure=disclosure)
        if user is not None:
            # Who took which case away is on the access log, as for the API's exports.
            access_log_record(user=user, case=case, via="command", action="export",
                              reason=f"export {package_id} for {disclosure.recipient}")
        return result
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)  # a half-written folder must not pass for a package
        raise
