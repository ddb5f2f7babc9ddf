"""Evidence items as the API shows them, and what it accepts to file one."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalogue.api.serializers import StrictFieldsMixin, api_base, datetime_or_none
from catalogue.models import Place
from evidence.custody import utc_iso
from evidence.models import CustodyEvent, EvidenceItem


class ItemLinksSerializer(serializers.Serializer):
    self = serializers.CharField()
    content = serializers.CharField()
    custody = serializers.CharField()
    verify = serializers.CharField()
    case = serializers.CharField()


class EvidenceItemSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.reference", read_only=True)
    # Blank for uploads and references, so not a "uri" in the schema.
    source_url = serializers.CharField(read_only=True)
    links = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceItem
        fields = [
            "id", "exhibit", "case", "kind", "title", "state", "sha256", "size", "media_type",
            "source_url", "held_by", "captured_at", "created_at", "sealed_at", "withdrawn", "links",
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
            "captured_at": datetime_or_none(item["captured_at"]), "created_at": datetime_or_none(item["created_at"]),
            "sealed_at": datetime_or_none(item["sealed_at"]), "withdrawn": item["withdrawn"],
            "links": self._links(item["id"], item["case_reference"]),
        }

    @extend_schema_field(ItemLinksSerializer)
    def get_links(self, item: EvidenceItem) -> dict:
        return self._links(item.pk, item.case.reference)

    def _links(self, pk, case_reference: str) -> dict:
        base = api_base(self.context)
        own = f"{base}evidence/{pk}/"
        return {"self": own, "content": f"{own}content/", "custody": f"{own}custody/", "verify": f"{own}verify/",
                "case": f"{base}cases/{case_reference}/"}


class EvidenceItemDetailSerializer(EvidenceItemSerializer):
    capture_place = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta(EvidenceItemSerializer.Meta):
        fields = [
            *EvidenceItemSerializer.Meta.fields[:8],
            "sha512", "sha1", "md5", "declared_sha256", "metadata", "description", "original_filename",
            "captured_by", "capture_place", "error", *EvidenceItemSerializer.Meta.fields[8:],
        ]
        read_only_fields = fields


class EvidenceRegisterSerializer(StrictFieldsMixin, serializers.Serializer):
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
    captured_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    captured_by = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    capture_place = serializers.PrimaryKeyRelatedField(queryset=Place.objects.all(), required=False,
                                                       allow_null=True, default=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.context.get("user")
        if user is not None:
            from catalogue.selectors import places_visible_to

            # A place only hidden cases use is no more nameable by id than it is visible.
            self.fields["capture_place"].queryset = places_visible_to(user)


class CustodyEventSerializer(serializers.ModelSerializer):
    # The times exactly as the entry hash covers them, so anyone can recompute it.
    occurred_at = serializers.SerializerMethodField()
    recorded_at = serializers.SerializerMethodField()

    class Meta:
        model = CustodyEvent
        fields = ["seq", "action", "outcome", "actor", "occurred_at", "recorded_at", "details",
                  "prev_hash", "entry_hash", "log_index"]
        read_only_fields = fields

    def get_occurred_at(self, event: CustodyEvent) -> str:
        return utc_iso(event.occurred_at)

    def get_recorded_at(self, event: CustodyEvent) -> str:
        return utc_iso(event.recorded_at)


class HashMatchSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    count = serializers.IntegerField()
    items = EvidenceItemSerializer(many=True)
