"""Token authentication against hashed, expiring, revocable tokens (issued by tokens.py).

The key on the wire is `Authorization: Token <key>`, as DRF's; the database
holds only its SHA-256 (accounts.tokens). A token stops working when it
expires (API_TOKEN_TTL_HOURS), is revoked, or its user's password changes.
"""

from __future__ import annotations

import functools
from datetime import UTC

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from accounts.models import ApiToken
from accounts.second_factor import second_factor_missing
from accounts.tokens import key_hash, password_stamp
from catalogue.roles import access_columns, access_from


def _aware(value):
    # Extra columns come back as the driver gives them: naive (or text) on SQLite.
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


@functools.cache
def _token_statement() -> tuple[str, tuple[str, ...]]:
    """The statement of token_with_user, written once, and the user fields it reads first."""
    user_model = get_user_model()
    quote = connection.ops.quote_name
    meta = ApiToken._meta
    fields = tuple(field.attname for field in user_model._meta.concrete_fields)
    user_columns = ", ".join(f"u.{quote(field.column)}" for field in user_model._meta.concrete_fields)
    token_columns = ", ".join(f"t.{quote(meta.get_field(name).column)}" for name in _TOKEN_FIELDS)
    user_pk = "u." + quote(user_model._meta.pk.column)
    sql = (
        f"SELECT {user_columns}, {token_columns}, {access_columns(user_pk)} "
        f"FROM {quote(user_model._meta.db_table)} u JOIN {quote(meta.db_table)} t "
        f"ON t.{quote(meta.get_field('user').column)} = {user_pk} "
        f"WHERE t.{quote(meta.get_field('key_hash').column)} = %s AND t.{quote(meta.get_field('revoked_at').column)} IS NULL"
    )
    return sql, fields


_TOKEN_FIELDS = ("id", "name", "created", "expires_at", "password_stamp")


def token_with_user(key: str) -> ApiToken | None:
    """The unrevoked token for `key` and its user, read in one statement by the key's hash.

    DRF reads them with `select_related("user").get(key=...)`; building and
    compiling that query took half a millisecond of every API request
    (bench/bench_api.py), three times the query itself, and Model.objects.raw()
    still cost ~0.4 ms of CPU per request (bench/api_cpu.py). So: a fixed
    statement on a plain cursor, the user built by Model.from_db with the
    ORM's own conversion of each column. The user's roles and teams come in the
    same statement (catalogue.roles.access_columns).
    """
    user_model = get_user_model()
    sql, fields = _token_statement()
    digest = key_hash(key)
    with connection.cursor() as cursor:
        cursor.execute(sql, [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    n = len(fields)
    values = list(row[:n])
    for position, column, converters in _user_converters():
        for convert in converters:
            values[position] = convert(values[position], column, connection)
    user = user_model.from_db(connection.alias, fields, values)
    # The roles and teams every request's visibility rule needs, read along with the token.
    user._access = access_from(row[-2], row[-1])
    token_fields = dict(zip(_TOKEN_FIELDS, row[n:n + len(_TOKEN_FIELDS)], strict=True))
    token = ApiToken(user_id=user.pk, key_hash=digest, prefix=key[:8], revoked_at=None,
                     **{**token_fields, "created": _aware(token_fields["created"]),
                        "expires_at": _aware(token_fields["expires_at"])})
    token._state.adding = False
    token._state.db = connection.alias
    token.user = user
    return token


@functools.cache
def _user_converters() -> tuple[tuple[int, object, tuple], ...]:
    """(position, column, converters) of each user column the ORM converts: the backend's
    (SQLite gives times as text) and the field's own, as the compiler applies them."""
    user_model = get_user_model()
    found = []
    for position, field in enumerate(user_model._meta.concrete_fields):
        column = field.get_col(user_model._meta.db_table)
        converters = (*connection.ops.get_db_converters(column), *column.get_db_converters(connection))
        if converters:
            found.append((position, column, converters))
    return tuple(found)


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        token = token_with_user(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        # A password change (say, after the old one leaked) ends every token made before it.
        if token.password_stamp != password_stamp(token.user.password):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(_("Token has expired; POST /api/v1/auth/token/ for a new one."))
        return token.user, token


class VerifiedSessionAuthentication(SessionAuthentication):
    """The browsable API and the docs by session, but not on a staff session still waiting
    for its second factor: that session proved a password only."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and second_factor_missing(request._request):
            return None
        return result


class VerifiedSessionScheme(SessionScheme):
    """The schema shows it as the cookie session it is."""

    target_class = VerifiedSessionAuthentication
