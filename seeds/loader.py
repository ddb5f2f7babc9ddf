"""Loads seeds/data.py through the same services the admin and API use.

Idempotent: every record is looked up by its natural key first, so a second
run creates nothing and changes nothing already there (including edits made
since the first run).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction

from catalogue import services as case_services
from catalogue.models import Actor, Case, CaseSource, Place, Source, Team, VictimCount
from evidence.models import EvidenceItem
from evidence.services import evidence_register
from evidence.times import ITEM_TIMES, parse
from seeds import data, demo_exhibits

SEED_USERNAME = "seed-loader"


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _times(spec: dict) -> dict[str, datetime | str | None]:
    """An item's times as the data gives them ("2022-03" is known to the month); absent is unknown."""
    given: dict[str, datetime | str | None] = {}
    for name in ITEM_TIMES:
        if spec.get(name):
            value, precision = parse(spec[name])
            given[name], given[f"{name}_precision"] = value, spec.get(f"{name}_precision", precision)
    return given


def seed_user():
    """The account the demonstration data is filed under; it cannot log in."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=SEED_USERNAME, defaults={"is_superuser": True, "first_name": "Seed", "last_name": "loader"}
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


@transaction.atomic
def load(progress: Callable[[str], None] = lambda _msg: None, *, demo: bool = True) -> dict[str, int]:
    created = {"cases": 0, "places": 0, "sources": 0, "actors": 0, "evidence items": 0}
    user = seed_user()
    team, _ = Team.objects.get_or_create(slug=data.TEAM["slug"], defaults={"name": data.TEAM["name"]})

    places: dict[str, Place] = {}
    for spec in data.PLACES:
        fields = {k: v for k, v in spec.items() if k != "key"}
        place = Place.objects.filter(name=fields["name"], country=fields["country"], admin_area=fields["admin_area"]).first()
        if place is None:
            place = case_services.place_create(**fields)
            created["places"] += 1
        places[spec["key"]] = place

    sources: dict[str, Source] = {}
    for spec in data.SOURCES:
        sources[spec["key"]], new = Source.objects.get_or_create(
            name=spec["name"], defaults={"kind": spec["kind"], "description": spec["description"]}
        )
        created["sources"] += new

    actors: dict[str, Actor] = {}
    for spec in data.ACTORS:
        actors[spec["key"]], new = Actor.objects.get_or_create(
            name=spec["name"], defaults={"kind": spec["kind"], "affiliation": spec.get("affiliation", "")}
        )
        created["actors"] += new

    for number, spec in enumerate(data.CASES, start=1):
        progress(f"[{number}/{len(data.CASES)}] {spec['reference']} {spec['title'][:60]}")
        case = Case.objects.filter(reference=spec["reference"]).first()
        if case is None:
            case = case_services.case_create(
                actor=user, team=team, reference=spec["reference"], title=spec["title"], summary=spec["summary"],
                incident_start=_date(spec["incident_start"]), incident_end=_date(spec.get("incident_end")),
                date_precision=spec["date_precision"], status=spec["status"], sensitivity=spec["sensitivity"],
                places=[places[k] for k in spec["places"]], categories=spec["categories"],
                perpetrators=[actors[k] for k in spec["perpetrators"]],
            )
            created["cases"] += 1
        for link in spec["sources"]:
            if not CaseSource.objects.filter(case=case, source=sources[link["source"]]).exists():
                case_services.case_add_source(
                    case=case, source=sources[link["source"]], reliability=link["reliability"],
                    credibility=link["credibility"], statement=link["statement"],
                    reported_on=_date(link.get("reported_on")),
                )
        for figure in spec["victims"]:
            as_of = _date(figure.get("as_of"))
            source = sources[figure["source"]]
            if not VictimCount.objects.filter(case=case, category=figure["category"], source=source, as_of=as_of).exists():
                case_services.case_add_victim_count(
                    case=case, category=figure["category"], count=figure["count"], source=source, as_of=as_of,
                    note=figure.get("note", ""),
                )
        for spec_item in spec["evidence"]:
            if EvidenceItem.objects.filter(case=case, title=spec_item["title"]).exists():
                continue
            evidence_register(
                actor=user, case=case, kind=spec_item["kind"], title=spec_item["title"],
                description=spec_item["description"], held_by=spec_item["held_by"],
                source_url=spec_item.get("source_url", ""), captured_by=spec_item.get("captured_by", ""),
                via="seed", **_times(spec_item),
            )
            created["evidence items"] += 1
    if demo:
        progress(f"[demo] {demo_exhibits.REFERENCE} generated exhibits")
        created["evidence items"] += _load_demo_exhibits(user, team, places)
    return created


def _load_demo_exhibits(user, team: Team, places: dict[str, Place]) -> int:
    """The generated demonstration files (seeds/demo_exhibits.py), uploaded as an investigator
    would; the pipeline seals them once the seed's transaction commits."""
    spec = demo_exhibits.CASE
    case = Case.objects.filter(reference=spec["reference"]).first()
    if case is None:
        case = case_services.case_create(
            actor=user, team=team, reference=spec["reference"], title=spec["title"], summary=spec["summary"],
            date_precision=Case.DatePrecision.UNKNOWN, places=[places[k] for k in spec["places"]],
        )
    filed = 0
    for item in demo_exhibits.exhibits(places):
        if EvidenceItem.objects.filter(case=case, title=item["title"]).exists():
            continue
        evidence_register(
            actor=user, case=case, kind=item["kind"], title=item["title"], description=item["description"],
            file=ContentFile(item["data"], name=item["filename"]), original_filename=item["filename"], via="seed",
        )
        filed += 1
    return filed
