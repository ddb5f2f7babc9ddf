"""Four eyes on declassification: services for the changes to a case that widen who may read it.

Lowering a case's sensitivity (confidential → restricted or open, restricted →
open) or moving it to another team shows the case to people who could not see
it before, and cannot be taken back once they have read it. So such a change is
only asked for here (case_request_change); it takes effect when a reviewer
other than the requester approves it (case_change_approve). Raising the
sensitivity narrows the readers and applies at once, through case_update.

The admin and the API are doors onto these functions, like the rest of
catalogue.services.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from catalogue.models import Case, CaseChangeRequest, Team
from catalogue.roles import INVESTIGATOR, REVIEWER, user_has_role

RANK = {Case.Sensitivity.OPEN: 0, Case.Sensitivity.RESTRICTED: 1, Case.Sensitivity.CONFIDENTIAL: 2}


REVIEW_NOTE = ("Raising the sensitivity applies at once. Lowering it, or moving the case to another team, is "
               "recorded as a request that takes effect when another reviewer approves it.")


class StateConflict(Exception):
    """The record is not in a state that allows this (the API answers 409)."""


def is_lowering(case: Case, sensitivity: str | None) -> bool:
    return bool(sensitivity) and RANK[sensitivity] < RANK[case.sensitivity]


def split_reviewed(case: Case, changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`changes` as (what applies at once, what needs a second reviewer): a lowered
    sensitivity and a different team go to the second; the rest, raising included, to the first."""
    direct, reviewed = dict(changes), {}
    if is_lowering(case, direct.get("sensitivity")):
        reviewed["sensitivity"] = direct.pop("sensitivity")
    if "team" in direct:
        team = direct.pop("team")
        if team is not None and team.pk != case.team_id:
            reviewed["team"] = team
    return direct, reviewed


def _can_see(user: AbstractBaseUser, case: Case) -> bool:
    from catalogue.selectors import cases_visible_to

    return cases_visible_to(user).filter(pk=case.pk).exists()


@transaction.atomic
def case_request_change(
    *, actor: AbstractBaseUser, case: Case, reason: str, sensitivity: str = "", team: Team | None = None,
) -> CaseChangeRequest:
    """Ask for a lowered sensitivity and/or a move to another team; nothing changes on the case yet."""
    if not (actor.is_superuser or user_has_role(actor, INVESTIGATOR)):
        raise PermissionDenied("Only investigators can ask to change a case's sensitivity or team.")
    if not _can_see(actor, case) or not (actor.is_superuser or actor.teams.filter(pk=case.team_id).exists()):
        raise PermissionDenied("Only investigators of the owning team can ask to change this case.")
    errors: dict[str, str] = {}
    if sensitivity and not is_lowering(case, sensitivity):
        errors["sensitivity"] = (f"The case is {case.sensitivity}; only a lower sensitivity needs a request "
                                 "(raise it by changing the case).")
    if team is not None and team.pk == case.team_id:
        errors["team"] = "The case is already owned by this team."
    if not sensitivity and team is None:
        errors["sensitivity"] = "Ask for a lower sensitivity, another team, or both."
    if not (reason or "").strip():
        errors["reason"] = ("Say why: lowering the sensitivity or moving the case to another team needs a "
                            "reason, which the approving reviewer reads and the record keeps.")
    if errors:
        raise ValidationError(errors)
    # One request waits per case at a time (the database holds this too).
    Case.objects.select_for_update().filter(pk=case.pk).only("id").first()
    pending = CaseChangeRequest.objects.filter(case=case, state=CaseChangeRequest.State.PENDING).first()
    if pending is not None:
        raise StateConflict(f"Change request {pending.pk} on {case.reference} is still waiting for a reviewer: "
                            "it must be approved or rejected before another is made.")
    request = CaseChangeRequest(
        case=case, requested_by=actor, requested_at=timezone.now(), reason=reason.strip(),
        from_sensitivity=case.sensitivity, from_team_id=case.team_id, sensitivity=sensitivity or "", team=team,
    )
    request.full_clean(validate_constraints=False)
    request.save()
    return request


def _check_can_decide(actor: AbstractBaseUser, request: CaseChangeRequest) -> None:
    if not (actor.is_superuser or user_has_role(actor, REVIEWER)):
        raise PermissionDenied("Only a reviewer can approve or reject a change to a case's sensitivity or team.")
    if not _can_see(actor, request.case):
        raise PermissionDenied("You cannot see this case.")
    if not actor.is_superuser and not actor.teams.filter(pk=request.case.team_id).exists():
        raise PermissionDenied("Only a reviewer of the team that owns the case can decide on this change.")


def _decide(request: CaseChangeRequest, actor: AbstractBaseUser, state: str, note: str) -> None:
    # A conditional UPDATE: of two reviewers deciding at once, one wins and the other hears so.
    decided_at = timezone.now()
    claimed = CaseChangeRequest.objects.filter(pk=request.pk, state=CaseChangeRequest.State.PENDING).update(
        state=state, decided_by=actor, decided_at=decided_at, decision_note=(note or "").strip(),
    )
    if not claimed:
        request.refresh_from_db()
        raise StateConflict(f"Change request {request.pk} has already been {request.state}.")
    request.refresh_from_db()


@transaction.atomic
def case_change_approve(*, actor: AbstractBaseUser, request: CaseChangeRequest, note: str = "") -> CaseChangeRequest:
    """Approve and apply a pending request. Never by the one who asked for it."""
    _check_can_decide(actor, request)
    if request.requested_by_id == actor.pk:
        raise PermissionDenied("You asked for this change yourself: another reviewer must approve it.")
    case = Case.objects.select_for_update().get(pk=request.case_id)
    if request.state != CaseChangeRequest.State.PENDING:
        raise StateConflict(f"Change request {request.pk} has already been {request.state}.")
    if (case.sensitivity, case.team_id) != (request.from_sensitivity, request.from_team_id):
        raise StateConflict(
            f"The case has changed since change request {request.pk} was made (it is now {case.sensitivity}, "
            f"owned by {case.team}): reject the request and ask again."
        )
    _decide(request, actor, CaseChangeRequest.State.APPROVED, note)
    fields = ["updated_at"]
    if request.sensitivity:
        case.sensitivity = request.sensitivity
        fields.append("sensitivity")
    if request.team_id:
        case.team_id = request.team_id
        fields.append("team")
    case._history_user = actor
    case._change_reason = (f"change request {request.pk}: {request.describe()}, asked by "
                           f"{request.requested_by.get_username()}, approved by {actor.get_username()}")
    case.save(update_fields=fields)
    return request


@transaction.atomic
def case_change_reject(*, actor: AbstractBaseUser, request: CaseChangeRequest, note: str = "") -> CaseChangeRequest:
    """Turn a pending request down; the case stays as it is. The decision, too, is another reviewer's."""
    _check_can_decide(actor, request)
    if request.requested_by_id == actor.pk:
        raise PermissionDenied("You asked for this change yourself: another reviewer must decide on it.")
    _decide(request, actor, CaseChangeRequest.State.REJECTED, note)
    return request
