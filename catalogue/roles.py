"""The roles (Django groups, created by a migration) and who holds them."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import connection

INVESTIGATOR = "investigator"
REVIEWER = "reviewer"
LEGAL = "legal"
ROLES = (INVESTIGATOR, REVIEWER, LEGAL)


@dataclass(frozen=True)
class Access:
    """What the visibility rule needs to know about a user: roles and teams."""

    roles: frozenset[str]
    team_ids: tuple[int, ...]


def access_columns(user_id_sql: str) -> str:
    """Two SQL columns, `access_roles` and `access_teams`: the role names and team
    ids of the user whose id is `user_id_sql`, each joined with commas. The
    token lookup reads them with the token (catalogue/api/authentication.py);
    user_access reads them alone."""
    from catalogue.models import Team

    quote = connection.ops.quote_name
    joined = {"postgresql": "STRING_AGG({}, ',')", "sqlite": "GROUP_CONCAT({}, ',')"}[connection.vendor]
    groups = get_user_model().groups.through._meta
    members = Team.members.through._meta
    team_id = f"CAST(m.{quote(members.get_field('team').column)} AS VARCHAR(20))"
    # Only the role groups, matched whole: another group's name never reaches the split below.
    role_names = ", ".join(f"'{role}'" for role in ROLES)
    return (
        f"(SELECT {joined.format('g.' + quote('name'))} FROM {quote(Group._meta.db_table)} g "
        f"JOIN {quote(groups.db_table)} ug ON ug.{quote(groups.get_field('group').column)} = g.{quote('id')} "
        f"WHERE ug.{quote(groups.get_field('user').column)} = {user_id_sql} "
        f"AND g.{quote('name')} IN ({role_names})) AS access_roles, "
        f"(SELECT {joined.format(team_id)} "
        f"FROM {quote(members.db_table)} m WHERE m.{quote(members.get_field('user').column)} = {user_id_sql}) "
        f"AS access_teams"
    )


def access_from(roles: str | None, teams: str | None) -> Access:
    """An Access from the two columns of access_columns (NULL when there are none)."""
    return Access(
        roles=frozenset(name for name in (roles or "").split(",") if name in ROLES),
        team_ids=tuple(sorted(int(team) for team in (teams or "").split(",") if team)),
    )


def user_access(user: AbstractBaseUser) -> Access:
    """The user's roles and team ids, read in one query and kept on the user
    object, which lives for one request (or one task): a change of role or
    team counts from the next request on."""
    if not user.is_authenticated:
        return Access(frozenset(), ())
    cached = getattr(user, "_access", None)
    if cached is None:
        # A plain cursor: this runs on every request, and the ORM would spend
        # longer building the query than the database spends answering it.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {access_columns('%s')}", [user.pk, user.pk])
            cached = access_from(*cursor.fetchone())
        user._access = cached
    return cached


def user_roles(user: AbstractBaseUser) -> frozenset[str]:
    return user_access(user).roles


def user_has_role(user: AbstractBaseUser, role: str) -> bool:
    return role in user_roles(user)
