"""Refuse a NUL byte anywhere in a request's path or query, before any view sees it.

PostgreSQL text cannot hold NUL, and psycopg raises ValueError on a query
parameter that contains one: a `%00` in a case reference or a filter was a
500. No path segment or parameter of this site has a use for it, so the
request is a 400 at the door, whatever it was addressed to.
"""

from __future__ import annotations

from django.http import HttpResponseBadRequest, JsonResponse

MESSAGE = "The request's path or query contains a NUL byte (%00), which no part of this site accepts."


def _has_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists())


class RefuseNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": MESSAGE, "code": "invalid",
                                     "errors": {"non_field_errors": [MESSAGE]}}, status=400)
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
