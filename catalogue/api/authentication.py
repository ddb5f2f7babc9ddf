"""Token authentication whose tokens expire (the endpoint that issues them is in tokens.py).

DRF's tokens never expire; a token copied into a script or a ticket would
then open the evidence for ever. API_TOKEN_TTL_HOURS bounds that.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_expires_at(token: Token):
    return token.created + timedelta(hours=settings.API_TOKEN_TTL_HOURS)


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expires_at(token) <= timezone.now():
            raise exceptions.AuthenticationFailed("Token has expired; POST /api/v1/auth/token/ for a new one.")
        return user, token
