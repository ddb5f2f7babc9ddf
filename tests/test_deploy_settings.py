"""Production settings: check --deploy is clean, a short SECRET_KEY is refused, every page carries
the security headers and a CSP, sessions end when idle, and the API's map needs a login."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from tests.admin_pages import staff
from tests.api.helpers import client_for, sealed_item
from tests.auth_helpers import force_login_verified
from tests.factories import CaseFactory

ROOT = Path(__file__).resolve().parent.parent
# Test runs set these to suit the test client; production leaves them to the settings' defaults.
UNSET = ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
         "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SQLITE_TEST_NAME",
         # Set by tests/browser/conftest.py for Playwright's thread; check --deploy rightly refuses it.
         "DJANGO_ALLOW_ASYNC_UNSAFE")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in UNSET}
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings", "ALLOWED_HOSTS": "example.org", **env})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(45))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr


@pytest.mark.parametrize("key", ["x", "ci-only-secret-key", secrets.token_urlsafe(36)[:49]])
def test_a_secret_key_under_50_characters_is_refused_when_debug_is_off(key):
    result = manage("check", DEBUG="0", SECRET_KEY=key)
    assert result.returncode != 0
    assert f"SECRET_KEY is {len(key)} characters long" in result.stderr and "at least 50" in result.stderr


def test_a_short_key_is_fine_in_development():
    assert manage("check", DEBUG="1", SECRET_KEY="x").returncode == 0


def assert_security_headers(response, *, https: bool = False) -> None:
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    if https:
        assert "max-age=" in response["Strict-Transport-Security"]


def test_admin_pages_carry_the_security_headers(client, team):
    assert_security_headers(client.get("/admin/login/", secure=True), https=True)
    user = staff("investigator", team)
    force_login_verified(client, user)
    page = client.get("/admin/catalogue/case/", secure=True)
    assert page.status_code == 200
    assert_security_headers(page, https=True)


def test_api_answers_and_errors_carry_the_security_headers(legal):
    assert_security_headers(client_for(legal).get("/api/v1/cases/"))
    assert_security_headers(APIClient().get("/api/v1/cases/"))
    assert_security_headers(APIClient().get("/api/v1/nothing-here/"))


def test_plain_http_is_sent_to_https_except_the_health_checks(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/admin/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    assert client.get("/admin/login/", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_evidence_content_is_an_attachment_the_browser_may_not_sniff(investigator, team, legal):
    case = CaseFactory(team=team, created_by=investigator, sensitivity="open")
    item = sealed_item(investigator, case, b"<html><script>alert(1)</script></html>", name="page.html",
                       kind="webpage")
    response = client_for(legal).get(f"/api/v1/evidence/{item.pk}/content/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_api_docs_and_schema_need_a_login_when_debug_is_off(legal, settings):
    for path in ("/api/docs/", "/api/redoc/", "/api/schema/", "/api/docs/?script="):
        assert APIClient().get(path).status_code == 401, path
    signed_in = client_for(legal)
    docs = signed_in.get("/api/docs/")
    assert docs.status_code == 200
    # Swagger UI from our own static files (drf-spectacular-sidecar), its start-up script a file too.
    body = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/" in body and "cdn" not in body.lower() and "<script>" not in body
    redoc = signed_in.get("/api/redoc/")
    assert redoc.status_code == 200
    # ReDoc likewise, and no font server (drf-spectacular's own template links Google Fonts).
    body = redoc.content.decode()
    assert "/static/drf_spectacular_sidecar/redoc/" in body and "<script>" not in body
    assert "https://" not in body and "http://" not in body
    assert signed_in.get("/api/schema/?format=json").status_code == 200
    settings.DEBUG = True
    assert APIClient().get("/api/schema/?format=json").status_code == 200


def test_an_admin_session_ends_when_idle_and_each_request_extends_it(client, team, settings):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_TIMEOUT_SECONDS <= 3600
    user = staff("investigator", team)
    force_login_verified(client, user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    almost = timezone.now() + timedelta(seconds=30)
    Session.objects.filter(session_key=key).update(expire_date=almost)
    assert client.get("/admin/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date > almost + timedelta(seconds=60)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
