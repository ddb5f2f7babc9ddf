"""Case records as the API shows them, and what it accepts to create or change one."""

from __future__ import annotations

from datetime import UTC, datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from catalogue.models import Actor, Case, CaseChangeRequest, CaseSource, CrimeCategory, Place, Team, VictimCount


class StrictFieldsMixin:
    """Refuses body fields the serializer does not know: nothing is silently dropped."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data.keys()) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {name: "Unknown or read-only field; it cannot be set here." for name in unknown}
                )
        return super().to_internal_value(data)


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["slug", "name"]


class PlaceSerializer(serializers.ModelSerializer):
    aliases = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Place
        fields = ["id", "name", "aliases", "admin_area", "country", "latitude", "longitude", "precision"]


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = CrimeCategory
        fields = ["code", "group", "name"]


class ActorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Actor
        fields = ["id", "name", "kind", "affiliation"]


class CaseSourceSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="source.id", read_only=True)
    name = serializers.CharField(source="source.name", read_only=True)
    kind = serializers.CharField(source="source.kind", read_only=True)
    grading = serializers.CharField(read_only=True, help_text="Admiralty code: reliability A–F, credibility 1–6.")

    class Meta:
        model = CaseSource
        fields = ["id", "name", "kind", "reliability", "credibility", "grading", "statement", "reported_on"]


class VictimCountSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.name", read_only=True)

    class Meta:
        model = VictimCount
        fields = ["category", "count", "source", "as_of", "note"]


class EvidenceSummarySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    sealed = serializers.IntegerField(required=False)
    total_bytes = serializers.IntegerField(required=False, allow_null=True)
    by_state = serializers.DictField(child=serializers.IntegerField(), required=False)
    by_kind = serializers.DictField(child=serializers.IntegerField(), required=False)
    linked = serializers.ListField(
        child=serializers.DictField(), required=False,
        help_text="Items of other cases linked to this one that you may see: {id, exhibit, case (its owning "
                  "case)}. Not counted above; the case's export packs only its own items.")
    url = serializers.CharField()


def api_base(context: dict) -> str:
    """The absolute /api/v1/ prefix, built once per response: reverse() per row and
    link costs more than the rest of a list row (measured in bench/bench_api.py)."""
    if "_api_base" not in context:
        context["_api_base"] = reverse("case-list", request=context.get("request")).rsplit("cases/", 1)[0]
    return context["_api_base"]


# DRF's own formatting (ISO 8601), for the hand-built rows below.
_date = serializers.DateField().to_representation
_coordinate = serializers.DecimalField(max_digits=9, decimal_places=6).to_representation


def decimal_or_none(value):
    return None if value is None else _coordinate(value)


def date_or_none(value):
    return None if value is None else _date(value)


def datetime_or_none(value: datetime | None) -> str | None:
    """As DRF writes a time with TIME_ZONE = "UTC" (ISO 8601, "Z"), without its
    per-call time-zone lookup: three of these per evidence row added up."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class CaseListSerializer(serializers.ModelSerializer):
    """A case in a list: what it is, where, which crimes, how much evidence.
    Sources, perpetrators and victim figures are in the detail."""

    url = serializers.SerializerMethodField()
    team = serializers.CharField(source="team.slug", read_only=True)
    places = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
    evidence_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Case
        fields = [
            "reference", "url", "title", "status", "sensitivity", "team", "incident_start", "incident_end",
            "date_precision", "places", "categories", "evidence_count", "created_at", "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, case: Case | dict) -> dict:
        # The fields above, built directly: DRF's per-field machinery costs about
        # 60 µs a row, more than the row's share of the SQL (bench/bench_api.py).
        # tests/api/test_representations.py holds this equal to the generic path.
        if isinstance(case, dict):  # a list row (catalogue.selectors.cases_for_listing, facts attached)
            return {
                "reference": case["reference"], "url": f"{api_base(self.context)}cases/{case['reference']}/",
                "title": case["title"], "status": case["status"], "sensitivity": case["sensitivity"],
                "team": case["team_slug"], "incident_start": date_or_none(case["incident_start"]),
                "incident_end": date_or_none(case["incident_end"]), "date_precision": case["date_precision"],
                "places": case["list_places"], "categories": case["list_categories"],
                "evidence_count": case["evidence_count"], "created_at": datetime_or_none(case["created_at"]),
                "updated_at": datetime_or_none(case["updated_at"]),
            }
        return {
            "reference": case.reference, "url": self.get_url(case), "title": case.title,
            "status": case.status, "sensitivity": case.sensitivity, "team": case.team.slug,
            "incident_start": date_or_none(case.incident_start), "incident_end": date_or_none(case.incident_end),
            "date_precision": case.date_precision, "places": self.get_places(case),
            "categories": self.get_categories(case), "evidence_count": case.evidence_count,
            "created_at": datetime_or_none(case.created_at), "updated_at": datetime_or_none(case.updated_at),
        }

    def get_url(self, case: Case) -> str:
        return f"{api_base(self.context)}cases/{case.reference}/"

    # The list view attaches places and codes to the page (catalogue.selectors.case_list_facts).

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_places(self, case: Case) -> list[dict]:
        if hasattr(case, "list_places"):
            return case.list_places
        return [{"id": p.id, "name": p.name, "country": p.country} for p in case.places.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_categories(self, case: Case) -> list[str]:
        if hasattr(case, "list_categories"):
            return case.list_categories
        return [c.code for c in case.categories.all()]


class CaseSerializer(serializers.ModelSerializer):
    """A case with all it holds: places, qualification, sources with their
    grading, perpetrators, victim figures and a summary of its evidence."""

    url = serializers.SerializerMethodField()
    team = TeamSerializer(read_only=True)
    places = PlaceSerializer(many=True, read_only=True)
    categories = CategorySerializer(many=True, read_only=True)
    perpetrators = ActorSerializer(many=True, read_only=True)
    sources = CaseSourceSerializer(source="case_sources", many=True, read_only=True)
    victim_counts = VictimCountSerializer(many=True, read_only=True)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "reference", "url", "title", "summary", "status", "sensitivity", "team",
            "incident_start", "incident_end", "date_precision",
            "places", "categories", "perpetrators", "sources", "victim_counts", "evidence",
            "created_at", "updated_at",
        ]

    def to_representation(self, case: Case) -> dict:
        facts = getattr(case, "detail_facts", None)
        if facts is None:
            return super().to_representation(case)
        # Built directly from catalogue.selectors.case_detail_facts, as the list
        # rows are; tests/api/test_representations.py holds it equal to the generic path.
        return {
            "reference": case.reference, "url": self.get_url(case), "title": case.title, "summary": case.summary,
            "status": case.status, "sensitivity": case.sensitivity,
            "team": {"slug": case.team.slug, "name": case.team.name},
            "incident_start": date_or_none(case.incident_start), "incident_end": date_or_none(case.incident_end),
            "date_precision": case.date_precision,
            "places": [
                {"id": p.id, "name": p.name, "aliases": list(p.aliases or []), "admin_area": p.admin_area,
                 "country": p.country, "latitude": decimal_or_none(p.latitude),
                 "longitude": decimal_or_none(p.longitude), "precision": p.precision}
                for p in facts["places"]
            ],
            "categories": [{"code": c.code, "group": c.group, "name": c.name} for c in facts["categories"]],
            "perpetrators": [
                {"id": a.id, "name": a.name, "kind": a.kind, "affiliation": a.affiliation} for a in facts["perpetrators"]
            ],
            "sources": [
                {"id": s.source_id, "name": s.source_name, "kind": s.source_kind, "reliability": s.reliability,
                 "credibility": s.credibility, "grading": s.grading, "statement": s.statement,
                 "reported_on": date_or_none(s.reported_on)}
                for s in facts["sources"]
            ],
            "victim_counts": [
                {"category": v.category, "count": v.count, "source": v.source_name,
                 "as_of": date_or_none(v.as_of), "note": v.note}
                for v in facts["victim_counts"]
            ],
            "evidence": self.get_evidence(case),
            "created_at": datetime_or_none(case.created_at), "updated_at": datetime_or_none(case.updated_at),
        }

    def get_url(self, case: Case) -> str:
        return f"{api_base(self.context)}cases/{case.reference}/"

    @extend_schema_field(EvidenceSummarySerializer)
    def get_evidence(self, case: Case) -> dict:
        url = f"{api_base(self.context)}evidence/?case={case.reference}"
        summary = getattr(case, "evidence_summary", None) or {"count": getattr(case, "evidence_count", 0) or 0}
        return {**summary, "url": url}


class CaseWriteSerializer(StrictFieldsMixin, serializers.Serializer):
    """What an investigator may set through catalogue.services.case_create / case_update."""

    reference = serializers.CharField(required=False, max_length=40, help_text="Left out: the next free UA-<year>-NNNN.")
    team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False,
        help_text="The owning team's slug; needed only if you are on more than one team.",
    )
    title = serializers.CharField(max_length=300)
    summary = serializers.CharField(required=False, allow_blank=True)
    incident_start = serializers.DateField(required=False, allow_null=True)
    incident_end = serializers.DateField(required=False, allow_null=True)
    date_precision = serializers.ChoiceField(choices=Case.DatePrecision.choices, required=False)
    sensitivity = serializers.ChoiceField(choices=Case.Sensitivity.choices, required=False)
    places = serializers.PrimaryKeyRelatedField(queryset=Place.objects.all(), many=True, required=False)
    categories = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False,
        help_text="Elements of Crimes codes, e.g. 7(1)(g)-1, 8bis; not a group (7(1)(g)) nor 8(2)(b)(xx).",
    )
    perpetrators = serializers.PrimaryKeyRelatedField(queryset=Actor.objects.all(), many=True, required=False)
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, write_only=True,
        help_text="Why: needed when a change lowers the sensitivity or moves the case to another team "
                  "(such a change waits for a second reviewer).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.context.get("user")
        if user is not None:
            # Only shared records the user may see can be named: an id is not a way round the rule.
            from catalogue.selectors import actors_visible_to, places_visible_to

            self.fields["places"].child_relation.queryset = places_visible_to(user)
            self.fields["perpetrators"].child_relation.queryset = actors_visible_to(user)


class CaseChangeRequestSerializer(serializers.ModelSerializer):
    """A request to lower a case's sensitivity or move it to another team, and its decision."""

    case = serializers.CharField(source="case.reference", read_only=True)
    from_team = serializers.CharField(source="from_team.slug", read_only=True)
    team = serializers.CharField(source="team.slug", read_only=True, allow_null=True)
    requested_by = serializers.CharField(source="requested_by.get_username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.get_username", read_only=True, allow_null=True)
    sensitivity = serializers.CharField(read_only=True, help_text="The sensitivity asked for; blank: unchanged.")
    url = serializers.SerializerMethodField()

    class Meta:
        model = CaseChangeRequest
        fields = [
            "id", "url", "case", "state", "from_sensitivity", "sensitivity", "from_team", "team", "reason",
            "requested_by", "requested_at", "decided_by", "decided_at", "decision_note",
        ]
        read_only_fields = fields

    def get_url(self, change: CaseChangeRequest) -> str:
        return f"{api_base(self.context)}cases/{change.case.reference}/changes/{change.pk}/"


class ChangeDecisionSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000,
                                 help_text="Why, for the record.")
