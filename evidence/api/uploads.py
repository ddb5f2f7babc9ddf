"""Resumable uploads through the API: the protocol of evidence/upload_protocol.py behind a
token, with the case named by its reference. The admin's drop zone speaks the same protocol."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.views import APIView

from catalogue.selectors import case_get_visible
from evidence import upload_protocol
from evidence.models import EvidenceItem, ResumableUpload


class ApiDoor(upload_protocol.Door):
    via = "api"

    def find_case(self, request, given):
        # A NUL would reach PostgreSQL, which refuses it in text: no reference holds one.
        if not isinstance(given, str) or not given or "\x00" in given:
            return None
        return case_get_visible(request.user, given)

    def upload_url(self, upload) -> str:
        return reverse("upload-detail", args=[upload.pk])

    def item_url(self, item_id) -> str:
        return reverse("evidence-detail", args=[item_id])


DOOR = ApiDoor()

_ITEM = inline_serializer("UploadedItem", allow_null=True, fields={
    "id": serializers.UUIDField(), "exhibit": serializers.CharField(),
    "state": serializers.ChoiceField(choices=EvidenceItem.State.choices), "state_display": serializers.CharField(),
    "settled": serializers.BooleanField(help_text="True once the pipeline is done with it (sealed, failed, ...)."),
    "error": serializers.CharField(), "sha256": serializers.CharField(help_text="Empty until hashed."),
    "url": serializers.CharField(),
    "duplicates": inline_serializer("UploadDuplicate", {"exhibit": serializers.CharField(),
                                                        "url": serializers.CharField()}, many=True),
})
STATUS = inline_serializer("UploadStatus", {
    "id": serializers.UUIDField(), "url": serializers.CharField(), "case": serializers.CharField(),
    "filename": serializers.CharField(), "relative_path": serializers.CharField(), "kind": serializers.CharField(),
    "size": serializers.IntegerField(), "offset": serializers.IntegerField(help_text="Bytes the server holds."),
    "state": serializers.ChoiceField(choices=ResumableUpload.State.choices),
    "chunk_size": serializers.IntegerField(help_text="The most bytes one PATCH may carry."),
    "expires_at": serializers.DateTimeField(allow_null=True), "item": _ITEM,
})
CREATE = inline_serializer("UploadCreate", {
    "case": serializers.CharField(help_text="The case's reference."),
    "filename": serializers.CharField(),
    "size": serializers.IntegerField(min_value=1, help_text="The whole file's size in bytes."),
    "relative_path": serializers.CharField(required=False, help_text="Folder path ending in the file name."),
    "kind": serializers.ChoiceField(choices=EvidenceItem.Kind.choices, required=False,
                                    help_text="Guessed from the name when not given."),
})
UPLOAD_ID = OpenApiParameter("upload_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
OFFSET = OpenApiParameter("Upload-Offset", OpenApiTypes.INT, OpenApiParameter.HEADER, required=True,
                          description="Where this piece goes: the bytes the server holds.")


class RawBody(APIView):
    """The body is read by the protocol itself (a piece of a file, or a small JSON object)."""

    parser_classes = []


class UploadListView(RawBody):
    @extend_schema(
        summary="Begin a resumable upload into a case",
        description="Then PATCH its pieces; the piece that completes it files the item through the same "
                    "service as POST /api/v1/evidence/. Investigators who may file on the case only.",
        request={"application/json": CREATE},
        responses={201: STATUS, 404: OpenApiResponse(description="No such case, or not one you may see.")},
    )
    def post(self, request):
        return upload_protocol.answer(DOOR, request._request)


class UploadDetailView(RawBody):
    @extend_schema(summary="An upload's status: the offset the server holds, and the item once filed",
                   parameters=[UPLOAD_ID],
                   responses={200: STATUS, 410: OpenApiResponse(description="Expired or cancelled.")})
    def get(self, request, upload_id):
        return upload_protocol.answer(DOOR, request._request, upload_id)

    @extend_schema(
        summary="Append a piece at the server's offset",
        parameters=[UPLOAD_ID, OFFSET],
        request={"application/offset+octet-stream": OpenApiTypes.BINARY},
        responses={
            200: STATUS,
            409: OpenApiResponse(description="Not the server's offset: the Upload-Offset header says where."),
            410: OpenApiResponse(description="Expired or cancelled."),
        },
    )
    def patch(self, request, upload_id):
        return upload_protocol.answer(DOOR, request._request, upload_id)

    @extend_schema(summary="Cancel an unfinished upload: its pieces are removed", parameters=[UPLOAD_ID],
                   responses={204: None, 409: OpenApiResponse(description="Already filed: evidence is never "
                                                                          "deleted."),
                              410: OpenApiResponse(description="Expired or cancelled.")})
    def delete(self, request, upload_id):
        return upload_protocol.answer(DOOR, request._request, upload_id)
