"""Court packages through the API: request one for a named recipient, watch its job, download
the zip, and read the case's disclosure register (which packages went to whom).

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
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts.client_address import client_address
from catalogue.api.serializers import StrictFieldsMixin
from catalogue.roles import LEGAL, user_access
from catalogue.selectors import case_get_visible, cases_visible_to
from catalogue.services import access_log_record
from config.api_errors import Conflict
from evidence import export
from evidence.custody import custody_append
from evidence.models import CustodyEvent, EvidenceItem, ExportJob


class ExportRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    """To whom the package goes and why; evidence.export.disclosure_clean has the last word."""

    recipient = serializers.CharField(
        max_length=export.RECIPIENT_MAX, help_text="Who receives the package (a person, court or organisation).",
        error_messages={"required": "Name the recipient of the package: every disclosure is recorded with whom "
                                    "it went to.", "blank": "The recipient cannot be blank."})
    purpose = serializers.CharField(
        max_length=export.PURPOSE_MAX, help_text="What it is disclosed for.",
        error_messages={"required": "Say what the package is disclosed for.",
                        "blank": "The purpose cannot be blank."})


class ExportJobSerializer(serializers.Serializer):
    """The shape of a job, for the OpenAPI schema (job_as_dict builds it)."""

    id = serializers.UUIDField()
    case = serializers.CharField()
    state = serializers.ChoiceField(choices=ExportJob.State.choices)
    requested_by = serializers.CharField()
    recipient = serializers.CharField()
    purpose = serializers.CharField()
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
        "requested_by": job.requested_by.get_username(), "recipient": job.recipient, "purpose": job.purpose,
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
        raise NotFound(_("No such export, or not one of yours."))
    return job


class CaseExportsView(APIView):
    @extend_schema(
        summary="Start building the case's court package (a BagIt bag, zipped) for a named recipient, as a "
                "background job",
        request=ExportRequestSerializer,
        responses={202: OpenApiResponse(ExportJobSerializer, description="The job; poll its `url`."),
                   200: OpenApiResponse(ExportJobSerializer, description=(
                       "Your package of this case is already queued or being built: that job, not a new one.")),
                   400: OpenApiResponse(description="No recipient or no purpose (`errors` says which)."),
                   409: OpenApiResponse(description=(
                       "Items are still being processed (`unsealed` names them), items depend on a protected "
                       "person's consent that is withdrawn or missing (`blocked` names them), or another package of this "
                       "case (another user's, or yours for another recipient) is being built (one at a time).")),
                   429: OpenApiResponse(description="Over EVIDENCE_EXPORTS_PER_DAY packages in 24 hours.")},
    )
    def post(self, request, reference: str):
        case = case_get_visible(request.user, reference)
        if case is None:
            raise NotFound(_("No such case, or not one you may see."))
        export.check_can_export(user=request.user, case=case)  # a 403 before any word on the body
        body = ExportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        recipient, purpose = body.validated_data["recipient"], body.validated_data["purpose"]
        try:
            job = export.export_request(actor=request.user, case=case, recipient=recipient, purpose=purpose,
                                        remote_addr=client_address(request))
        except export.ItemsNotSealed as exc:
            conflict = Conflict(str(exc))
            conflict.extra = {"unsealed": exc.exhibits}
            raise conflict from None
        except export.ConsentWithheld as exc:
            conflict = Conflict(str(exc))
            conflict.extra = {"blocked": exc.blocked}
            raise conflict from None
        except export.ExportAlreadyRunning as exc:
            same = (exc.job.recipient, exc.job.purpose) == (recipient.strip(), purpose.strip())
            if exc.job.requested_by_id == request.user.pk and same:
                return Response(job_as_dict(exc.job, request), status=status.HTTP_200_OK)
            if exc.job.requested_by_id == request.user.pk:
                # Handing back that job would let the register say this package went to someone else.
                conflict = Conflict(f"Your court package of {case.reference} for {exc.job.recipient or 'another request'} "
                                    f"is {exc.job.state}; one is built at a time. Ask again once it is done.")
                conflict.extra = {"state": exc.job.state, "url": reverse("export-detail", args=[exc.job.pk],
                                                                         request=request)}
                raise conflict from None
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
                        details={"via": "api", "package_id": str(job.pk), "package_sha256": job.package_sha256,
                                 "recipient": job.recipient},
                    )
        except BaseException:
            stream.close()
            raise
        response = FileResponse(stream, as_attachment=True, filename=f"{job.case.reference}_{job.pk}.zip",
                                content_type="application/zip")
        response["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(job.package_sha256)).decode()}:"
        return response


class DisclosureSerializer(serializers.Serializer):
    """One entry of the disclosure register: a package that was built, and for whom."""

    id = serializers.UUIDField()
    recipient = serializers.CharField()
    purpose = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    created_by = serializers.CharField(help_text="The username of who asked for the package.")
    exhibits = serializers.ListField(child=serializers.CharField(), help_text="The exhibits packed.")
    package_sha256 = serializers.CharField()
    package_size = serializers.IntegerField(allow_null=True)


def may_read_register(user, case) -> bool:
    """Legal staff, superusers and the case's own team: who got what can itself be sensitive
    (a witness's statement sent to one party and not another), so seeing a case is not enough."""
    if user.is_superuser:
        return True
    access = user_access(user)
    return LEGAL in access.roles or case.team_id in access.team_ids


class CaseDisclosuresView(APIView):
    @extend_schema(
        summary="The case's disclosure register: every court package built, to whom, why, by whom, "
                "which exhibits and the package's SHA-256 (newest first)",
        responses={200: inline_serializer("DisclosureRegister", {
            "case": serializers.CharField(), "count": serializers.IntegerField(),
            "results": DisclosureSerializer(many=True)}),
            403: OpenApiResponse(description="You may see the case but are neither legal staff nor on its team.")},
    )
    def get(self, request, reference: str):
        if request.query_params:
            raise ValidationError({name: "Unknown parameter; this endpoint takes none." for name in request.query_params})
        case = case_get_visible(request.user, reference)
        if case is None:
            raise NotFound(_("No such case, or not one you may see."))
        if not may_read_register(request.user, case):
            raise PermissionDenied(_("The disclosure register is open to legal staff and the case's team."))
        jobs = (ExportJob.objects.filter(case=case, state=ExportJob.State.DONE).select_related("requested_by")
                .order_by("-created_at", "-pk"))
        rows = [{
            "id": str(job.pk), "recipient": job.recipient, "purpose": job.purpose, "created_at": job.created_at,
            "finished_at": job.finished_at, "created_by": job.requested_by.get_username(),
            "exhibits": list(job.exhibits), "package_sha256": job.package_sha256, "package_size": job.package_size,
        } for job in jobs]
        access_log_record(user=request.user, case=case, via="api", action="read",
                          remote_addr=client_address(request), reason="disclosure register")
        return Response({"case": case.reference, "count": len(rows),
                         "results": DisclosureSerializer(rows, many=True).data})
