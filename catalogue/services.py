"""Writes to case records. The admin, the API and the seed loader all come through here."""

from __future__ import annotations

import ipaddress
from datetime import date
from typing import Any, Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from catalogue import access_chain, case_changes
from catalogue.models import (
    Actor,
    Case,
    CaseSource,
    ConsentRecord,
    ConsentScope,
    ConsentWithdrawal,
    CrimeCategory,
    Place,
    ProtectedPerson,
    Source,
    Team,
    VictimCount,
)
from catalogue.roles import INVESTIGATOR, REVIEWER, user_has_role
from catalogue.search import index_case


def resolve_categories(codes: Iterable[str], *, held: Iterable[str] = ()) -> list[CrimeCategory]:
    """The categories named by Elements-of-Crimes codes. Groups and 8(2)(b)(xx) are refused,
    except those in `held`: what a case was qualified with before the Elements were split stays."""
    codes = list(dict.fromkeys(codes))
    found = {c.code: c for c in CrimeCategory.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationError({"categories": f"Unknown Elements of Crimes code(s): {', '.join(unknown)}."})
    held = set(held)
    refused = [found[code] for code in codes if not found[code].selectable and code not in held]
    if refused:
        raise ValidationError({"categories": [_why_not_selectable(category) for category in refused]})
    return [found[code] for code in codes]


def _why_not_selectable(category: CrimeCategory) -> str:
    children = [child.code for child in category.children.all()]
    if children:
        return (f"{category.code} is a group, not a crime of its own: choose among "
                f"{', '.join(children)}.")
    return f"{category.code} cannot be chosen. {category.note}".strip()


def next_reference(prefix: str = "UA", year: int | None = None) -> str:
    """The next free reference of `year`: the incident's year where the case knows it
    (case_create), the filing year only when the incident is undated."""
    year = year or date.today().year
    stem = f"{prefix}-{year}-"
    last = (
        Case.objects.filter(reference__startswith=stem).order_by("-reference").values_list("reference", flat=True).first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{number:04d}"


@transaction.atomic
def case_create(
    *,
    actor: AbstractBaseUser,
    team: Team,
    title: str,
    reference: str = "",
    summary: str = "",
    incident_start: date | None = None,
    incident_end: date | None = None,
    date_precision: str = Case.DatePrecision.DAY,
    status: str = Case.Status.REPORTED,
    sensitivity: str = Case.Sensitivity.OPEN,
    places: Iterable[Place] = (),
    categories: Iterable[str] = (),
    perpetrators: Iterable[Actor] = (),
) -> Case:
    category_objs = resolve_categories(categories)
    title = (title or "").strip()
    # Numbered by the incident's year: a 2022 shelling filed in 2026 is UA-2022-…, as people
    # cite it. Only an undated incident takes the filing year.
    case = Case(
        reference=reference or next_reference(year=incident_start.year if incident_start else None),
        title=title, summary=summary, incident_start=incident_start, incident_end=incident_end,
        date_precision=date_precision, status=status, sensitivity=sensitivity, team=team, created_by=actor,
    )
    _full_clean_with_title(case)
    case._history_user = actor
    case.save()
    case.places.set(places)
    case.categories.set(category_objs)
    case.perpetrators.set(perpetrators)
    index_case(case)
    return case


MIN_TITLE_LETTERS = 4


def title_problem(title: str) -> str | None:
    """A case title says what happened: a title of one or two characters ("x") tells a
    reader of the case list nothing, so at least MIN_TITLE_LETTERS letters are asked for."""
    letters = sum(1 for ch in title or "" if ch.isalpha())
    if letters < MIN_TITLE_LETTERS:
        return str(_("Give a title that says what happened, e.g. \"Shelling of a residential block in Kharkiv\": "
                     "at least %(count)d letters.") % {"count": MIN_TITLE_LETTERS})
    return None


def _full_clean_with_title(case: Case) -> None:
    """The model's checks and the title's, every problem reported at once."""
    errors: dict[str, list[str]] = {}
    try:
        case.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
    problem = title_problem(case.title)
    if problem:
        errors["title"] = [problem]  # said in words rather than "This field cannot be blank."
    if errors:
        raise ValidationError(errors)


EDITABLE_FIELDS = {"title", "summary", "incident_start", "incident_end", "date_precision", "sensitivity"}


@transaction.atomic
def case_update(*, actor: AbstractBaseUser, case: Case, **changes: Any) -> Case:
    """Change a case's descriptive fields. The reference never changes; status has its own service."""
    if "reference" in changes and changes["reference"] != case.reference:
        raise ValidationError({"reference": "A case reference is permanent and cannot be changed."})
    changes.pop("reference", None)
    unknown = set(changes) - EDITABLE_FIELDS - {"places", "categories", "perpetrators"}
    if unknown:
        raise ValidationError({field: "This field cannot be changed here." for field in unknown})
    stored = Case.objects.values_list("sensitivity", flat=True).get(pk=case.pk)
    if "sensitivity" in changes and case_changes.RANK.get(changes["sensitivity"], 99) < case_changes.RANK[stored]:
        # Compared with the stored row: the admin's form has already written the new value onto `case`.
        raise ValidationError({"sensitivity": "Lowering a case's sensitivity needs a second reviewer: ask for it "
                                              "with a reason (catalogue.case_changes.case_request_change)."})
    if "title" in changes:
        changes["title"] = (changes["title"] or "").strip()
    places = changes.pop("places", None)
    categories = changes.pop("categories", None)
    perpetrators = changes.pop("perpetrators", None)
    for field, value in changes.items():
        setattr(case, field, value)
    if "title" in changes:
        _full_clean_with_title(case)
    else:
        case.full_clean()  # a title filed before the rule is not refused on an unrelated change
    case._history_user = actor
    case.save()
    if places is not None:
        case.places.set(places)
    if categories is not None:
        held = case.categories.values_list("code", flat=True)
        case.categories.set(resolve_categories(categories, held=held))
    if perpetrators is not None:
        case.perpetrators.set(perpetrators)
    index_case(case)
    return case


ALLOWED_TRANSITIONS = {
    Case.Status.REPORTED: {Case.Status.UNDER_REVIEW, Case.Status.CLOSED},
    Case.Status.UNDER_REVIEW: {Case.Status.VERIFIED, Case.Status.DISPUTED, Case.Status.CLOSED},
    Case.Status.VERIFIED: {Case.Status.CORROBORATED, Case.Status.DISPUTED, Case.Status.REFERRED, Case.Status.CLOSED},
    Case.Status.CORROBORATED: {Case.Status.REFERRED, Case.Status.DISPUTED, Case.Status.CLOSED},
    Case.Status.DISPUTED: {Case.Status.UNDER_REVIEW, Case.Status.CLOSED},
    Case.Status.REFERRED: {Case.Status.CLOSED},
    Case.Status.CLOSED: {Case.Status.UNDER_REVIEW},
}


def status_steps(actor: AbstractBaseUser, case: Case) -> list[str]:
    """The statuses `actor` may move `case` to (its current one first), by the rules
    case_set_status enforces: what the status menus offer, so none is refused after saving."""
    if case.pk is None or status_refusal(actor, case) is not None:
        return [case.status]
    allowed = ALLOWED_TRANSITIONS.get(case.status, set())
    return [case.status, *[s for s in Case.Status.values if s in allowed]]


def status_refusal(actor: AbstractBaseUser, case: Case) -> str | None:
    """Why `actor` may not change this case's status at all, or None if they may."""
    if not (actor.is_superuser or user_has_role(actor, REVIEWER)):
        return "Only a reviewer can change a case's status."
    if case.created_by_id == actor.pk:
        return "A reviewer cannot review a case they filed themselves."
    return None


@transaction.atomic
def case_set_status(*, actor: AbstractBaseUser, case: Case, status: str) -> Case:
    """Move a case through review. Reviewers only, and never on their own filing."""
    refusal = status_refusal(actor, case)
    if refusal is not None:
        raise PermissionDenied(refusal)
    if status == case.status:
        return case
    if status not in ALLOWED_TRANSITIONS.get(case.status, set()):
        raise ValidationError({"status": f"A case cannot go from {case.status} to {status}."})
    case.status = status
    case._history_user = actor
    case.save(update_fields=["status", "updated_at"])
    return case


@transaction.atomic
def case_add_source(
    *, case: Case, source: Source, reliability: str, credibility: str, statement: str = "",
    reported_on: date | None = None,
) -> CaseSource:
    link = CaseSource(case=case, source=source, reliability=reliability, credibility=credibility,
                      statement=statement, reported_on=reported_on)
    link.full_clean()
    link.save()
    return link


@transaction.atomic
def case_add_victim_count(
    *, case: Case, category: str, count: int, source: Source, as_of: date | None = None, note: str = "",
) -> VictimCount:
    figure = VictimCount(case=case, category=category, count=count, source=source, as_of=as_of, note=note)
    figure.full_clean()
    figure.save()
    return figure


def place_create(**fields: Any) -> Place:
    place = Place(**fields)
    place.full_clean()
    place.save()
    return place


def _ip_or_none(remote_addr: str | None) -> str | None:
    """An unparseable address is kept out of the log rather than refusing the read."""
    if not remote_addr:
        return None
    try:
        return str(ipaddress.ip_address(remote_addr))
    except ValueError:
        return None


def access_log_record(
    *, user: AbstractBaseUser, case: Case, via: str, action: str = "read", remote_addr: str | None = None,
    reason: str = "",
) -> int:
    """Record that `user` read `case` (through the admin, the API, ...); returns the entry's seq."""
    return access_chain.append(user_id=user.pk, case_ids=[case.pk], via=via, action=action,
                               remote_addr=_ip_or_none(remote_addr), reason=reason)


def access_log_record_many(
    *, user: AbstractBaseUser, cases: Iterable[Case] = (), case_ids: Iterable[int] = (), via: str,
    action: str = "list", remote_addr: str | None = None,
) -> int:
    """One access-log entry per case shown (given as cases or by id), appended to the chain in
    one INSERT (the API's reads).

    Returns the number of entries written.
    """
    case_ids = [*(case.pk for case in cases), *case_ids]
    access_chain.append(user_id=user.pk, case_ids=case_ids, via=via, action=action, remote_addr=_ip_or_none(remote_addr))
    return len(case_ids)


# --- protected people: pseudonyms in the open, identities encrypted --------------------

PSEUDONYM_PREFIX = {"victim": "V", "witness": "W", "source": "S"}


@transaction.atomic
def protected_person_create(
    *, actor: AbstractBaseUser, case: Case, role: str, identity: dict[str, Any]
) -> ProtectedPerson:
    """Record a victim, witness or human source under a new pseudonym (e.g. UA-2022-0007/W02).

    Only the pseudonym and role are readable in the database; the identity is encrypted.
    """
    from catalogue import identity_vault
    from catalogue.selectors import cases_visible_to

    if not (actor.is_superuser or user_has_role(actor, INVESTIGATOR)):
        raise PermissionDenied("Only investigators can record protected people.")
    if not cases_visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionDenied("You cannot add people to a case you cannot see.")
    if role not in PSEUDONYM_PREFIX:
        raise ValidationError({"role": f"Choose one of: {', '.join(PSEUDONYM_PREFIX)}."})
    identity = {k: v for k, v in (identity or {}).items() if str(v).strip()}
    if not identity:
        raise ValidationError({"identity": "Give at least a name or another way to identify the person."})
    Case.objects.select_for_update().filter(pk=case.pk).only("id").first()
    prefix = f"{case.reference}/{PSEUDONYM_PREFIX[role]}"
    number = ProtectedPerson.objects.filter(case=case, pseudonym__startswith=prefix).count() + 1
    ciphertext, key = identity_vault.encrypt(identity)
    return ProtectedPerson.objects.create(
        case=case, role=role, pseudonym=f"{prefix}{number:02d}", identity_ciphertext=ciphertext, key_id=key,
        created_by=actor,
    )


@transaction.atomic
def protected_person_reveal(
    *, actor: AbstractBaseUser, person: ProtectedPerson, reason: str, via: str = "service",
    remote_addr: str | None = None,
) -> dict[str, Any]:
    """The identity behind a pseudonym, for a holder of `reveal_identity` who can see the
    case and says why. The reveal is written to the access log before anything is returned."""
    from catalogue import identity_vault
    from catalogue.selectors import cases_visible_to

    if not actor.has_perm("catalogue.reveal_identity"):
        raise PermissionDenied("Revealing an identity needs the 'reveal_identity' permission.")
    if not cases_visible_to(actor).filter(pk=person.case_id).exists():
        raise PermissionDenied("You cannot see this case.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why you need the identity; the reason is logged."})
    access_chain.append(user_id=actor.pk, case_ids=[person.case_id], via=via, action=f"reveal_identity:{person.pseudonym}",
                        remote_addr=_ip_or_none(remote_addr), reason=reason.strip())
    return identity_vault.decrypt(person.identity_ciphertext)


# --- consent: what a protected person agreed to, and its withdrawal -------------------


def _check_may_record_consent(actor: AbstractBaseUser, person: ProtectedPerson) -> None:
    from catalogue.selectors import cases_visible_to

    if not (actor.is_superuser or user_has_role(actor, INVESTIGATOR)):
        raise PermissionDenied("Only investigators can record consent.")
    if not cases_visible_to(actor).filter(pk=person.case_id).exists():
        raise PermissionDenied("You cannot see this person's case.")


@transaction.atomic
def consent_record(
    *, actor: AbstractBaseUser, person: ProtectedPerson, scopes: Iterable[str], given_on: date,
    obtained_by: AbstractBaseUser | None = None, recipients: str = "", scope_note: str = "",
    interpreter: str = "", interpreter_language: str = "",
) -> ConsentRecord:
    """Record a consent as given (by default obtained by the actor). Never changed afterwards."""
    from django.utils import timezone

    _check_may_record_consent(actor, person)
    scopes = list(dict.fromkeys(scopes or ()))
    errors: dict[str, str] = {}
    unknown = [scope for scope in scopes if scope not in ConsentScope.values]
    if not scopes or unknown:
        errors["scopes"] = f"Choose one or more of: {', '.join(ConsentScope.values)}."
    elif ConsentScope.DOCUMENTATION in scopes and len(scopes) > 1:
        errors["scopes"] = "'Documentation only' excludes every other use: record it alone."
    if ConsentScope.NAMED_RECIPIENTS in scopes and not recipients.strip():
        errors["recipients"] = "Name the recipients (or categories of recipient) the person agreed to."
    if given_on and given_on > timezone.localdate():
        errors["given_on"] = "Consent cannot be dated in the future."
    if errors:
        raise ValidationError(errors)
    consent = ConsentRecord(
        person=person, scopes=scopes, scope_note=scope_note.strip(), recipients=recipients.strip(),
        given_on=given_on, obtained_by=obtained_by or actor, interpreter=interpreter.strip(),
        interpreter_language=interpreter_language.strip(), recorded_by=actor, recorded_at=timezone.now(),
    )
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def consent_withdraw(
    *, actor: AbstractBaseUser, consent: ConsentRecord, withdrawn_on: date, note: str = "",
) -> ConsentWithdrawal:
    """Record that a consent was withdrawn: a new record, once per consent."""
    from django.utils import timezone

    _check_may_record_consent(actor, consent.person)
    ConsentRecord.objects.select_for_update().filter(pk=consent.pk).only("id").first()
    if ConsentWithdrawal.objects.filter(consent=consent).exists():
        raise ValidationError({"consent": "This consent has already been withdrawn."})
    if withdrawn_on and withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": "A consent cannot be withdrawn before it was given."})
    if withdrawn_on and withdrawn_on > timezone.localdate():
        raise ValidationError({"withdrawn_on": "A withdrawal cannot be dated in the future."})
    withdrawal = ConsentWithdrawal(consent=consent, person_id=consent.person_id, withdrawn_on=withdrawn_on,
                                   note=note.strip(), recorded_by=actor, recorded_at=timezone.now())
    withdrawal.full_clean()
    withdrawal.save()
    return withdrawal


def consent_in_force(person_ids: Iterable[int], scope: str) -> set[int]:
    """Which of these people have a consent covering `scope`, not withdrawn, and recorded after
    their latest withdrawal of any consent: a withdrawal speaks louder than an older consent
    that did not mention it; only a consent given anew afterwards outweighs it."""
    person_ids = list(person_ids)
    last_withdrawal: dict[int, Any] = {}
    for person_id, recorded_at in ConsentWithdrawal.objects.filter(person_id__in=person_ids).values_list(
            "person_id", "recorded_at"):
        last_withdrawal[person_id] = max(recorded_at, last_withdrawal.get(person_id, recorded_at))
    consents = ConsentRecord.objects.filter(person_id__in=person_ids, withdrawal__isnull=True)
    return {
        consent.person_id for consent in consents.only("person_id", "scopes", "recorded_at")
        if consent.covers(scope) and (consent.person_id not in last_withdrawal
                                      or consent.recorded_at > last_withdrawal[consent.person_id])
    }


# --- shared records: actors, places and sources --------------------------------------


@transaction.atomic
def shared_record_update(*, actor: AbstractBaseUser, record: Actor | Place | Source, **fields: Any) -> Actor | Place | Source:
    """Change an actor, place or source. A record is shared by every case that names it, so an
    investigator may change it only where their team uses it (or no case uses it yet)."""
    from catalogue.selectors import shared_records_changeable_by

    model = type(record)
    if not shared_records_changeable_by(actor, model).filter(pk=record.pk).exists():
        raise PermissionDenied(
            f"You can change this {model._meta.verbose_name} only if a case of your team names it, or no case does "
            "yet: it is shared with other teams' cases."
        )
    for name, value in fields.items():
        setattr(record, name, value)
    record.full_clean()
    record.save()
    return record
