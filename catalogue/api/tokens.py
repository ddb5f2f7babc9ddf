"""POST /api/v1/auth/token/ (a new token for a username and password) and /auth/logout/ (revoke it)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from django_otp import match_token
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.second_factor import second_factor_required
from accounts.tokens import token_create, token_revoke
from catalogue.api.throttling import AuthRateThrottle
from config.api_parsers import JSONParser  # bounded depth: deep nesting is a 400, not a RecursionError


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(max_length=100, required=False, default="api",
                                 help_text="A label for this token, to tell your tokens apart.")
    otp = serializers.CharField(max_length=8, required=False, default="",
                                help_text="Staff accounts: the code from your authenticator app.")

    def validate(self, attrs):
        request = self.context["request"]
        # The plain HttpRequest: django-axes counts failures and flags a lockout on it.
        user = authenticate(request._request, username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(_("Unable to log in with provided credentials."), code="authorization")
        if second_factor_required(user):
            if not attrs["otp"] or match_token(user, attrs["otp"].strip()) is None:
                raise serializers.ValidationError(
                    _("This is a staff account: send the code from your authenticator app as `otp`."),
                    code="authorization")
        attrs["user"] = user
        return attrs


class ObtainTokenView(APIView):
    """Username and password for a new token (`Authorization: Token <key>`); the key is shown only here."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    throttle_classes = [AuthRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {
            "token": serializers.CharField(), "name": serializers.CharField(),
            "expires_at": serializers.DateTimeField(),
        })},
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, key = token_create(user=serializer.validated_data["user"], name=serializer.validated_data["name"])
        return Response({"token": key, "name": token.name, "expires_at": token.expires_at})


class LogoutView(APIView):
    """Revokes the token this request was sent with."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, *args, **kwargs):
        if not isinstance(request.auth, ApiToken):
            return Response({"detail": "Send the token to revoke as `Authorization: Token <key>`.",
                             "code": "no_token"}, status=status.HTTP_400_BAD_REQUEST)
        token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
