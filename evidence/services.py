"""Writes to evidence items. Every one appends its custody entry in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from catalogue import fixed_rows
from catalogue.models import Case, Place, ProtectedPerson
from catalogue.roles import INVESTIGATOR, user_has_role
from catalogue.visibility import visibility_sql_on
from evidence import derivation, storage
from evidence.custody import TIME_UNKNOWN, custody_append, custody_append_many
from evidence.fetch import url_has_credentials
from evidence.hashing import normalise_sha256
from evidence.models import CustodyEvent, EvidenceItem, ItemConsentDependency
from evidence.times import ITEM_TIMES, Precision, in_zone, normalise, partial_iso, zone_or_none

Action = CustodyEvent.Action


FILE_AND_URL_REFUSED = _(
    "Give either a file or a source URL, not both: the URL would be recorded as archived though it is "
    "never fetched. To archive the online copy, file it as its own item; to say where this file came from, "
    "write it in the description.")


class UploadTooLarge(ValidationError):
    """An upload over EVIDENCE_MAX_UPLOAD_SIZE (the API answers 413)."""


def _file_size(fileobj: IO[bytes]) -> int:
    size = getattr(fileobj, "size", None)
    if size is None:
        position = fileobj.tell()
        fileobj.seek(0, 2)
        size = fileobj.tell()
        fileobj.seek(position)
    return size


CASE_NOT_VISIBLE = "You cannot file evidence on a case you cannot see."


def _check_can_file(actor: AbstractBaseUser, case: Case) -> None:
    _check_investigator(actor)
    from catalogue.selectors import cases_visible_to

    if not cases_visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionDenied(CASE_NOT_VISIBLE)


def _check_investigator(actor: AbstractBaseUser) -> None:
    if not (actor.is_superuser or user_has_role(actor, INVESTIGATOR)):
        raise PermissionDenied("Only investigators can file evidence.")


def _lock_case_and_number(actor: AbstractBaseUser, case: Case) -> int:
    """Lock the case (its exhibits are numbered one at a time), checking under the lock that
    `actor` may see it, and return the next exhibit number.

    Two statements, not one: in READ COMMITTED a statement that waited for the lock still
    reads with the snapshot it started with, so a last number read in the locking statement
    missed the item committed by the filer it waited for, and two concurrent filings into
    one case took the same number (an IntegrityError, a 500: bench/bench_filing.py, 4 clients).

    Fixed statements with the visibility rule's own SQL (catalogue.visibility), as the
    API's hot reads are: as querysets (cases_visible_to(...).select_for_update(of=("self",))
    and the last number by `-number`) they cost ~1 ms of CPU per filing to build and compile.
    SQLite has no FOR UPDATE: its IMMEDIATE transactions take the write lock at BEGIN
    (config/settings.py), which numbers one filing at a time just as well.
    """
    q = connection.ops.quote_name
    where, params = visibility_sql_on(actor, "c")
    lock = " FOR UPDATE OF c" if connection.features.has_select_for_update_of else ""
    items = EvidenceItem._meta
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT c.{q('id')} FROM {q(Case._meta.db_table)} c WHERE c.{q('id')} = %s AND {where}{lock}",
                       [case.pk, *params])
        if cursor.fetchone() is None:
            raise PermissionDenied(CASE_NOT_VISIBLE)
        cursor.execute(f"SELECT {q(items.get_field('number').column)} FROM {q(items.db_table)} "
                       f"WHERE {q(items.get_field('case').column)} = %s "
                       f"ORDER BY {q(items.get_field('number').column)} DESC LIMIT 1", [case.pk])
        last = cursor.fetchone()
    return (last[0] if last else 0) + 1


def evidence_register(
    *,
    actor: AbstractBaseUser,
    case: Case,
    kind: str,
    title: str,
    description: str = "",
    file: IO[bytes] | None = None,
    original_filename: str = "",
    source_url: str = "",
    held_by: str = "",
    declared_sha256: str = "",
    captured_at: datetime | None = None,
    captured_at_precision: str | None = None,
    captured_at_zone: str = "",
    captured_by: str = "",
    capture_place: Place | None = None,
    published_at: datetime | None = None,
    published_at_precision: str | None = None,
    uploaded_at: datetime | None = None,
    uploaded_at_precision: str | None = None,
    acquired_at: datetime | None = None,
    acquired_at_precision: str | None = None,
    derived_from: EvidenceItem | str | None = None,
    relation: str = "",
    derivation_method: str = "",
    derived_by: str = "",
    graphic_content: bool = False,
    risk_to_person: bool = False,
    risk_note: str = "",
    via: str = "service",
) -> EvidenceItem:
    """File an item: an upload, a URL for the worker to fetch, or a reference to
    media someone else holds. The item and its first custody entries are written
    in one transaction and the pipeline is queued once it commits; a refused
    filing leaves nothing behind, not even the staged upload."""
    # Whether the actor may see the case is checked under the case's lock, below: one statement fewer.
    _check_investigator(actor)
    errors: dict[str, str] = {}
    if file is None and not source_url and not held_by:
        errors["file"] = "Attach a file, give a source URL, or say who holds the original (a reference)."
    if file is not None and source_url:
        # Refused, not kept as the item's source_url: that field names what the pipeline fetched
        # and archived, and this address would never be fetched. Where the file came from goes
        # in the description, in the filer's words.
        errors["source_url"] = FILE_AND_URL_REFUSED
    try:
        zone = zone_or_none(captured_at_zone)
    except ValueError as exc:
        errors["captured_at_zone"] = str(exc)
        zone = None
    if source_url and url_has_credentials(source_url):
        # Refused, not stripped: the custody log would keep the password for ever, and a
        # silently changed URL is not the one the investigator gave.
        errors["source_url"] = ("The URL carries a user name or password (user:pass@host). Give the address "
                                "without them; media behind a login is filed as an upload or a reference.")
    if declared_sha256:
        try:
            declared_sha256 = normalise_sha256(declared_sha256)
        except ValueError as exc:
            errors["declared_sha256"] = str(exc)
    size = None
    if file is not None:
        size = _file_size(file)
        original_filename = original_filename or getattr(file, "name", "") or ""
        if size == 0:
            errors["file"] = "The file is empty (0 bytes): there is nothing to preserve."
        elif size > settings.EVIDENCE_MAX_UPLOAD_SIZE:
            raise UploadTooLarge(
                {"file": f"The file is {size} bytes; the limit is {settings.EVIDENCE_MAX_UPLOAD_SIZE} bytes."}
            )
    given = {"captured_at": (captured_at, captured_at_precision), "published_at": (published_at, published_at_precision),
             "uploaded_at": (uploaded_at, uploaded_at_precision), "acquired_at": (acquired_at, acquired_at_precision)}
    times: dict[str, Any] = {}
    for name, (value, precision) in given.items():
        try:
            times[name], times[f"{name}_precision"] = normalise(value, precision)
        except ValueError as exc:
            errors[f"{name}_precision"] = str(exc)
    # A derivative's source, checked before anything is written (evidence/derivation.py).
    link = derivation.link_plan(actor=actor, derived_from=derived_from, relation=relation,
                                method=derivation_method, made_by=derived_by, errors=errors)
    if errors:
        raise ValidationError(errors)

    is_reference = file is None and not source_url
    # The zone is kept only with a time of day: a date alone was not converted between zones.
    kept_zone = zone.key if zone is not None and times["captured_at_precision"] in (
        Precision.HOUR, Precision.EXACT) else ""
    item = EvidenceItem(
        case=case, number=0, exhibit="pending", kind=kind, title=(title or "").strip(), description=description,
        source_url=source_url, held_by=held_by, original_filename=original_filename[-255:],
        captured_by=captured_by, capture_place=capture_place, **times, captured_at_zone=kept_zone,
        declared_sha256=declared_sha256, created_by=actor, **(link.item_fields() if link else {}),
        graphic_content=graphic_content, risk_to_person=risk_to_person, risk_note=(risk_note or "").strip(),
        state=EvidenceItem.State.REFERENCE if is_reference else EvidenceItem.State.RECEIVED,
    )
    # Field checks only: the case and user are objects we hold, and uniqueness and
    # constraints are enforced by the database inside the transaction below.
    item.full_clean(exclude=["number", "exhibit", "case", "created_by"], validate_unique=False,
                    validate_constraints=False)

    staged = storage.stage_upload(file, original_filename) if file is not None else ""
    try:
        with transaction.atomic():
            item.number = _lock_case_and_number(actor, case)
            item.exhibit = f"{case.reference}/E{item.number:03d}"
            item.staged_name = staged
            fixed_rows.insert(item)  # item.save(force_insert=True), its statement written once
            entries = []
            if item.captured_at or captured_by or capture_place:
                # Dated only by a capture time known exactly: a partial or missing one is in the details.
                exact = item.captured_at_precision == Precision.EXACT
                entries.append({"action": Action.CAPTURE, "details": {
                    "captured_by": captured_by, "capture_place": str(capture_place or ""),
                    "captured_at": partial_iso(item.captured_at, item.captured_at_precision),
                    "precision": item.captured_at_precision,
                    # As the filer gave it, when they gave it in a zone (08:15 in Kharkiv, not 08:15 UTC).
                    **({"time_zone": kept_zone, "captured_at_local": in_zone(
                        item.captured_at, item.captured_at_precision, kept_zone)} if kept_zone else {}),
                }, "occurred_at": item.captured_at if exact else TIME_UNKNOWN})
            # Capture and accession in one append: one lock of the chain and the log, not two.
            entries.append({
                "action": Action.ACCESSION,
                "details": {
                    "exhibit": item.exhibit, "case": case.reference, "via": via,
                    "original_filename": item.original_filename, "received_bytes": size,
                    "declared_sha256": declared_sha256, "source_url": source_url, "held_by": held_by,
                    # The online times, when given, as far as known ("2022-03" is March 2022).
                    **{name: partial_iso(getattr(item, name), getattr(item, f"{name}_precision"))
                       for name in ITEM_TIMES[1:] if getattr(item, name) is not None},
                },
            })
            custody_append_many(item=item, entries=entries, user=actor)
            if link is not None:
                derivation.link_record(item=item, link=link, actor=actor)
            if not is_reference:
                from evidence.tasks import ingest

                transaction.on_commit(lambda: ingest.delay(str(item.pk)))
    except BaseException:
        storage.discard(staged)
        raise
    return item


@transaction.atomic
def evidence_withdraw(*, actor: AbstractBaseUser, item: EvidenceItem, reason: str) -> EvidenceItem:
    """Withdraw an item from use. Nothing is deleted: the withdrawal is itself a custody entry."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the item is withdrawn."})
    if item.withdrawn:
        return item
    custody_append(item=item, action=Action.DEACCESSION, user=actor, details={"reason": reason})
    EvidenceItem.objects.filter(pk=item.pk).update(withdrawn=True)
    item.withdrawn = True
    return item


def _normalise_time_changes(item: EvidenceItem, changes: dict[str, Any]) -> None:
    """Fill in each changed time's precision: kept as it was if it still fits, else exact or unknown."""
    for name in ITEM_TIMES:
        key = f"{name}_precision"
        if name not in changes and key not in changes:
            continue
        value = changes.get(name, getattr(item, name))
        precision = changes.get(key) or getattr(item, key)
        if key not in changes and (value is None) != (precision == Precision.UNKNOWN):
            precision = None  # the time came or went and no precision was said: the default for it
        try:
            changes[name], changes[key] = normalise(value, precision)
        except ValueError as exc:
            raise ValidationError({key: str(exc)}) from exc


def evidence_update_description(*, actor: AbstractBaseUser, item: EvidenceItem, **changes: Any) -> EvidenceItem:
    """Change an item's descriptive fields, recording old and new values in its custody log."""
    allowed = {"title", "description", "captured_by", "captured_at_zone", "kind", *FLAGS,
               *ITEM_TIMES, *(f"{name}_precision" for name in ITEM_TIMES)}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({field: "This field cannot be changed after filing." for field in unknown})
    with transaction.atomic():
        item = EvidenceItem.objects.select_for_update().get(pk=item.pk)
        _normalise_time_changes(item, changes)
        if "captured_at_zone" in changes:
            try:
                zone = zone_or_none(changes["captured_at_zone"])
            except ValueError as exc:
                raise ValidationError({"captured_at_zone": str(exc)}) from exc
            changes["captured_at_zone"] = zone.key if zone is not None else ""
        diff = {f: {"old": getattr(item, f), "new": v} for f, v in changes.items() if getattr(item, f) != v}
        if not diff:
            return item
        for field, value in changes.items():
            setattr(item, field, value)
        item.full_clean()
        item.save(update_fields=list(diff))
        custody_append(item=item, action=Action.METADATA_MODIFICATION, user=actor, details={"changes": diff})
    return item


# --- handling flags and consent dependencies --------------------------------------

FLAGS = ("graphic_content", "risk_to_person", "risk_note")


def item_set_flags(*, actor: AbstractBaseUser, item: EvidenceItem, **flags: Any) -> EvidenceItem:
    """Set an item's handling flags (graphic content, risk to a person and its note); a custody entry
    records old and new values, as for any descriptive change. Investigators only."""
    _check_can_file(actor, item.case)
    unknown = set(flags) - set(FLAGS)
    if unknown:
        raise ValidationError({field: "Only graphic_content, risk_to_person and risk_note can be set here."
                               for field in unknown})
    if "risk_note" in flags:
        flags["risk_note"] = (flags["risk_note"] or "").strip()
    return evidence_update_description(actor=actor, item=item, **flags)


@transaction.atomic
def item_add_consent_dependency(*, actor: AbstractBaseUser, item: EvidenceItem,
                                person: ProtectedPerson) -> ItemConsentDependency:
    """Record that an exhibit may be used only with this protected person's consent. Written once,
    never removed; a custody entry names the pseudonym (never the identity)."""
    _check_can_file(actor, item.case)
    from catalogue.selectors import cases_visible_to

    if not cases_visible_to(actor).filter(pk=person.case_id).exists():
        raise PermissionDenied("You cannot see that person's case.")
    existing = ItemConsentDependency.objects.filter(item=item, person=person).first()
    if existing is not None:
        return existing
    dependency = ItemConsentDependency(item=item, person=person, created_by=actor)
    dependency.full_clean()
    dependency.save()
    custody_append(item=item, action=Action.METADATA_MODIFICATION, user=actor,
                   details={"consent_dependency": person.pseudonym})
    return dependency
