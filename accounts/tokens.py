"""API tokens: made, revoked and recognised. The key is random and kept only as its SHA-256.

A key of 256 random bits needs no slow, salted hash: nobody can guess one from
its digest, and a plain digest can be looked up by index in the one query the
API's hot path makes (catalogue.api.authentication).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def password_stamp(password_hash: str) -> str:
    """Changes whenever the password does (a new salt each time), so a token made before is dead."""
    return hashlib.sha256(f"api-token:{password_hash}".encode()).hexdigest()


def token_create(*, user: AbstractBaseUser, name: str = "api", ttl: timedelta | None = None) -> tuple[ApiToken, str]:
    """A new token and its key (the only time the key exists outside the client)."""
    ttl = ttl if ttl is not None else timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    now = timezone.now()
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        # Expired tokens are dead already; clearing them keeps a user's list short.
        ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
        token = ApiToken.objects.create(
            user=user, name=name.strip() or "api", key_hash=key_hash(key), prefix=key[:8],
            password_stamp=password_stamp(user.password), created=now, expires_at=now + ttl,
        )
    return token, key


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
