"""Cursor pagination with signed cursors and a strict page size.

Keyset pagination costs the same at any depth (PERFORMANCE.md: OFFSET 500000
took ~700 ms). DRF's cursors are plain base64, so a hand-edited one reaches
the database as an arbitrary position; ours are signed, and a changed cursor
is a 400, not a 500 or a silent jump.
"""

from __future__ import annotations

from django.core import signing
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.utils.urls import replace_query_param

_SALT = "api.cursor"


class SignedCursorPagination(CursorPagination):
    """Orderings come from the view's `ordering_choices` ({public name: model fields});
    the first field must be unique or nearly so and never NULL (it is the keyset)."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering_query_param = "ordering"

    def get_ordering(self, request, queryset, view):
        choices: dict[str, tuple[str, ...]] = view.ordering_choices
        name = request.query_params.get(self.ordering_query_param, view.default_ordering)
        if name not in choices:
            raise ValidationError({"ordering": f"Unknown ordering {name!r}; use one of: {', '.join(choices)}."})
        self.ordering_name = name
        return choices[name]

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({"page_size": _("Give a whole number.")}) from None
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({"page_size": f"Give a number from 1 to {self.max_page_size}."})
        return size

    def encode_cursor(self, cursor: Cursor) -> str:
        token = signing.dumps(
            [cursor.offset, bool(cursor.reverse), cursor.position, self.ordering_name], salt=_SALT, compress=True
        )
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def decode_cursor(self, request) -> Cursor | None:
        token = request.query_params.get(self.cursor_query_param)
        if not token:  # absent, or empty (`?cursor=`, as a form leaves it): the first page
            return None
        try:
            offset, reverse, position, ordering = signing.loads(token, salt=_SALT)
        except (signing.BadSignature, ValueError, TypeError):
            raise ValidationError({"cursor": _("The cursor is not valid: use the `next` or `previous` link as given.")}) from None
        if ordering != self.ordering_name:
            raise ValidationError({"cursor": _("The cursor belongs to another ordering: start again without it.")})
        if not isinstance(offset, int) or offset < 0 or not (position is None or isinstance(position, str)):
            raise ValidationError({"cursor": _("The cursor is not valid.")})
        return Cursor(offset=min(offset, self.offset_cutoff), reverse=bool(reverse), position=position)

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.ordering_query_param:
                param["schema"] = {"type": "string", "enum": list(view.ordering_choices)}
            if param["name"] == self.page_size_query_param:
                param["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        if not any(p["name"] == self.ordering_query_param for p in params):
            params.append({
                "name": self.ordering_query_param, "required": False, "in": "query",
                "description": f"Order of the results (default {view.default_ordering}).",
                "schema": {"type": "string", "enum": list(view.ordering_choices)},
            })
        return params
