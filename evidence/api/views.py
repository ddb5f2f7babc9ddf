"""Evidence through the API: list, file, download, custody, verify, hash lookup.
Thin doors onto evidence.selectors and evidence.services; every item comes
through the case visibility rule, and what you may not see is a 404."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue.api.filters import StrictFilterBackend
from catalogue.api.pagination import SignedCursorPagination
from catalogue.api.views import remote_addr
from catalogue.selectors import case_get_visible, case_visible_for_filing
from config.api_errors import Conflict, ContentUnavailable, PayloadTooLarge, RangeNotSatisfiable
from config.api_parsers import JSONParser
from evidence import proven, selectors, storage
from evidence.api.content import Unsatisfiable, content_response, parse_range
from evidence.api.filters import EvidenceFilter
from evidence.api.serializers import (
    AnalysisCreateSerializer,
    CaseLinkCreateSerializer,
    CustodyEventSerializer,
    EvidenceItemDetailSerializer,
    EvidenceItemSerializer,
    EvidenceRegisterSerializer,
    HashMatchSerializer,
    ItemFlagsSerializer,
    SignOffCreateSerializer,
    VerificationSerializer,
)
from evidence.api.verification import verify_item, verify_wait
from evidence.case_links import item_link_case
from evidence.dissemination import record_dissemination
from evidence.hashing import normalise_sha256
from evidence.models import EvidenceItem
from evidence.services import evidence_register, item_set_flags
from evidence.tasks import ingest
from evidence.verification_records import analysis_record, signoff_record, verification_of

log = logging.getLogger(__name__)

ITEM_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The item's id (UUID).")
# Room for the multipart envelope around a file of the largest allowed size.
_MULTIPART_SLACK = 1 << 20


def _client_facts(request) -> dict:
    return {
        "via": "api", "remote_addr": remote_addr(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
    }


class CustodyPagination(SignedCursorPagination):
    """A chain is read in order: by `seq`, the one ordering."""

    page_size = 100
    max_page_size = 1000

    def get_ordering(self, request, queryset, view):
        name = request.query_params.get(self.ordering_query_param, "seq")
        if name != "seq":
            raise ValidationError({"ordering": _("A custody chain is listed by seq only.")})
        self.ordering_name = "seq"
        return ("seq",)

    def get_schema_operation_parameters(self, view):
        params = super(SignedCursorPagination, self).get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.page_size_query_param:
                param["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return [p for p in params if p["name"] != self.ordering_query_param]


@extend_schema_view(
    list=extend_schema(summary="Evidence items you may see, filtered"),
    retrieve=extend_schema(summary="One item with its digests, metadata and state", parameters=[ITEM_ID]),
)
class EvidenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    filter_backends = [StrictFilterBackend]
    filterset_class = EvidenceFilter
    pagination_class = SignedCursorPagination
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    lookup_value_regex = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
    ordering_choices = {"exhibit": ("exhibit",), "-exhibit": ("-exhibit",)}
    default_ordering = "exhibit"

    def get_queryset(self) -> QuerySet[EvidenceItem]:
        if self.action == "list":
            return selectors.items_for_listing(selectors.items_visible_to(self.request.user))
        return selectors.items_visible_to(self.request.user).select_related("case")

    def get_serializer_class(self):
        return EvidenceItemSerializer if self.action == "list" else EvidenceItemDetailSerializer

    def filter_queryset(self, queryset):
        # The filters belong to the list; on one item they would only turn a hit into a 404.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_object(self) -> EvidenceItem:
        # Only the path names an item: a body or query cannot widen the rule.
        item = selectors.item_visible(self.request.user, self.kwargs["pk"])
        if item is None:
            raise Http404(_("No evidence item with this id, or not one you may see."))
        return item

    @extend_schema(
        summary="File an item: upload, online media to archive, or a reference",
        request={"multipart/form-data": EvidenceRegisterSerializer, "application/json": EvidenceRegisterSerializer},
        responses={201: EvidenceItemDetailSerializer},
    )
    def create(self, request, *args, **kwargs):
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.EVIDENCE_MAX_UPLOAD_SIZE + _MULTIPART_SLACK:
            # Refused before a byte of the body is read or staged.
            raise PayloadTooLarge(f"The request is {declared} bytes; the upload limit is "
                                  f"{settings.EVIDENCE_MAX_UPLOAD_SIZE} bytes.")
        write = EvidenceRegisterSerializer(data=request.data, context={"user": request.user})
        write.is_valid(raise_exception=True)
        fields = dict(write.validated_data)
        case = case_visible_for_filing(request.user, fields.pop("case"))
        if case is None:
            raise Http404(_("No case with this reference, or not one you may see."))
        upload = fields.pop("file", None)
        item = evidence_register(
            actor=request.user, case=case, file=upload,
            original_filename=getattr(upload, "name", "") or "", via="api", **fields,
        )
        context = self.get_serializer_context()
        if ingest.app.conf.task_always_eager or item.derived_from_id:
            # With tasks run in-process the pipeline has already run on commit: show what it did.
            # (A derivative's source is shown as its reader may see it now.)
            item = self.get_queryset().get(pk=item.pk)
        else:
            # Queued for a worker: the item is as written, and has no analysis, sign-off, consent
            # dependency, derivative or link yet. Shown without reading it back (six statements of
            # the fourteen a filing took; tests/api/test_filing_cost.py holds the two equal).
            context["new_item"] = True
        return Response(EvidenceItemDetailSerializer(item, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Set the item's handling flags: graphic content, risk to a person (and a note)",
        parameters=[ITEM_ID], request=ItemFlagsSerializer, responses={200: EvidenceItemDetailSerializer},
        description="For investigators who can see the case; each change is a metadata_modification custody entry.",
    )
    def partial_update(self, request, *args, **kwargs):
        item = self.get_object()
        write = ItemFlagsSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        item_set_flags(actor=request.user, item=item, **write.validated_data)
        item = self.get_queryset().get(pk=item.pk)
        return Response(EvidenceItemDetailSerializer(item, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="The item's bytes, streamed (ranges allowed); recorded as a dissemination custody entry",
        parameters=[ITEM_ID, OpenApiParameter("Range", str, OpenApiParameter.HEADER, required=False,
                                              description="One byte range, e.g. bytes=0-1023")],
        responses={
            (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The whole file; Repr-Digest carries its SHA-256."),
            (206, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The requested range."),
            409: OpenApiResponse(description="The item has no sealed content (its `state` says why)."),
            416: OpenApiResponse(description="The range starts beyond the file."),
        },
    )
    @action(detail=True, methods=["get"], url_path="content", url_name="content")
    def content(self, request, pk=None):
        item = self.get_object()
        if item.state != EvidenceItem.State.SEALED or not item.sha256:
            exc = Conflict(f"The item is {item.state}: there is no sealed content to download.")
            exc.extra = {"state": item.state}
            raise exc
        tampering = proven.column_problems(item, proven.proven_digests(item))
        if tampering:
            # Never serve bytes under digests the custody chain does not prove.
            log.error("Refused to serve %s: %s", item.exhibit, "; ".join(tampering))
            exc = Conflict(_("The item's digests disagree with its custody record, so its bytes are not served. "
                           "Run `manage.py verify_integrity` and tell the archive's administrators."))
            exc.extra = {"problems": tampering}
            raise exc
        range_header = request.META.get("HTTP_RANGE")
        try:
            span = parse_range(range_header, item.size or 0)
        except Unsatisfiable:
            exc = RangeNotSatisfiable(f"The range {range_header!r} starts beyond the file, which is {item.size} bytes.")
            response = self.handle_exception(exc)
            response["Content-Range"] = f"bytes */{item.size}"
            return response
        if request.method == "HEAD":
            return content_response(item, None, span)
        try:
            stream = storage.open_content(item.sha256)
        except OSError:
            raise ContentUnavailable() from None
        try:
            first, last = span if span is not None else (0, item.size - 1)
            # Recorded, and committed, before the first byte leaves.
            record_dissemination(item=item, user=request.user, details={
                **_client_facts(request), "range": range_header or None,
                "first_byte": first, "last_byte": last, "bytes": last - first + 1,
            })
        except BaseException:
            stream.close()
            raise
        return content_response(item, stream, span)

    @extend_schema(summary="The item's custody chain, oldest first", parameters=[ITEM_ID],
                   responses={200: CustodyEventSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="custody", url_name="custody",
            pagination_class=CustodyPagination, filter_backends=[StrictFilterBackend], filterset_class=None)
    def custody(self, request, pk=None):
        item = self.get_object()
        events = selectors.custody_of(item)
        page = self.paginate_queryset(StrictFilterBackend().filter_queryset(request, events, self))
        return self.get_paginated_response(CustodyEventSerializer(page, many=True).data)

    @extend_schema(
        summary="Re-check the chain, the stored bytes and the log; the fixity check is recorded",
        parameters=[ITEM_ID], request=None,
        responses={200: inline_serializer("VerifyReport", {
            "item": serializers.UUIDField(), "exhibit": serializers.CharField(), "ok": serializers.BooleanField(),
            "chain": serializers.DictField(), "fixity": serializers.DictField(), "log": serializers.DictField(),
        })},
        description="Each check re-reads the stored bytes and appends a custody entry and a log leaf, so an "
                    "item is verified at most EVIDENCE_VERIFY_PER_ITEM_PER_MINUTE times a minute, whoever asks "
                    "(then a 429 with Retry-After).",
    )
    @action(detail=True, methods=["post"], url_path="verify", url_name="verify", parser_classes=[JSONParser])
    def verify(self, request, pk=None):
        item = self.get_object()
        # Counted per item, after the visibility check: a hidden item is a 404 and costs its verifiers nothing.
        wait = verify_wait(item)
        if wait is not None:
            raise Throttled(wait=wait, detail=(
                f"{item.exhibit} has been verified {settings.EVIDENCE_VERIFY_PER_ITEM_PER_MINUTE} times in this "
                f"minute; each check is recorded in its custody log. Try again in {wait} s."))
        return Response(verify_item(item=item, user=request.user, details=_client_facts(request)))

    @extend_schema(
        summary="Record an analysis of the item (source, technical, content, geolocation, chronolocation)",
        parameters=[ITEM_ID], request=AnalysisCreateSerializer, responses={201: VerificationSerializer},
        description="For investigators and reviewers of the case's team. Written with a `validation` custody "
                    "entry; answers with the item's whole verification record.",
    )
    @action(detail=True, methods=["post"], url_path="analyses", url_name="analyses", parser_classes=[JSONParser])
    def analyses(self, request, pk=None):
        item = self.get_object()
        write = AnalysisCreateSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        analysis_record(actor=request.user, item=item, **write.validated_data)
        return Response(verification_of(item), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Sign the item's analyses off; two people's sign-offs make it verified",
        parameters=[ITEM_ID], request=SignOffCreateSerializer, responses={201: VerificationSerializer},
        description="For investigators and reviewers of the case's team, once per person (a second is a 409), "
                    "and only once the item has an analysis. Written with a `validation` custody entry.",
    )
    @action(detail=True, methods=["post"], url_path="signoffs", url_name="signoffs", parser_classes=[JSONParser])
    def signoffs(self, request, pk=None):
        item = self.get_object()
        write = SignOffCreateSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        signoff_record(actor=request.user, item=item, **write.validated_data)
        return Response(verification_of(item), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Link the item to another case (it stays in its own case, which gives its exhibit number)",
        parameters=[ITEM_ID], request=CaseLinkCreateSerializer, responses={201: EvidenceItemDetailSerializer},
        description="For investigators of the linked case's team who can see the item and the case; a reason is "
                    "required. Written with a metadata_modification custody entry. A case you cannot see is a "
                    "404; the item's own case, or one it is already linked to, a 409. Exports stay per owning case.",
    )
    @action(detail=True, methods=["post"], url_path="cases", url_name="cases", parser_classes=[JSONParser])
    def cases(self, request, pk=None):
        item = self.get_object()
        write = CaseLinkCreateSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        case = case_get_visible(request.user, write.validated_data["case"])
        if case is None:
            raise Http404(_("No case with this reference, or not one you may see."))
        item_link_case(actor=request.user, item=item, case=case, reason=write.validated_data["reason"])
        item = self.get_queryset().get(pk=item.pk)
        return Response(EvidenceItemDetailSerializer(item, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


class HashLookupView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Which items you may see hold content with this SHA-256",
        parameters=[OpenApiParameter("sha256", str, OpenApiParameter.PATH, description="64 hex characters")],
        responses={200: HashMatchSerializer},
    )
    def get(self, request, sha256: str):
        if request.query_params:
            raise ValidationError({name: "Unknown parameter; this endpoint takes none." for name in request.query_params})
        try:
            digest = normalise_sha256(sha256)
        except ValueError as exc:
            raise ValidationError({"sha256": str(exc)}) from None
        items = selectors.item_rows_holding(request.user, digest)
        rows = EvidenceItemSerializer(items, many=True, context={"request": request}).data
        return Response({"sha256": digest, "count": len(rows), "items": rows})  # as HashMatchSerializer declares
