"""Court packages through the API: request one, watch its job, download the zip.

Doors onto evidence.export. A case you cannot see is a 404; a case with items
still being processed is a 409 naming them. Downloading the package is a read
of the evidence in it, so it is recorded as a dissemination custody entry on
every item packed.
"""

from __future__ import annotations

import base64
import math

from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts.client_address import client_address
from catalogue.selectors import case_get_visible, cases_visible_to
from config.api_errors import Conflict
from evidence import export
from evidence.custody import custody_append
from evidence.models import CustodyEvent, EvidenceItem, ExportJob


class ExportJobSerializer(serializers.Serializer):
    """The shape of a job, for the OpenAPI schema (job_as_dict builds it)."""

    id = serializers.UUIDField()
    case = serializers.CharField()
    state = serializers.ChoiceField(choices=ExportJob.State.choices)
    requested_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField()
    item_count = serializers.IntegerField()
    tree_size = serializers.IntegerField(allow_null=True)
    package_sha256 = serializers.CharField(allow_null=True)
    package_size = serializers.IntegerField(allow_null=True)
    url = serializers.URLField()
    download_url = serializers.URLField(allow_null=True)


def job_as_dict(job: ExportJob, request) -> dict:
    done = job.state == ExportJob.State.DONE
    return {
        "id": str(job.pk), "case": job.case.reference, "state": job.state,
        "requested_by": job.requested_by.get_username(),
        "created_at": job.created_at, "finished_at": job.finished_at, "error": job.error,
        "item_count": job.item_count, "tree_size": job.tree_size,
        "package_sha256": job.package_sha256 or None, "package_size": job.package_size,
        "url": reverse("export-detail", args=[job.pk], request=request),
        "download_url": reverse("export-download", args=[job.pk], request=request) if done else None,
    }


def _job_visible(request, job_id) -> ExportJob:
    """The requester's own jobs (all jobs for a superuser), on cases they can still see."""
    jobs = ExportJob.objects.select_related("case", "requested_by").filter(case__in=cases_visible_to(request.user))
    if not request.user.is_superuser:
        jobs = jobs.filter(requested_by=request.user)
    job = jobs.filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such export, or not one of yours.")
    return job


class CaseExportsView(APIView):
    @extend_schema(
        summary="Start building the case's court package (a BagIt bag, zipped) as a background job",
        request=None,
        responses={202: OpenApiResponse(ExportJobSerializer, description="The job; poll its `url`."),
                   200: OpenApiResponse(ExportJobSerializer, description=(
                       "Your package of this case is already queued or being built: that job, not a new one.")),
                   409: OpenApiResponse(description=(
                       "Items are still being processed (`unsealed` names them), or another user's package "
                       "of this case is being built (one at a time).")),
                   429: OpenApiResponse(description="Over EVIDENCE_EXPORTS_PER_DAY packages in 24 hours.")},
    )
    def post(self, request, reference: str):
        case = case_get_visible(request.user, reference)
        if case is None:
            raise NotFound("No such case, or not one you may see.")
        try:
            job = export.export_request(actor=request.user, case=case, remote_addr=client_address(request))
        except export.ItemsNotSealed as exc:
            conflict = Conflict(str(exc))
            conflict.extra = {"unsealed": exc.exhibits}
            raise conflict from None
        except export.ExportAlreadyRunning as exc:
            if exc.job.requested_by_id == request.user.pk:
                return Response(job_as_dict(exc.job, request), status=status.HTTP_200_OK)
            conflict = Conflict(f"Another user's court package of {case.reference} is {exc.job.state}; one is "
                                "built at a time. Ask again once it is done.")
            conflict.extra = {"state": exc.job.state}
            raise conflict from None
        except export.ExportQuotaExceeded as exc:
            raise Throttled(wait=max(math.ceil(exc.wait), 1), detail=str(exc)) from None
        job.refresh_from_db()  # with tasks run in-process the package may already be built
        return Response(job_as_dict(job, request), status=status.HTTP_202_ACCEPTED)


class ExportJobView(APIView):
    @extend_schema(summary="An export job's state (queued, running, done, failed)", responses=ExportJobSerializer)
    def get(self, request, pk):
        return Response(job_as_dict(_job_visible(request, pk), request))


class ExportDownloadView(APIView):
    @extend_schema(
        summary="The finished package (zip); recorded as dissemination on every item in it",
        responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY,
                                                             description="Repr-Digest carries its SHA-256."),
                   409: OpenApiResponse(description="The job is not done (its `state` says where it is).")},
    )
    def get(self, request, pk):
        job = _job_visible(request, pk)
        if job.state != ExportJob.State.DONE:
            conflict = Conflict(f"The export is {job.state}: there is no package to download yet."
                                + (f" {job.error}" if job.error else ""))
            conflict.extra = {"state": job.state}
            raise conflict
        stream = default_storage.open(job.package_name, "rb")
        items = EvidenceItem.objects.filter(
            custody__action=CustodyEvent.Action.PACKING, custody__details__package_id=str(job.pk)
        ).distinct()
        try:
            with transaction.atomic():  # recorded, and committed, before the first byte leaves
                for item in items:
                    custody_append(
                        item=item, action=CustodyEvent.Action.DISSEMINATION, user=request.user,
                        details={"via": "api", "package_id": str(job.pk), "package_sha256": job.package_sha256},
                    )
        except BaseException:
            stream.close()
            raise
        response = FileResponse(stream, as_attachment=True, filename=f"{job.case.reference}_{job.pk}.zip",
                                content_type="application/zip")
        response["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(job.package_sha256)).decode()}:"
        return response
