"""The API's JSON: DRF's renderer, with the encoding done by orjson.

Encoding a 50-row page with the standard library took about 0.2 ms, a tenth
of what the database spends on it; orjson does it in a tenth of that
(bench/bench_api.py). The output is byte for byte DRF's (compact, UTF-8,
U+2028 and U+2029 escaped); tests/api/test_renderer.py holds them equal.
Anything orjson does not encode as DRF would goes through DRF's encoder.
"""

from __future__ import annotations

import orjson
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

# Times, dates and decimals go to DRF's encoder, which writes them as the rest
# of the API does (UTC as "Z"); orjson would write "+00:00".
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME


class JSONRenderer(DRFJSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        indent = self.get_indent(accepted_media_type or "", renderer_context or {})
        if indent is not None or not self.compact or self.ensure_ascii:
            return super().render(data, accepted_media_type, renderer_context)  # pretty-printed, or ASCII only
        try:
            encoded = orjson.dumps(data, default=self.encoder_class().default, option=_OPTIONS)
        except TypeError:
            # Not encodable by orjson (keys that are not strings, integers past 64 bits, NaN
            # under strict rules): DRF's renderer decides, and raises what it would.
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF does: these two are valid JSON but end a line in JavaScript.
        return encoded.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
