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


def user_access(user: AbstractBaseUser) -> Access:
    """The user's roles and team ids, read in one query and kept on the user
    object, which lives for one request (or one task): a change of role or
    team counts from the next request on."""
    if not user.is_authenticated:
        return Access(frozenset(), ())
    cached = getattr(user, "_access", None)
    if cached is None:
        from catalogue.models import Team

        quote = connection.ops.quote_name
        groups = get_user_model().groups.through._meta
        members = Team.members.through._meta
        # One round trip for both lists; a plain cursor, as this runs on every request.
        sql = (
            f"SELECT 'role', g.{quote('name')} FROM {quote(Group._meta.db_table)} g "
            f"JOIN {quote(groups.db_table)} ug ON ug.{quote(groups.get_field('group').column)} = g.{quote('id')} "
            f"WHERE ug.{quote(groups.get_field('user').column)} = %s "
            f"UNION ALL SELECT 'team', CAST(m.{quote(members.get_field('team').column)} AS VARCHAR(20)) "
            f"FROM {quote(members.db_table)} m WHERE m.{quote(members.get_field('user').column)} = %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [user.pk, user.pk])
            rows = cursor.fetchall()
        cached = Access(
            roles=frozenset(value for kind, value in rows if kind == "role" and value in ROLES),
            team_ids=tuple(sorted(int(value) for kind, value in rows if kind == "team")),
        )
        user._access = cached
    return cached


def user_roles(user: AbstractBaseUser) -> frozenset[str]:
    return user_access(user).roles


def user_has_role(user: AbstractBaseUser, role: str) -> bool:
    return role in user_roles(user)
