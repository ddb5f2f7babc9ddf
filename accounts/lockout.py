"""What a locked-out sign-in sees (django-axes' AXES_LOCKOUT_CALLABLE): the API's JSON error, or a page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse

MESSAGE = "Too many failed sign-ins for this account or from this address; try again in {minutes} minutes."


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    minutes = settings.LOGIN_COOLOFF_MINUTES
    detail = MESSAGE.format(minutes=minutes)
    headers = {"Retry-After": str(minutes * 60)}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail, "code": "locked_out", "retry_after": minutes * 60},
                            status=429, headers=headers)
    return HttpResponse(detail, status=429, content_type="text/plain; charset=utf-8", headers=headers)
