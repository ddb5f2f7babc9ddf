"""The API's JSON renderer encodes with orjson; what it writes must be DRF's bytes."""

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from config.api_renderers import JSONRenderer

SAMPLES = [
    {"results": [{"id": 1, "name": "Київ", "ok": True, "none": None, "n": 2**62}], "next": None},
    {"at": datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=UTC), "day": date(2022, 3, 16)},
    {"at": datetime(2024, 2, 29, 12, 0, tzinfo=timezone(timedelta(hours=2)))},
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678"), "lat": Decimal("50.450100")},
    {"detail": gettext_lazy("Not found."), "text": "line\u2028separator\u2029paragraph"},
    {1: "a key that is not a string", "big": 2**70},
    [],
    "plain",
]


@pytest.mark.parametrize("data", SAMPLES)
def test_it_writes_the_bytes_drf_writes(data):
    assert JSONRenderer().render(data) == DRFJSONRenderer().render(data)


def test_it_pretty_prints_when_asked_as_drf_does():
    data = {"a": [1, 2], "b": {"c": "d"}}
    media = "application/json; indent=2"
    assert JSONRenderer().render(data, media) == DRFJSONRenderer().render(data, media)
    assert b"\n  " in JSONRenderer().render(data, media)


def test_api_responses_come_out_of_it(world, legal, api):
    client = api(legal)
    for url in ("/api/v1/cases/", f"/api/v1/cases/{world['own', 'open'].reference}/", "/api/v1/cases/?nope=1"):
        response = client.get(url)
        assert response.content == DRFJSONRenderer().render(response.json())
