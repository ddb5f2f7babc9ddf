"""Schema-driven fuzzing (schemathesis) of the whole API through the WSGI app:
no input may cause a 500 or an answer that breaks the published schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from catalogue import services
from evidence.services import evidence_register
from tests import factories
from tests.api.helpers import client_for, sealed_item

# A piece of a resumable upload (PATCH /api/v1/uploads/{id}/) is raw bytes, as octet-stream is.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(params=["legal", "investigator"])
def fuzz_user(request, team, investigator, settings):
    """One run as a legal user and one as an investigator of the team (the roles that
    read, export and verify, and the role that writes), with cases and items to find."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    place = factories.PlaceFactory(name="Kyiv", aliases=["Kiev"])
    for n, sensitivity in enumerate(("open", "restricted", "confidential"), start=1):
        case = services.case_create(actor=investigator, team=team, reference=f"UA-2022-{n:04d}", title=f"Case {n}",
                                    sensitivity=sensitivity, places=[place], categories=["8(2)(b)(i)"])
        evidence_register(actor=investigator, case=case, kind="intercept", title="Call", held_by="SBU")
        sealed_item(investigator, case, f"bytes of case {n}".encode())
    return factories.user_with_role("legal", team=team) if request.param == "legal" else investigator


@pytest.fixture
def api_schema(fuzz_user):
    # The WSGI handler closes "old" connections around each request; in a test
    # that would close the connection holding the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    from config.wsgi import application

    try:
        # The schema is served to signed-in users only when DEBUG is off.
        token = client_for(fuzz_user)._credentials["HTTP_AUTHORIZATION"]
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application,
                                             headers={"Authorization": token})
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_input_breaks_the_api(case, fuzz_user):
    token = client_for(fuzz_user)._credentials["HTTP_AUTHORIZATION"]
    case.call_and_validate(headers={"Authorization": token}, checks=CHECKS)
