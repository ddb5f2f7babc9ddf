"""Signing in as staff in tests: the second factor is required (DEBUG is off under pytest),
so a test that uses the admin proves a real TOTP code, as a person would."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "correct horse battery staple"
FORM = "application/x-www-form-urlencoded"


def post_form(client, path: str, data: dict, **extra):
    """A browser's form post, from the test client or DRF's APIClient alike."""
    return client.post(path, urlencode(data), content_type=FORM, **extra)


def totp_device(user) -> TOTPDevice:
    """The user's confirmed authenticator, made on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)


def code_for(device: TOTPDevice, offset_steps: int = 0) -> str:
    """The code the authenticator app shows now (or `offset_steps` steps later)."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                drift=device.drift + offset_steps)
    return f"{code:0{device.digits}d}"


def verify_second_factor(client, user) -> None:
    """Send the current code through the real verification page."""
    device = totp_device(user)
    # A code is good once (django-otp remembers the last step used); a test that signs
    # the same user in twice within 30 seconds starts from a fresh step, as a later sign-in would.
    # Likewise a test that first sends a wrong code waits out django-otp's delay.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0,
                                                   throttling_failure_timestamp=None)
    device.refresh_from_db()
    response = post_form(client, reverse("second-factor"), {"code": code_for(device)})
    assert response.status_code == 302, response.content[:500]
    device.refresh_from_db()


def admin_login(client, user, password: str = PASSWORD) -> None:
    """The admin's login form, then the second factor."""
    response = post_form(client, reverse("admin:login"), {"username": user.username, "password": password,
                                                          "next": reverse("admin:index")})
    assert response.status_code == 302, response.content[:500]
    verify_second_factor(client, user)


def force_login_verified(client, user) -> None:
    """force_login, with the session marked as having passed the second factor."""
    client.force_login(user)
    verify_second_factor(client, user)
