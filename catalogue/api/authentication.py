"""Token authentication whose tokens expire (the endpoint that issues them is in tokens.py).

DRF's tokens never expire; a token copied into a script or a ticket would
then open the evidence for ever. API_TOKEN_TTL_HOURS bounds that.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from catalogue.roles import access_columns, access_from


def token_expires_at(token: Token):
    return token.created + timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def token_with_user(key: str) -> Token | None:
    """The token and its user, read in one statement.

    DRF reads them with `select_related("user").get(key=...)`; building and
    compiling that query took half a millisecond of every API request
    (bench/bench_api.py), three times the query itself. A raw query on the user
    model still converts each user column as the ORM does. The user's roles and
    teams come in the same statement (catalogue.roles.access_columns).
    """
    user_model = get_user_model()
    quote = connection.ops.quote_name
    token_meta = Token._meta
    sql = (
        f"SELECT u.*, t.{quote(token_meta.get_field('created').column)} AS token_created, "
        f"{access_columns('u.' + quote(user_model._meta.pk.column))} "
        f"FROM {quote(user_model._meta.db_table)} u JOIN {quote(token_meta.db_table)} t "
        f"ON t.{quote(token_meta.get_field('user').column)} = u.{quote(user_model._meta.pk.column)} "
        f"WHERE t.{quote(token_meta.get_field('key').column)} = %s"
    )
    user = next(iter(user_model.objects.raw(sql, [key])), None)
    if user is None:
        return None
    # The roles and teams every request's visibility rule needs, read along with the token.
    user._access = access_from(user.__dict__.pop("access_roles"), user.__dict__.pop("access_teams"))
    created = user.__dict__.pop("token_created")
    # The extra column comes back as the driver gives it: naive (or text) on SQLite.
    if isinstance(created, str):
        created = parse_datetime(created)
    if timezone.is_naive(created):
        created = timezone.make_aware(created, UTC)
    token = Token.from_db(connection.alias, ["key", "user_id", "created"], [key, user.pk, created])
    token.user = user
    return token


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        token = token_with_user(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        if token_expires_at(token) <= timezone.now():
            raise exceptions.AuthenticationFailed("Token has expired; POST /api/v1/auth/token/ for a new one.")
        return token.user, token
