"""The API's JSON parser: a body is one JSON object, nested no deeper than MAX_DEPTH.

DRF's parser hands Python's json whatever arrives. A body nested a thousand
deep raises RecursionError, which DRF does not expect (a 500, without logging
in, on the token endpoint); a top-level list or string reaches views that
read fields with `.get` (another 500). Every JSON endpoint here takes an
object of plain fields, so anything else is a 400 that says so.
"""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Our bodies are a flat object of fields with, at most, a list of ids; a generous bound.
MAX_DEPTH = 32


def depth_within(value, limit: int) -> bool:
    """True if `value` nests lists and objects no deeper than `limit` (iterative: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children)
    return True


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(stream.read().decode(encoding), parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError(f"JSON parse error - the body is nested more than {MAX_DEPTH} levels deep.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if not isinstance(data, dict):
            raise ParseError(f"The body must be a JSON object ({{\"field\": value, ...}}), not {_kind(data)}.")
        if not depth_within(data, MAX_DEPTH):
            raise ParseError(f"JSON parse error - the body is nested more than {MAX_DEPTH} levels deep.")
        return data


def _refuse_constant(name: str):
    # NaN and Infinity are not JSON (RFC 8259), though Python's json reads them.
    raise ValueError(f"{name} is not a JSON value")


def _kind(value) -> str:
    return {list: "a list", str: "a string", bool: "true or false", type(None): "null"}.get(type(value), "a number")
