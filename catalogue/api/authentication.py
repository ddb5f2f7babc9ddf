"""Token authentication against hashed, expiring, revocable tokens (issued by tokens.py).

The key on the wire is `Authorization: Token <key>`, as DRF's; the database
holds only its SHA-256 (accounts.tokens). A token stops working when it
expires (API_TOKEN_TTL_HOURS), is revoked, or its user's password changes.
"""

from __future__ import annotations

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


def token_with_user(key: str) -> ApiToken | None:
    """The unrevoked token for `key` and its user, read in one statement by the key's hash.

    DRF reads them with `select_related("user").get(key=...)`; building and
    compiling that query took half a millisecond of every API request
    (bench/bench_api.py), three times the query itself. A raw query on the user
    model still converts each user column as the ORM does. The user's roles and
    teams come in the same statement (catalogue.roles.access_columns).
    """
    user_model = get_user_model()
    quote = connection.ops.quote_name
    meta = ApiToken._meta

    def column(name: str) -> str:
        return "t." + quote(meta.get_field(name).column)

    user_pk = "u." + quote(user_model._meta.pk.column)
    sql = (
        f"SELECT u.*, {column('id')} AS token_id, {column('name')} AS token_name, "
        f"{column('created')} AS token_created, {column('expires_at')} AS token_expires_at, "
        f"{column('password_stamp')} AS token_password_stamp, {access_columns(user_pk)} "
        f"FROM {quote(user_model._meta.db_table)} u JOIN {quote(meta.db_table)} t "
        f"ON {column('user')} = {user_pk} "
        f"WHERE {column('key_hash')} = %s AND {column('revoked_at')} IS NULL"
    )
    user = next(iter(user_model.objects.raw(sql, [key_hash(key)])), None)
    if user is None:
        return None
    # The roles and teams every request's visibility rule needs, read along with the token.
    user._access = access_from(user.__dict__.pop("access_roles"), user.__dict__.pop("access_teams"))
    fields = {name: user.__dict__.pop(f"token_{name}") for name in ("id", "name", "created", "expires_at",
                                                                    "password_stamp")}
    token = ApiToken(user_id=user.pk, key_hash=key_hash(key), prefix=key[:8], revoked_at=None,
                     **{**fields, "created": _aware(fields["created"]), "expires_at": _aware(fields["expires_at"])})
    token._state.adding = False
    token._state.db = connection.alias
    token.user = user
    return token


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
