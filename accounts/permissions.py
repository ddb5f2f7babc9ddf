from django.conf import settings
from rest_framework.permissions import BasePermission


class SignedInUnlessDebug(BasePermission):
    """The API schema and docs: open in development, for signed-in users in production
    (they map every door, which is worth nothing to a stranger but a head start)."""

    def has_permission(self, request, view) -> bool:
        return settings.DEBUG or bool(request.user and request.user.is_authenticated)
