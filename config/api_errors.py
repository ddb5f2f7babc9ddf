"""The API's one exception handler (in config: it maps both apps' domain errors): every error is JSON.

Shape: {"detail": "<what went wrong>", "code": "<machine-readable>"} plus
"errors": {field: [messages]} when the request had invalid fields. Domain
exceptions raised by services (Django's ValidationError, PermissionDenied,
UploadTooLarge) map here, so views stay thin.
"""

from __future__ import annotations

from typing import Any

from django.core import exceptions as django_exceptions
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The resource is not in a state that allows this.")
    default_code = "conflict"


class RangeNotSatisfiable(exceptions.APIException):
    status_code = status.HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE
    default_detail = _("The requested range is not within the file.")
    default_code = "range_not_satisfiable"


class ContentUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The stored content cannot be read right now.")
    default_code = "content_unavailable"


def _django_validation_errors(exc: django_exceptions.ValidationError) -> dict[str, list[str]] | list[str]:
    if hasattr(exc, "error_dict"):
        return {("non_field_errors" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
    return list(exc.messages)


def _translate(exc: Exception) -> Exception:
    """Domain and Django exceptions as DRF ones (which carry a status)."""
    from catalogue.case_changes import StateConflict  # noqa: PLC0415 - config imports apps lazily
    from evidence.services import UploadTooLarge  # noqa: PLC0415

    if isinstance(exc, StateConflict):
        return Conflict(str(exc))
    if isinstance(exc, RecursionError):
        # Only a parser can get this deep on our inputs (a body nested past the interpreter's
        # limit); config.api_parsers refuses such bodies first, this covers any other parser.
        return exceptions.ParseError(_("The request body is nested too deeply."))
    if isinstance(exc, UploadTooLarge):
        messages = _django_validation_errors(exc)
        detail = "; ".join(m for ms in messages.values() for m in ms) if isinstance(messages, dict) else "; ".join(messages)
        return PayloadTooLarge(detail or None)
    if isinstance(exc, django_exceptions.RequestDataTooBig):
        return PayloadTooLarge(str(exc) or None)
    if isinstance(exc, (django_exceptions.TooManyFieldsSent, django_exceptions.TooManyFilesSent)):
        return exceptions.ValidationError(str(exc))
    if isinstance(exc, django_exceptions.ValidationError):
        return exceptions.ValidationError(_django_validation_errors(exc))
    return exc


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [f"{key}: {m}" for key, value in detail.items() for m in _flatten(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _flatten(value)]
    return [str(detail)]


def exception_handler(exc: Exception, context: dict) -> Response | None:
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 handler logs it
    if isinstance(exc, exceptions.ValidationError):
        messages = _flatten(exc.detail)
        body: dict[str, Any] = {
            "detail": messages[0] if len(messages) == 1 else "The request is not valid: " + "; ".join(messages),
            "code": "invalid",
        }
        if isinstance(exc.detail, dict):
            body["errors"] = exc.detail
        else:
            body["errors"] = {"non_field_errors": _flatten(exc.detail)}
    elif isinstance(exc, (exceptions.APIException, Http404, django_exceptions.PermissionDenied)):
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        if isinstance(exc, Http404):
            code = "not_found"
        body = {"detail": str(detail), "code": str(code)}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            body["retry_after"] = int(exc.wait)
        extra = getattr(exc, "extra", None)
        if extra:
            body.update(extra)
    else:  # pragma: no cover - drf_exception_handler only answers the kinds above
        body = {"detail": str(response.data), "code": "error"}
    response.data = body
    return response


# --- OpenAPI: document the error answers every operation can give ------------

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "code": {"type": "string", "description": "What went wrong, for a program."},
        "errors": {
            "type": "object",
            "description": "Per field, what is wrong with it (400 only).",
            "additionalProperties": {},
        },
        "retry_after": {"type": "integer", "description": "Seconds to wait (429 only)."},
        "state": {"type": "string", "description": "The item's state (409 only)."},
    },
    "required": ["detail", "code"],
}

_COMMON = {
    "400": "Invalid input: an unknown parameter, a malformed value, a tampered cursor.",
    "401": "No credentials, or a wrong or expired token.",
    "403": "Authenticated, but this role may not do this.",
    "404": "No such record, or not one you may see.",
    "405": "This method is not allowed here.",
    "406": "The requested representation cannot be produced.",
    "429": "Too many requests: wait `retry_after` seconds.",
}
_WITH_BODY = {
    "413": "The upload is over the size limit.",
    "415": "Unsupported request media type.",
}


def add_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: the error schema on every operation."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            wanted = dict(_COMMON)
            if "requestBody" in operation:
                wanted.update(_WITH_BODY)
            for code, description in wanted.items():
                operation["responses"].setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
            # An error a view documents by description alone (409, 416, ...) has this body too.
            for code, response in operation["responses"].items():
                if str(code).startswith("4") and "content" not in response:
                    response["content"] = {"application/json": {"schema": ref}}
    return result
