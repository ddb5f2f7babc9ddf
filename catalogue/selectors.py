"""Reads of case records. `cases_visible_to` is the one rule of who sees what:
the admin, the API, search, hash lookup and exports all start from it."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from catalogue.models import Case
from catalogue.roles import LEGAL, REVIEWER, user_roles


def cases_visible_to(user: AbstractBaseUser) -> QuerySet[Case]:
    """Open cases to anyone holding a role; restricted cases to the owning team;
    confidential cases to the owning team's reviewers and legal staff and to
    whoever filed them. Superusers see everything."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    if user.is_superuser:
        return Case.objects.all()
    roles = user_roles(user)
    if not roles:
        return Case.objects.none()
    team_ids = list(user.teams.values_list("id", flat=True))
    visible = Q(sensitivity=Case.Sensitivity.OPEN)
    visible |= Q(sensitivity=Case.Sensitivity.RESTRICTED, team_id__in=team_ids)
    if roles & {REVIEWER, LEGAL}:
        visible |= Q(sensitivity=Case.Sensitivity.CONFIDENTIAL, team_id__in=team_ids)
    visible |= Q(sensitivity=Case.Sensitivity.CONFIDENTIAL, team_id__in=team_ids, created_by=user)
    return Case.objects.filter(visible)


def case_get_visible(user: AbstractBaseUser, reference: str) -> Case | None:
    return cases_visible_to(user).filter(reference=reference).first()
