"""What a person does in the browser, as steps the browser tests share."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.auth_helpers import PASSWORD, code_for, totp_device


def sign_in(page, live_server, user, password: str = PASSWORD) -> None:
    """The admin's sign-in form, then the authenticator's code, typed as a person would."""
    device = totp_device(user)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0,
                                                   throttling_failure_timestamp=None)
    device.refresh_from_db()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("input[name=code]")
    page.fill("input[name=code]", code_for(device))
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def admin_url(live_server, path: str) -> str:
    return f"{live_server.url}/admin/{path.lstrip('/')}"
