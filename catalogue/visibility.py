"""Who may see which case: the one rule, written once.

Open cases to anyone holding a role; restricted cases to the owning team;
confidential cases to the owning team's reviewers and legal staff and to
whoever filed them. Superusers see everything; a user without a role, or
inactive, sees nothing.

The rule is written as SQL over three columns of a case (its sensitivity, its
team, its filer), with the user's roles and teams as values (user_access reads
them once per request, with the API token). `VisibleTo` puts it into ORM
queries (catalogue.selectors.cases_visible_to, evidence.selectors.items_visible_to,
the admin); fixed statements on hot paths use `visibility_sql` (`visibility_sql_on` for a case table
under an alias) directly. The
same text serves both, so they cannot disagree. Django's own Q objects said the
same thing but cost far more to build and compile on every request than the
database took to answer (bench/bench_api.py).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import BooleanField, Expression, F

from catalogue.models import Case
from catalogue.roles import LEGAL, REVIEWER, user_access

NOTHING = ("1 = 0", ())
EVERYTHING = ("1 = 1", ())


def visibility_sql(user: AbstractBaseUser, sensitivity: str, team: str, created_by: str) -> tuple[str, list | tuple]:
    """The rule as an SQL condition on the given column expressions, with its parameters."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    access = user_access(user)
    if not access.roles:
        return NOTHING
    sql, params = f"{sensitivity} = %s", [Case.Sensitivity.OPEN.value]
    if access.team_ids:
        own_team = f"{team} IN ({', '.join(['%s'] * len(access.team_ids))})"
        restricted, confidential = Case.Sensitivity.RESTRICTED.value, Case.Sensitivity.CONFIDENTIAL.value
        if access.roles & {REVIEWER, LEGAL}:
            sql += f" OR ({own_team} AND {sensitivity} IN (%s, %s))"
            params += [*access.team_ids, restricted, confidential]
        else:
            sql += f" OR ({own_team} AND ({sensitivity} = %s OR ({sensitivity} = %s AND {created_by} = %s)))"
            params += [*access.team_ids, restricted, confidential, user.pk]
    return f"({sql})", params


def visibility_sql_on(user: AbstractBaseUser, alias: str) -> tuple[str, list | tuple]:
    """visibility_sql on the case table's own columns, as `alias` names the table in a fixed statement."""
    q = connection.ops.quote_name
    return visibility_sql(user, *(f"{alias}.{q(column)}" for column in ("sensitivity", "team_id", "created_by_id")))


class VisibleTo(Expression):
    """The rule as a filter condition: `Case.objects.filter(VisibleTo(user))`, or
    with prefix "case__" on what hangs off a case. The ORM resolves the three
    columns (and any join to them); the rule itself is visibility_sql."""

    conditional = True

    def __init__(self, user: AbstractBaseUser, prefix: str = ""):
        super().__init__(output_field=BooleanField())
        self.user = user
        self.columns = [F(f"{prefix}sensitivity"), F(f"{prefix}team_id"), F(f"{prefix}created_by_id")]

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, exprs):
        self.columns = list(exprs)

    def as_sql(self, compiler, connection):
        # Column references compile to bare names, without parameters.
        return visibility_sql(self.user, *(compiler.compile(column)[0] for column in self.columns))
