"""The Merkle log through the API: its public key, signed tree heads and RFC 9162 proofs.

Thin doors onto evidence.signing and evidence.log_store. Nothing here signs
(the one signer is a worker, evidence.ledger_tasks) and nothing here needs the
private key: GET /log/head/ returns the latest signed head with its RFC 3161
token, and says how many entries came after it (pending the next head);
before the first head it is a 404, code `no_signed_head`. Proofs default to the latest
signed head. An entry the sequencer has not integrated yet has no log index and no
proof: asking for one is a 409, code `pending`. Inclusion proofs are given only for entries of items the caller
may see (anything else is a 404, as elsewhere).
"""

from __future__ import annotations

import base64
import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_errors import Conflict
from evidence import ledger_keys, log_store, sequencer, signing
from evidence.custody import event_as_entry
from evidence.models import CustodyEvent, HeadTimestamp, TreeHead
from evidence.selectors import items_visible_to

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


# Response shapes, for the OpenAPI schema (the views build plain dicts).
class EntryPending(Conflict):
    """A custody entry not yet integrated into the log: its proof does not exist yet (409)."""

    default_code = "pending"


class PublicKeySerializer(serializers.Serializer):
    key_id = serializers.CharField(help_text="SHA-256 of the public key's DER encoding, hex.")
    public_key_pem = serializers.CharField()


class KeySerializer(serializers.Serializer):
    algorithm = serializers.CharField()
    key_id = serializers.CharField(help_text="The key of the latest signed head (else the newest key).")
    public_key_pem = serializers.CharField()
    key_id_is = serializers.CharField()
    keys = PublicKeySerializer(many=True, help_text="Every trusted key, retired ones included (rotation).")


class HeadSerializer(serializers.Serializer):
    tree_size = serializers.IntegerField()
    root_hash = serializers.CharField()
    timestamp = serializers.CharField()
    timestamp_ms = serializers.IntegerField()
    signature = serializers.CharField(help_text="Ed25519 over the TreeHeadDataV2 bytes, base64.")
    key_id = serializers.CharField()
    algorithm = serializers.CharField()
    signed_data = serializers.CharField()


class HeadWithStampSerializer(HeadSerializer):
    timestamp_token = serializers.CharField(
        allow_null=True, help_text="The RFC 3161 TimeStampResp (DER, base64) over the signed bytes, or null.")
    timestamp_gen_time = serializers.CharField(allow_null=True)
    tsa_url = serializers.CharField(allow_null=True)
    log_size = serializers.IntegerField(help_text="Entries in the log now.")
    entries_pending = serializers.IntegerField(help_text="Entries after this head, waiting for the next one.")


class NoSignedHead(APIException):
    # A 404, not a 503: a new install is in a normal state, not failing (and a 5xx pages an operator).
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = (_("No tree head has been signed yet. The signer (a worker, every "
                      "LEDGER_HEAD_INTERVAL_SECONDS) signs the first one once the log has entries; try again then."))
    default_code = "no_signed_head"


NO_HEAD = OpenApiResponse(description="No tree head has been signed yet (`code`: no_signed_head), "
                                      "or no such record.")


def latest_head() -> TreeHead:
    head = signing.current_head()
    if head is None:
        raise NoSignedHead()
    return head


class InclusionSerializer(serializers.Serializer):
    log_index = serializers.IntegerField()
    tree_size = serializers.IntegerField()
    leaf_hash = serializers.CharField()
    entry_hash = serializers.CharField()
    item = serializers.UUIDField()
    exhibit = serializers.CharField()
    entry = serializers.DictField(help_text="The custody entry as hashed, with its log_index.")
    audit_path = serializers.ListField(child=serializers.CharField())
    root_hash = serializers.CharField()
    head = HeadSerializer(allow_null=True)


class ConsistencySerializer(serializers.Serializer):
    first = serializers.IntegerField()
    second = serializers.IntegerField()
    first_root_hash = serializers.CharField()
    second_root_hash = serializers.CharField()
    proof = serializers.ListField(child=serializers.CharField())
    first_head = HeadSerializer(allow_null=True)
    second_head = HeadSerializer(allow_null=True)


def _int_param(request, name: str, *, required: bool = False) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        if required:
            raise ValidationError({name: _("This parameter is required.")})
        return None
    # ASCII digits only: str.isdigit() also passes "²" and "٣", which int() then refuses or reads.
    if not (raw.isascii() and raw.isdigit()):
        raise ValidationError({name: f"Expected a whole number of 0 or more, got {raw!r}."})
    if len(raw.lstrip("0")) > 18:
        raise ValidationError({name: _("The number is larger than any log can hold.")})
    return int(raw)


def _tree_size(request, name: str, log_size: int) -> int | None:
    value = _int_param(request, name)
    if value is not None and value > log_size:
        raise ValidationError({name: f"Tree size {value} is beyond the log, which holds {log_size} entries."})
    return value


def _head_for(tree_size: int) -> dict | None:
    head = TreeHead.objects.filter(tree_size=tree_size).order_by("-timestamp").first()
    return signing.head_as_dict(head) if head else None


class LogKeyView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="The log's Ed25519 public keys (PEM) and their fingerprints (key_id)",
                   responses={200: KeySerializer, 404: OpenApiResponse(description="No key is published yet.")})
    def get(self, request):
        trusted = ledger_keys.trusted_keys()
        if not trusted:
            raise NoSignedHead("No public key is published yet: the signer adds its key when it first signs.")
        head = signing.current_head()
        key_id = head.key_id if head is not None and head.key_id in trusted else next(iter(trusted))
        return Response({
            "algorithm": signing.ALGORITHM, "key_id": key_id, "public_key_pem": trusted[key_id],
            "key_id_is": "SHA-256 of the public key's DER (SubjectPublicKeyInfo) encoding, hex",
            "keys": [{"key_id": k, "public_key_pem": pem} for k, pem in trusted.items()],
        })


class LogHeadView(APIView):
    @extend_schema(summary="The latest signed tree head, with its RFC 3161 token (404 before the first head)",
                   responses={200: HeadWithStampSerializer, 404: NO_HEAD})
    def get(self, request):
        head = latest_head()
        stamp = HeadTimestamp.objects.filter(head=head).first()
        log_size = log_store.size()
        queued = sequencer.pending_count()
        return Response({
            **signing.head_as_dict(head),
            "timestamp_token": base64.b64encode(bytes(stamp.token)).decode("ascii") if stamp else None,
            "timestamp_gen_time": stamp.gen_time.isoformat().replace("+00:00", "Z") if stamp else None,
            "tsa_url": stamp.tsa_url if stamp else None,
            "log_size": log_size,
            # Pending: integrated after this head, or still queued for the sequencer.
            "entries_pending": max(log_size - head.tree_size, 0) + queued,
            "entries_queued": queued,
        })


class InclusionProofView(APIView):
    @extend_schema(
        summary="RFC 9162 inclusion proof for one custody entry (by log index or entry_hash)",
        responses={200: InclusionSerializer, 404: NO_HEAD},
        parameters=[
            OpenApiParameter("index", OpenApiTypes.INT, description="The entry's log index (0-based)."),
            OpenApiParameter("entry_hash", OpenApiTypes.STR, description="The entry's entry_hash (64 hex)."),
            OpenApiParameter("tree_size", OpenApiTypes.INT,
                             description="Prove into this tree size (default: the latest signed head)."),
        ],
    )
    def get(self, request):
        index = _int_param(request, "index")
        digest = request.query_params.get("entry_hash")
        if (index is None) == (digest is None):
            raise ValidationError({"non_field_errors": _("Give exactly one of `index` and `entry_hash`.")})
        if digest is not None and not _HEX64.match(digest):
            raise ValidationError({"entry_hash": _("An entry_hash is 64 hexadecimal characters.")})
        log_size = log_store.size()
        tree_size = _tree_size(request, "tree_size", log_size)
        head = None
        if tree_size is None:
            head = signing.head_as_dict(latest_head())
            tree_size = head["tree_size"]
        events = CustodyEvent.objects.filter(item__in=items_visible_to(request.user)).select_related("item")
        event = (events.filter(log_index=index) if digest is None else events.filter(entry_hash=digest.lower())).first()
        if event is None:
            raise NotFound(_("No custody entry with that log index or entry_hash, or none that you may see."))
        if event.log_index is None:
            raise EntryPending(
                _("The entry is pending: the sequencer has not yet integrated it into the log, so there is "
                  "no inclusion proof yet. Ask again in a few seconds.")
            )
        if event.log_index >= tree_size:
            raise ValidationError({"tree_size": f"The entry is at log index {event.log_index}, "
                                                f"so it is not in a tree of size {tree_size}."})
        proof = log_store.inclusion_proof(event.log_index, tree_size)
        return Response({
            "log_index": event.log_index, "tree_size": tree_size,
            "leaf_hash": signing.entry_leaf_hash(event).hex(), "entry_hash": event.entry_hash,
            "item": str(event.item_id), "exhibit": event.item.exhibit,
            "entry": event_as_entry(event),
            "audit_path": [h.hex() for h in proof],
            "root_hash": log_store.root(tree_size).hex(),
            "head": head or _head_for(tree_size),
        })


class ConsistencyProofView(APIView):
    @extend_schema(
        summary="RFC 9162 consistency proof between two tree sizes",
        responses={200: ConsistencySerializer, 404: NO_HEAD},
        parameters=[
            OpenApiParameter("first", OpenApiTypes.INT, required=True, description="The older tree size."),
            OpenApiParameter("second", OpenApiTypes.INT,
                             description="The newer tree size (default: the latest signed head)."),
        ],
    )
    def get(self, request):
        log_size = log_store.size()
        first = _int_param(request, "first", required=True)
        second = _tree_size(request, "second", log_size)
        if second is None:
            second = latest_head().tree_size
        if first > second:
            raise ValidationError({"first": f"Tree size {first} is larger than the second size, {second}."})
        return Response({
            "first": first, "second": second,
            "first_root_hash": log_store.root(first).hex(),
            "second_root_hash": log_store.root(second).hex(),
            "proof": [h.hex() for h in log_store.consistency_proof(first, second)],
            "first_head": _head_for(first), "second_head": _head_for(second),
        })
