"""Cases through the API: thin doors onto catalogue.selectors and catalogue.services."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.client_address import client_address
from catalogue import case_changes, services
from catalogue.api.filters import CaseFilter, StrictFilterBackend
from catalogue.api.pagination import SignedCursorPagination
from catalogue.api.permissions import InvestigatorsWrite
from catalogue.api.serializers import (
    CaseChangeRequestSerializer,
    CaseListSerializer,
    CaseSerializer,
    CaseWriteSerializer,
    ChangeDecisionSerializer,
)
from catalogue.models import Case, CaseChangeRequest
from catalogue.selectors import (
    case_detail_facts,
    case_list_facts,
    case_visible_with_team,
    cases_for_listing,
    cases_visible_to,
)
from catalogue.visibility import visibility_sql_on

# The items live in the evidence app, which catalogue must not import: reach
# them through the reverse relation instead.
_ITEM_MODEL = Case._meta.get_field("evidence").related_model
_LINK_MODEL = Case._meta.get_field("evidence_links").related_model


def remote_addr(request) -> str | None:
    # The one reading of the client's address (TRUSTED_PROXY_COUNT), shared with the throttles and the lockout.
    return client_address(request)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def evidence_summary(case: Case) -> dict:
    """Counts of a case's items by state and kind and the bytes held, in one fixed statement
    (as a queryset, building and compiling it cost more CPU than the database spent on it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_quote('state')}, {_quote('kind')}, count(*), sum({_quote('size')}) "
            f"FROM {_quote(_ITEM_MODEL._meta.db_table)} WHERE {_quote('case_id')} = %s "
            f"GROUP BY {_quote('state')}, {_quote('kind')}",
            [case.pk],
        )
        rows = cursor.fetchall()
    by_state: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    total = 0
    for state, kind, n, size in rows:
        by_state[state] = by_state.get(state, 0) + n
        by_kind[kind] = by_kind.get(kind, 0) + n
        total += int(size or 0)  # PostgreSQL's sum of a bigint is a numeric
    return {
        "count": sum(by_state.values()), "sealed": by_state.get("sealed", 0), "total_bytes": total,
        "by_state": by_state, "by_kind": by_kind,
    }


def linked_items(case: Case, user) -> list[dict]:
    """Items of other cases linked to this one (evidence.case_links) that `user` may see, each with
    its owning case, by exhibit: one fixed statement with the visibility rule's own SQL
    (catalogue.visibility). They are not in the counts above, nor in the case's export."""
    rule, params = visibility_sql_on(user, "c")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.{_quote('item_id')}, i.{_quote('exhibit')}, c.{_quote('reference')} "
            f"FROM {_quote(_LINK_MODEL._meta.db_table)} l "
            f"JOIN {_quote(_ITEM_MODEL._meta.db_table)} i ON i.{_quote('id')} = l.{_quote('item_id')} "
            f"JOIN {_quote(Case._meta.db_table)} c ON c.{_quote('id')} = i.{_quote('case_id')} "
            f"WHERE l.{_quote('case_id')} = %s AND {rule} ORDER BY i.{_quote('exhibit')}",
            [case.pk, *params],
        )
        rows = cursor.fetchall()
    to_uuid = _ITEM_MODEL._meta.pk.to_python  # a UUID on PostgreSQL, 32 hex digits on SQLite
    return [{"id": str(to_uuid(pk)), "exhibit": exhibit, "case": reference} for pk, exhibit, reference in rows]


@extend_schema_view(
    list=extend_schema(summary="Cases you may see, filtered and ordered"),
    retrieve=extend_schema(
        summary="One case by its reference (the read is logged)",
        parameters=[OpenApiParameter("reference", str, OpenApiParameter.PATH, description="e.g. UA-2022-0007")],
    ),
    create=extend_schema(summary="File a case (investigators)", request=CaseWriteSerializer,
                         responses={201: CaseSerializer}),
    partial_update=extend_schema(
        summary="Change a case's description (investigators of the owning team)",
        description="A lower `sensitivity` or another `team` is not applied: it is recorded, with the "
                    "`reason` given, as a change request that takes effect when another reviewer approves it "
                    "(202, the request). Everything else in the body, a higher sensitivity included, applies "
                    "at once (200, the case).",
        request=CaseWriteSerializer,
        responses={200: CaseSerializer, 202: CaseChangeRequestSerializer, 409: OpenApiResponse(
            description="A change request for this case is already waiting for a reviewer.")},
        parameters=[OpenApiParameter("reference", str, OpenApiParameter.PATH, description="e.g. UA-2022-0007")],
    ),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CaseSerializer
    permission_classes = [IsAuthenticated, InvestigatorsWrite]
    filter_backends = [StrictFilterBackend]
    filterset_class = CaseFilter
    pagination_class = SignedCursorPagination
    lookup_field = "reference"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Keysets on indexed, unique, non-null columns: the id follows filing order.
    ordering_choices = {"-filed": ("-id",), "filed": ("id",), "reference": ("reference",), "-reference": ("-reference",)}
    default_ordering = "-filed"

    def get_serializer_class(self):
        return CaseListSerializer if self.action == "list" else CaseSerializer

    def get_queryset(self) -> QuerySet[Case]:
        if self.action == "list":
            # Rows as dicts; places, crime codes and evidence counts are attached to the page
            # in list() (case_list_facts): counted for the page's cases only, never over every visible case.
            return cases_for_listing(cases_visible_to(self.request.user))
        return cases_visible_to(self.request.user).select_related("team")

    def filter_queryset(self, queryset):
        if self.action == "list":
            return super().filter_queryset(queryset)
        self._refuse_parameters()
        return queryset

    def _refuse_parameters(self) -> None:
        # One case is named by its path alone; the list's filters would only turn a hit into a 404.
        unknown = sorted(set(self.request.query_params) - {"format"})
        if unknown:
            raise ValidationError({name: "Unknown parameter; one case takes none." for name in unknown})

    def _detail(self, case: Case) -> dict:
        case.detail_facts = case_detail_facts(case)
        case.evidence_summary = {**evidence_summary(case), "linked": linked_items(case, self.request.user)}
        return self.get_serializer(case).data

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        ids = [row["id"] for row in page]
        places_of, codes_of, counts = case_list_facts(ids)
        for row in page:
            pk = row["id"]
            row["list_places"], row["list_categories"] = places_of.get(pk, []), codes_of.get(pk, [])
            row["evidence_count"] = counts.get(pk, 0)
        services.access_log_record_many(user=request.user, case_ids=ids, via="api", remote_addr=remote_addr(request))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        # The read a request names most often: one fixed statement, not the generic get_object().
        self._refuse_parameters()
        case = case_visible_with_team(request.user, kwargs[self.lookup_field])
        if case is None:
            raise NotFound(_("No case with this reference, or not one you may see."))
        self.check_object_permissions(request, case)
        services.access_log_record_many(user=request.user, cases=[case], via="api", action="read",
                                        remote_addr=remote_addr(request))
        return Response(self._detail(case))

    def create(self, request, *args, **kwargs):
        write = CaseWriteSerializer(data=request.data, context={"user": request.user})
        write.is_valid(raise_exception=True)
        fields = dict(write.validated_data)
        if fields.pop("reason", None):
            raise ValidationError({"reason": _("A reason is asked for when an existing case's sensitivity is "
                                             "lowered or its team changes, not when a case is filed.")})
        fields["team"] = self._team_for(request.user, fields.get("team"))
        case = services.case_create(actor=request.user, **fields)
        return Response(self._detail(self.get_queryset().get(pk=case.pk)), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        case = self.get_object()
        write = CaseWriteSerializer(data=request.data, partial=True, context={"user": request.user})
        write.is_valid(raise_exception=True)
        changes = dict(write.validated_data)
        reason = changes.pop("reason", "")
        changes, asked = case_changes.split_reviewed(case, changes)
        with transaction.atomic():
            if changes:
                services.case_update(actor=request.user, case=case, **changes)
            if asked:
                change = case_changes.case_request_change(actor=request.user, case=case, reason=reason, **asked)
        if asked:
            return Response(CaseChangeRequestSerializer(change, context=self.get_serializer_context()).data,
                            status=status.HTTP_202_ACCEPTED)
        return Response(self._detail(self.get_queryset().get(pk=case.pk)))

    def _change(self, change_id: str) -> CaseChangeRequest:
        case = self.get_object()
        change = case.change_requests.select_related("case", "requested_by", "decided_by", "from_team", "team")
        found = change.filter(pk=change_id).first()
        if found is None:
            raise NotFound(_("No such change request on this case."))
        return found

    @extend_schema(
        summary="Requests to lower the case's sensitivity or move it to another team, newest first",
        responses={200: CaseChangeRequestSerializer(many=True)},
        parameters=[OpenApiParameter("reference", str, OpenApiParameter.PATH, description="e.g. UA-2022-0007")],
    )
    @action(detail=True, methods=["get"], url_path="changes", permission_classes=[IsAuthenticated],
            pagination_class=None, filter_backends=[])
    def changes(self, request, *args, **kwargs):
        case = self.get_object()
        rows = case.change_requests.select_related("case", "requested_by", "decided_by", "from_team", "team")
        return Response(CaseChangeRequestSerializer(rows, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="One change request",
        responses={200: CaseChangeRequestSerializer},
        parameters=[OpenApiParameter("reference", str, OpenApiParameter.PATH, description="e.g. UA-2022-0007"),
                    OpenApiParameter("change_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["get"], url_path=r"changes/(?P<change_id>[0-9]{1,18})",
            permission_classes=[IsAuthenticated], filter_backends=[])
    def change_detail(self, request, *args, change_id=None, **kwargs):
        return Response(CaseChangeRequestSerializer(self._change(change_id), context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Approve and apply a change request (a reviewer of the owning team, never the requester)",
        request=ChangeDecisionSerializer,
        responses={200: CaseChangeRequestSerializer,
                   409: OpenApiResponse(description="Already decided, or the case changed since the request.")},
        parameters=[OpenApiParameter("reference", str, OpenApiParameter.PATH, description="e.g. UA-2022-0007"),
                    OpenApiParameter("change_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"], url_path=r"changes/(?P<change_id>[0-9]{1,18})/approve",
            permission_classes=[IsAuthenticated], filter_backends=[])
    def approve_change(self, request, *args, change_id=None, **kwargs):
        return self._decide(request, change_id, case_changes.case_change_approve)

    @extend_schema(
        summary="Reject a change request (a reviewer of the owning team, never the requester)",
        request=ChangeDecisionSerializer,
        responses={200: CaseChangeRequestSerializer, 409: OpenApiResponse(description="Already decided.")},
        parameters=[OpenApiParameter("reference", str, OpenApiParameter.PATH, description="e.g. UA-2022-0007"),
                    OpenApiParameter("change_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"], url_path=r"changes/(?P<change_id>[0-9]{1,18})/reject",
            permission_classes=[IsAuthenticated], filter_backends=[])
    def reject_change(self, request, *args, change_id=None, **kwargs):
        return self._decide(request, change_id, case_changes.case_change_reject)

    def _decide(self, request, change_id, decide):
        decision = ChangeDecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        change = decide(actor=request.user, request=self._change(change_id), note=decision.validated_data["note"])
        change.refresh_from_db()
        return Response(CaseChangeRequestSerializer(change, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Move a case through review (reviewers; never on their own filing)",
        request=inline_serializer("CaseStatusChange", {"status": serializers.ChoiceField(Case.Status.choices)}),
        responses={200: CaseSerializer},
        parameters=[OpenApiParameter("reference", str, OpenApiParameter.PATH, description="e.g. UA-2022-0007")],
    )
    @action(detail=True, methods=["post"], url_path="status", permission_classes=[IsAuthenticated])
    def change_status(self, request, *args, **kwargs):
        case = self.get_object()
        change = serializers.ChoiceField(Case.Status.choices)
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": _("Send a JSON object, e.g. {\"status\": \"under_review\"}.")})
        new_status = change.run_validation(request.data.get("status", serializers.empty))
        services.case_set_status(actor=request.user, case=case, status=new_status)
        return Response(self._detail(self.get_queryset().get(pk=case.pk)))

    @staticmethod
    def _team_for(user, team):
        teams = list(user.teams.all())
        if team is not None:
            if not user.is_superuser and team not in teams:
                raise ValidationError({"team": _("You can only file cases for a team you are on.")})
            return team
        if len(teams) != 1:
            raise ValidationError({"team": "Name the owning team (its slug): you are on %d teams." % len(teams)})
        return teams[0]
