"""Signing in: the lockout on the admin and the token endpoint, the client address it counts by,
and the admin's second factor."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from catalogue.api.throttling import AuthRateThrottle
from catalogue.models import AccessLog
from tests import factories
from tests.admin_pages import staff
from tests.api.helpers import client_for
from tests.auth_helpers import (
    PASSWORD,
    code_for,
    force_login_verified,
    post_form,
    totp_device,
    verify_second_factor,
)

LOGIN = "/admin/login/"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def member(team):
    return staff("investigator", team)


@pytest.fixture
def world(team, investigator):
    return {("own", "open"): factories.CaseFactory(team=team, created_by=investigator, sensitivity="open")}


def admin_post(client, username, password, addr="10.0.0.1", **headers):
    return post_form(client, LOGIN, {"username": username, "password": password, "next": "/admin/"},
                     REMOTE_ADDR=addr, **headers)


def token_post(username, password, addr="10.0.0.1", **headers):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json",
                            REMOTE_ADDR=addr, **headers)


def fail(times, username, addr="10.0.0.1", **headers):
    """Wrong passwords on the admin; the one that reaches the limit is already answered with the lockout."""
    for _ in range(times):
        assert admin_post(APIClient(), username, "wrong password", addr, **headers).status_code in (200, 429)


# The lockout


def test_the_right_password_is_refused_on_the_admin_once_the_account_is_locked(member, settings):
    fail(settings.LOGIN_FAILURE_LIMIT - 1, member.username)
    fail(1, member.username, addr="10.9.9.9")  # the limit is per account, from any address
    response = admin_post(APIClient(), member.username, PASSWORD, addr="10.0.0.2")
    assert response.status_code == 429 and "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session
    # The token endpoint shares the lock: same account, another door, right password.
    refused = token_post(member.username, PASSWORD, addr="10.0.0.3")
    assert refused.status_code == 429 and refused.json()["code"] == "locked_out"
    assert int(refused["Retry-After"]) == settings.LOGIN_COOLOFF_MINUTES * 60


def test_fewer_failures_than_the_limit_lock_nothing(member, settings):
    fail(settings.LOGIN_FAILURE_LIMIT - 1, member.username)
    assert admin_post(APIClient(), member.username, PASSWORD).status_code == 302


def test_the_token_endpoint_locks_the_account_and_refuses_the_right_password(legal, settings):
    for n in range(settings.LOGIN_FAILURE_LIMIT - 1):
        response = token_post(legal.username, "guess", addr=f"10.1.0.{n}")
        assert response.status_code == 400 and "credentials" in response.json()["detail"]
    assert token_post(legal.username, "guess", addr="10.1.0.99").status_code == 429
    refused = token_post(legal.username, "correct horse battery staple", addr="10.1.1.1")
    assert refused.status_code == 429 and refused.json()["code"] == "locked_out"
    assert "token" not in refused.json()


def test_one_address_is_locked_for_every_account_and_others_are_not(team, settings):
    victims = [staff("investigator", team) for _ in range(settings.LOGIN_FAILURE_LIMIT)]
    for victim in victims:
        fail(1, victim.username, addr="192.0.2.7")
    bystander = staff("investigator", team)
    assert admin_post(APIClient(), bystander.username, PASSWORD, addr="192.0.2.7").status_code == 429
    assert token_post(bystander.username, PASSWORD, addr="192.0.2.7").status_code == 429
    # The same account from another address: only that one address is locked.
    assert admin_post(APIClient(), bystander.username, PASSWORD, addr="192.0.2.8").status_code == 302


def test_the_lock_lifts_after_the_cool_off(member, settings):
    fail(settings.LOGIN_FAILURE_LIMIT, member.username)
    assert admin_post(APIClient(), member.username, PASSWORD, addr="10.0.0.2").status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES, seconds=1))
    assert admin_post(APIClient(), member.username, PASSWORD, addr="10.0.0.2").status_code == 302


# The client address


def test_a_spoofed_forwarded_for_neither_escapes_nor_moves_the_lockout(team, settings):
    users = [staff("investigator", team) for _ in range(settings.LOGIN_FAILURE_LIMIT)]
    for n, user in enumerate(users):
        fail(1, user.username, addr="198.51.100.5", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.5"}
    bystander = staff("investigator", team)
    response = admin_post(APIClient(), bystander.username, PASSWORD, addr="198.51.100.5",
                          HTTP_X_FORWARDED_FOR="203.0.113.200")
    assert response.status_code == 429
    # Nor can a client lock out someone else's address by naming it.
    fail(settings.LOGIN_FAILURE_LIMIT, "nobody", addr="198.51.100.6", HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert admin_post(APIClient(), bystander.username, PASSWORD, addr="198.51.100.9").status_code == 302


def test_a_spoofed_forwarded_for_does_not_reset_the_token_throttle(db, monkeypatch):
    monkeypatch.setattr(AuthRateThrottle, "THROTTLE_RATES", {"auth": "3/minute"})
    monkeypatch.setattr(AuthRateThrottle, "timer", lambda self: 6000.0)
    statuses = [token_post(f"user{n}", "x", addr="198.51.100.5", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
                for n in range(4)]
    assert statuses == [400, 400, 400, 429]
    assert token_post("user9", "x", addr="198.51.100.6").status_code == 400


def test_a_spoofed_forwarded_for_does_not_reach_the_access_log(world, legal):
    case = world["own", "open"]
    response = client_for(legal).get(f"/api/v1/cases/{case.reference}/", REMOTE_ADDR="198.51.100.5",
                                     HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 200
    assert AccessLog.objects.get(case=case, user=legal).remote_addr == "198.51.100.5"


def test_behind_trusted_proxies_the_address_they_saw_counts(world, legal, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    case = world["own", "open"]
    # The client wrote the first entry; our one proxy appended the address it saw.
    client_for(legal).get(f"/api/v1/cases/{case.reference}/", REMOTE_ADDR="10.0.0.254",
                          HTTP_X_FORWARDED_FOR="203.0.113.9, 192.0.2.44")
    assert AccessLog.objects.get(case=case, user=legal).remote_addr == "192.0.2.44"


# The second factor


def test_a_new_staff_member_is_sent_to_enrol_and_gets_in_with_a_real_code(client, member):
    assert client.post(LOGIN, {"username": member.username, "password": PASSWORD, "next": "/admin/"}).status_code == 302
    response = client.get("/admin/catalogue/case/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("second-factor-enrol"))
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"<svg" in page.content
    uri = unquote(re.search(r'id="otpauth-uri">([^<]+)<', page.content.decode()).group(1)).replace("&amp;", "&")
    assert uri.startswith("otpauth://totp/")
    secret = parse_qs(urlparse(uri).query)["secret"][0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    wrong = client.post(reverse("second-factor-enrol"), {"code": "000000"})
    assert wrong.status_code == 200 and client.get("/admin/").status_code == 302
    # django-otp makes a wrong code wait a second before the next try; wait it out.
    TOTPDevice.objects.update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=10))
    code = f"{TOTP(key).token():06d}"
    done = client.post(reverse("second-factor-enrol"), {"code": code, "next": "/admin/catalogue/case/"})
    assert done.status_code == 302 and done["Location"] == "/admin/catalogue/case/"
    assert client.get("/admin/catalogue/case/").status_code == 200
    # Enrolled: a second device cannot be added without the first.
    assert client.get(reverse("second-factor-enrol"))["Location"].startswith(reverse("second-factor"))


def test_staff_with_a_device_reach_no_admin_page_without_its_code(client, member):
    device = totp_device(member)
    client.force_login(member)
    for path in ("/admin/", "/admin/catalogue/case/", "/admin/password_change/", "/admin/accounts/apitoken/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(reverse("second-factor")), path
    assert client.post(reverse("second-factor"), {"code": code_for(device, offset_steps=5)}).status_code == 200
    assert client.get("/admin/").status_code == 302
    verify_second_factor(client, member)
    assert client.get("/admin/").status_code == 200


def test_a_code_is_good_once(client, member):
    device = totp_device(member)
    client.force_login(member)
    code = code_for(device)
    assert client.post(reverse("second-factor"), {"code": code}).status_code == 302
    other = APIClient()
    other.force_login(member)
    assert post_form(other, reverse("second-factor"), {"code": code}).status_code == 200
    assert other.get("/admin/").status_code == 302


def test_the_second_factor_is_skipped_only_in_debug(client, member, settings):
    settings.DEBUG = True
    client.force_login(member)
    assert client.get("/admin/").status_code == 200


def test_a_password_only_staff_session_does_not_open_the_api(member, world):
    client = APIClient()
    client.force_login(member)
    assert client.get("/api/v1/cases/").status_code == 401
    verify_second_factor(client, member)
    assert client.get("/api/v1/cases/").status_code == 200


def test_a_staff_account_needs_its_code_for_a_token(member):
    device = totp_device(member)
    refused = token_post(member.username, PASSWORD)
    assert refused.status_code == 400 and "otp" in refused.json()["detail"]
    response = APIClient().post(TOKEN, {"username": member.username, "password": PASSWORD, "otp": code_for(device)},
                                format="json")
    assert response.status_code == 200 and response.json()["token"]


def test_an_outsider_is_sent_to_the_login_page_not_the_second_factor(client, db):
    outsider = factories.UserFactory()
    client.force_login(outsider)
    assert client.get(reverse("second-factor"))["Location"].startswith(LOGIN)
    force_login_verified(APIClient(), staff("legal"))


def test_signing_in_to_ones_own_account_does_not_wipe_failures_against_others(team, settings):
    attacker, victim = staff("investigator", team), staff("investigator", team)
    fail(settings.LOGIN_FAILURE_LIMIT - 1, victim.username, addr="192.0.2.50")
    assert admin_post(APIClient(), attacker.username, PASSWORD, addr="192.0.2.50").status_code == 302
    fail(1, victim.username, addr="192.0.2.51")
    assert admin_post(APIClient(), victim.username, PASSWORD, addr="192.0.2.52").status_code == 429
