"""Evidence items as the API shows them, and what it accepts to file one."""

from __future__ import annotations

import copy

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalogue.api.serializers import StrictFieldsMixin, api_base, datetime_or_none
from catalogue.models import Place
from evidence.custody import utc_iso
from evidence.models import CapturePositionSource, CustodyEvent, EvidenceItem, ExhibitAnalysis
from evidence.times import ITEM_TIMES, ORDER, Precision, as_told, parse
from evidence.verification_records import STATUSES

TIME_HELP = ("ISO 8601 as far as known: 2022, 2022-03, 2022-03-16, 2022-03-16T14+02:00 (to the hour) or a full "
             "time with its offset (without one, UTC). Shown the same way: only as far as known.")


@extend_schema_field({"type": "string", "nullable": True, "example": "2022-03-16T14:05:00+02:00"})
class PartialTimeField(serializers.Field):
    """A time as far as it is known, in; (datetime, precision the text gives) out to validate()."""

    default_error_messages = {"invalid": "Not an ISO 8601 time ({problem}). " + TIME_HELP}

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_null=True, default=None, help_text=TIME_HELP, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", problem="give it as text")
        if not data.strip():
            return None
        try:
            return parse(data)
        except ValueError as exc:
            self.fail("invalid", problem=str(exc))

    def to_representation(self, value):
        return value


def _precision_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=Precision.choices, required=False, allow_null=True, default=None,
        help_text="Only to make the time given coarser; without it, the precision of the time as typed "
                  "(exact for a full time, unknown for none).",
    )


class ItemLinksSerializer(serializers.Serializer):
    self = serializers.CharField()
    content = serializers.CharField()
    custody = serializers.CharField()
    verify = serializers.CharField()
    case = serializers.CharField()


class BuiltOnceFieldsMixin:
    """A serializer's fields built once per class, then copied per instance.

    DRF builds them again for every instance (field kwargs, labels, validators from the
    model's meta); for the item's ~45 fields that was a fifth of a filing's CPU in
    bench/bench_filing.py. They depend only on the class, never on the instance or its
    context. Each instance gets a shallow copy of each: binding (field_name, parent,
    source) sets attributes on the copy alone, and nothing else about a leaf field changes
    after its __init__. A deepcopy, as DRF makes of declared fields, re-runs every field's
    __init__: building the fields of the filing form (25) took 0.26 ms and of the detail
    (~45) 0.36 ms, against 0.04 and 0.07 ms now. A field holding fields of its own (a
    nested serializer, a list's child) is bound to its parent, so it is deep-copied as DRF
    does. tests/api/test_filing_cost.py holds the copies equal to freshly built fields.
    """

    _built: dict[type, dict] = {}

    def get_fields(self):
        built = self._built.get(type(self))
        if built is None:
            built = self._built[type(self)] = super().get_fields()
        return {name: copy.deepcopy(field) if _holds_fields(field) else _shallow_copy(field)
                for name, field in built.items()}


def _holds_fields(field: serializers.Field) -> bool:
    # child: a list's or a dict's; child_relation: a many=True relation's (ManyRelatedField).
    return (isinstance(field, serializers.BaseSerializer) or hasattr(field, "child")
            or hasattr(field, "child_relation"))


def _shallow_copy(field: serializers.Field) -> serializers.Field:
    # What copy.copy makes of a field (no __copy__, no __slots__), at a third of its cost.
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


class EvidenceItemSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    case = serializers.CharField(source="case.reference", read_only=True)
    # Blank for uploads and references, so not a "uri" in the schema.
    source_url = serializers.CharField(read_only=True)
    # As far as known: "2022-03" for March 2022, never that month's first midnight.
    captured_at = serializers.SerializerMethodField(help_text=TIME_HELP)
    links = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceItem
        fields = [
            "id", "exhibit", "case", "kind", "title", "state", "sha256", "size", "media_type",
            "source_url", "held_by", "captured_at", "captured_at_precision", "created_at", "sealed_at",
            "withdrawn", "graphic_content", "risk_to_person", "links",
        ]
        read_only_fields = fields

    def to_representation(self, item: EvidenceItem | dict) -> dict:
        if not isinstance(item, dict):
            return super().to_representation(item)
        # A list row (evidence.selectors.items_for_listing), built directly as
        # CaseListSerializer's are; tests/api/test_representations.py holds the
        # two paths equal.
        return {
            "id": str(item["id"]), "exhibit": item["exhibit"], "case": item["case_reference"], "kind": item["kind"],
            "title": item["title"], "state": item["state"], "sha256": item["sha256"], "size": item["size"],
            "media_type": item["media_type"], "source_url": item["source_url"], "held_by": item["held_by"],
            "captured_at": as_told(item["captured_at"], item["captured_at_precision"]),
            "captured_at_precision": item["captured_at_precision"], "created_at": datetime_or_none(item["created_at"]),
            "sealed_at": datetime_or_none(item["sealed_at"]), "withdrawn": item["withdrawn"],
            "graphic_content": item["graphic_content"], "risk_to_person": item["risk_to_person"],
            "links": self._links(item["id"], item["case_reference"]),
        }

    def get_captured_at(self, item: EvidenceItem) -> str | None:
        return as_told(item.captured_at, item.captured_at_precision)

    @extend_schema_field(ItemLinksSerializer)
    def get_links(self, item: EvidenceItem) -> dict:
        return self._links(item.pk, item.case.reference)

    def _links(self, pk, case_reference: str) -> dict:
        base = api_base(self.context)
        own = f"{base}evidence/{pk}/"
        return {"self": own, "content": f"{own}content/", "custody": f"{own}custody/", "verify": f"{own}verify/",
                "case": f"{base}cases/{case_reference}/"}


class AnalysisSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ExhibitAnalysis.Kind.choices)
    stage = serializers.ChoiceField(choices=["source", "technical", "content"],
                                    help_text="The Berkeley Protocol's stage: geolocation and chronolocation "
                                              "are content analysis.")
    method = serializers.CharField()
    result = serializers.CharField()
    confidence = serializers.ChoiceField(choices=ExhibitAnalysis.Confidence.choices)
    analyst = serializers.CharField(help_text="The user name of who recorded it.")
    recorded_at = serializers.DateTimeField()


class SignOffSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    signer = serializers.CharField()
    note = serializers.CharField()
    analyses = serializers.ListField(child=serializers.IntegerField(), help_text="The analyses it confirmed.")
    signed_at = serializers.DateTimeField()


class VerificationSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=STATUSES)
    analyses = AnalysisSerializer(many=True)
    signoffs = SignOffSerializer(many=True)


class DerivativeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    exhibit = serializers.CharField()
    relation = serializers.ChoiceField(choices=EvidenceItem.Relation.choices)


class CapturePositionSerializer(serializers.Serializer):
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, help_text="WGS 84 decimal degrees.")
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6)
    precision = serializers.ChoiceField(choices=Place.Precision.choices,
                                        help_text="What the source supports, on the scale of a place's precision.")
    uncertainty_m = serializers.FloatField(allow_null=True, help_text="Radius in metres; null when the source "
                                                                      "gave no figure to work it out from.")
    source = serializers.ChoiceField(choices=CapturePositionSource.choices,
                                     help_text="Who or what stated it: `exif_gps`, the file's own GPS data.")


class EvidenceItemDetailSerializer(EvidenceItemSerializer):
    capture_place = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    capture_position = serializers.SerializerMethodField(
        help_text="Where it was captured as a point, when a source states one (today the file's EXIF GPS, "
                  "never over a capture place a person gave), or null.")
    derived_from = serializers.SerializerMethodField(
        help_text="The source item's id, or null: not derived, or derived from an item you may not see "
                  "(`relation` and `derived_from_sha256` then still say what it was made from).")
    method = serializers.CharField(source="derivation_method", read_only=True)
    made_by = serializers.CharField(source="derived_by", read_only=True)
    derivatives = serializers.SerializerMethodField()
    verification = serializers.SerializerMethodField(
        help_text="Verification per exhibit (Berkeley Protocol): `status` (unverified, partial: one sign-off, "
                  "verified: two people), the analyses and the sign-offs, oldest first.")
    published_at = serializers.SerializerMethodField(help_text="When the source published it. " + TIME_HELP)
    uploaded_at = serializers.SerializerMethodField(
        help_text="When it was uploaded to the platform it came from. " + TIME_HELP)
    acquired_at = serializers.SerializerMethodField(help_text="When we or the submitter acquired this copy. " + TIME_HELP)
    consent_dependencies = serializers.SerializerMethodField(
        help_text="Pseudonyms of the protected people whose consent this exhibit's use depends on.")
    cases = serializers.SerializerMethodField(
        help_text="The owning case's reference first (its exhibit number, visibility and export follow it), "
                  "then the cases the item is linked to that you may see, by reference.")

    class Meta(EvidenceItemSerializer.Meta):
        fields = [
            *EvidenceItemSerializer.Meta.fields[:8],
            "sha512", "sha1", "md5", "declared_sha256", "metadata", "description", "original_filename",
            "captured_by", "capture_place", "capture_position", "published_at", "published_at_precision", "uploaded_at",
            "uploaded_at_precision", "acquired_at", "acquired_at_precision", "error",
            "derived_from", "relation", "derived_from_sha256", "method", "made_by", "derivatives",
            "risk_note", "consent_dependencies", "cases",
            *EvidenceItemSerializer.Meta.fields[8:], "verification",
        ]
        read_only_fields = fields

    def to_representation(self, item: EvidenceItem) -> dict:
        # Built directly, as the list rows are: DRF makes ~50 field objects for this
        # serializer on every request and walks them, about 3 ms of CPU per read
        # (bench/api_cpu.py). tests/api/test_representations.py holds it equal to the generic path.
        def text(value) -> str:
            return str(value)

        return {
            "id": str(item.pk), "exhibit": text(item.exhibit), "case": item.case.reference, "kind": text(item.kind),
            "title": text(item.title), "state": text(item.state), "sha256": text(item.sha256),
            "size": None if item.size is None else int(item.size),
            "sha512": text(item.sha512), "sha1": text(item.sha1), "md5": text(item.md5),
            "declared_sha256": text(item.declared_sha256), "metadata": item.metadata,
            "description": text(item.description), "original_filename": text(item.original_filename),
            "captured_by": text(item.captured_by), "capture_place": item.capture_place_id,
            "capture_position": self.get_capture_position(item),
            "published_at": self.get_published_at(item), "published_at_precision": text(item.published_at_precision),
            "uploaded_at": self.get_uploaded_at(item), "uploaded_at_precision": text(item.uploaded_at_precision),
            "acquired_at": self.get_acquired_at(item), "acquired_at_precision": text(item.acquired_at_precision),
            "error": text(item.error), "derived_from": self.get_derived_from(item), "relation": text(item.relation),
            "derived_from_sha256": text(item.derived_from_sha256), "method": text(item.derivation_method),
            "made_by": text(item.derived_by), "derivatives": self.get_derivatives(item),
            "risk_note": text(item.risk_note), "consent_dependencies": self.get_consent_dependencies(item),
            "cases": self.get_cases(item), "media_type": text(item.media_type), "source_url": text(item.source_url),
            "held_by": text(item.held_by), "captured_at": self.get_captured_at(item),
            "captured_at_precision": text(item.captured_at_precision),
            "created_at": datetime_or_none(item.created_at), "sealed_at": datetime_or_none(item.sealed_at),
            "withdrawn": item.withdrawn, "graphic_content": item.graphic_content,
            "risk_to_person": item.risk_to_person, "links": self.get_links(item),
            "verification": self.get_verification(item),
        }

    @extend_schema_field(CapturePositionSerializer(allow_null=True))
    def get_capture_position(self, item: EvidenceItem) -> dict | None:
        if item.capture_latitude is None:
            return None
        return {"latitude": str(item.capture_latitude), "longitude": str(item.capture_longitude),
                "precision": item.capture_position_precision, "uncertainty_m": item.capture_position_uncertainty_m,
                "source": item.capture_position_source}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_consent_dependencies(self, item: EvidenceItem) -> list[str]:
        if self.context.get("new_item"):
            return []
        return list(item.consent_dependencies.order_by("person__pseudonym").values_list("person__pseudonym", flat=True))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_cases(self, item: EvidenceItem) -> list[str]:
        from evidence.case_links import case_references_of

        request = self.context.get("request")
        if request is None or self.context.get("new_item"):
            return [item.case.reference]
        return case_references_of(item, request.user)

    def get_published_at(self, item: EvidenceItem) -> str | None:
        return as_told(item.published_at, item.published_at_precision)

    def get_uploaded_at(self, item: EvidenceItem) -> str | None:
        return as_told(item.uploaded_at, item.uploaded_at_precision)

    def get_acquired_at(self, item: EvidenceItem) -> str | None:
        return as_told(item.acquired_at, item.acquired_at_precision)

    def _derivation(self, item: EvidenceItem) -> dict:
        # derived_from and derivatives come from one query, made once per item shown.
        cache = self.context.setdefault("_derivation", {})
        if self.context.get("new_item"):  # filed just now, not derived (the view reads a derivative back)
            cache[item.pk] = {"derived_from": None, "derivatives": []}
        if item.pk not in cache:
            from evidence.derivation import links_visible

            request = self.context.get("request")
            cache[item.pk] = (links_visible(item, request.user) if request is not None
                              else {"derived_from": None, "derivatives": []})
        return cache[item.pk]

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_derived_from(self, item: EvidenceItem) -> str | None:
        return self._derivation(item)["derived_from"]

    @extend_schema_field(DerivativeSerializer(many=True))
    def get_derivatives(self, item: EvidenceItem) -> list[dict]:
        return self._derivation(item)["derivatives"]

    @extend_schema_field(VerificationSerializer)
    def get_verification(self, item: EvidenceItem) -> dict:
        from evidence.verification_records import status_for, verification_of

        if self.context.get("new_item"):
            return {"status": status_for(0), "analyses": [], "signoffs": []}
        return verification_of(item)


class AnalysisCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    """What evidence.verification_records.analysis_record takes; it checks the rules."""

    kind = serializers.ChoiceField(choices=ExhibitAnalysis.Kind.choices)
    method = serializers.CharField(max_length=10000, help_text="How it was done: tools, sources, steps.")
    result = serializers.CharField(max_length=10000, help_text="What it found.")
    confidence = serializers.ChoiceField(choices=ExhibitAnalysis.Confidence.choices)


class CaseLinkCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    """What evidence.case_links.item_link_case takes; it checks the rules."""

    case = serializers.CharField(max_length=40, help_text="The reference of the case to link the item to.")
    reason = serializers.CharField(max_length=2000, help_text="Why the item bears on that case.")


class SignOffCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(max_length=10000, help_text="What the signer checked and confirms.")


class VisiblePlaceField(serializers.PrimaryKeyRelatedField):
    """A place by id, among those the filer (context "user") may see: a place only hidden cases use
    is no more nameable by id than it is visible. The rule's query is built only when a place is
    given (building it took a tenth of a filing's CPU)."""

    def get_queryset(self):
        user = self.context.get("user")
        if user is None:
            return super().get_queryset()
        from catalogue.selectors import places_visible_to

        return places_visible_to(user)


class EvidenceRegisterSerializer(StrictFieldsMixin, BuiltOnceFieldsMixin, serializers.Serializer):
    """The fields of evidence.services.evidence_register; it checks the rules."""

    case = serializers.CharField(max_length=40, help_text="The case's reference.")
    kind = serializers.ChoiceField(choices=EvidenceItem.Kind.choices)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    file = serializers.FileField(required=False, allow_empty_file=True, use_url=False,
                                 help_text="The media (multipart only).")
    source_url = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000,
                                       help_text="Online media for the pipeline to fetch and archive.")
    held_by = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                    help_text="A reference: who holds the original.")
    declared_sha256 = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                            help_text="The SHA-256 the submitter says the file has.")
    captured_at = PartialTimeField()
    captured_at_precision = _precision_field()
    captured_by = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    capture_place = VisiblePlaceField(queryset=Place.objects.all(), required=False, allow_null=True, default=None)
    published_at = PartialTimeField()
    published_at_precision = _precision_field()
    uploaded_at = PartialTimeField()
    uploaded_at_precision = _precision_field()
    acquired_at = PartialTimeField()
    acquired_at_precision = _precision_field()
    derived_from = serializers.UUIDField(required=False, allow_null=True, default=None,
                                         help_text="For a derived item: the id of the item it was made from "
                                                   "(sealed, and one you may see).")
    relation = serializers.ChoiceField(choices=EvidenceItem.Relation.choices, required=False, allow_blank=True,
                                       default="", help_text="What this item is of `derived_from`.")
    method = serializers.CharField(source="derivation_method", required=False, allow_blank=True, default="",
                                   max_length=5000, help_text="How the derivative was made.")
    made_by = serializers.CharField(source="derived_by", required=False, allow_blank=True, default="",
                                    max_length=200, help_text="Who made the derivative (person, lab or tool).")
    graphic_content = serializers.BooleanField(required=False, default=False)
    risk_to_person = serializers.BooleanField(required=False, default=False)
    risk_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)

    def validate(self, attrs: dict) -> dict:
        """Each time and its precision, flat for the service: the precision typed, or coarser if said."""
        errors = {}
        for name in ITEM_TIMES:
            key = f"{name}_precision"
            value, typed = attrs.get(name) or (None, None)
            said = attrs.get(key)
            if value is not None and said and ORDER.index(said) > ORDER.index(typed):
                errors[key] = f"The time given is known only to the {typed}; it cannot be more precise."
            attrs[name], attrs[key] = value, said or typed
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ItemFlagsSerializer(StrictFieldsMixin, serializers.Serializer):
    """What a PATCH of an item may change: its handling flags (evidence.services.item_set_flags)."""

    graphic_content = serializers.BooleanField(required=False)
    risk_to_person = serializers.BooleanField(required=False)
    risk_note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class CustodyEventSerializer(serializers.ModelSerializer):
    # The times exactly as the entry hash covers them, so anyone can recompute it.
    occurred_at = serializers.SerializerMethodField()
    recorded_at = serializers.SerializerMethodField()
    # True while the sequencer has not integrated the entry (log_index is then null).
    log_pending = serializers.SerializerMethodField()

    class Meta:
        model = CustodyEvent
        fields = ["seq", "action", "outcome", "actor", "occurred_at", "recorded_at", "details",
                  "prev_hash", "entry_hash", "log_index", "log_pending"]
        read_only_fields = fields

    def get_occurred_at(self, event: CustodyEvent) -> str | None:
        # Null when nobody knows when it happened; `details` then say as much as is known.
        return utc_iso(event.occurred_at) if event.occurred_at else None

    def get_recorded_at(self, event: CustodyEvent) -> str:
        return utc_iso(event.recorded_at)

    def get_log_pending(self, event: CustodyEvent) -> bool:
        return event.log_index is None


class HashMatchSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    count = serializers.IntegerField()
    items = EvidenceItemSerializer(many=True)
