"""The admin's second factor: a TOTP code (django-otp) after the password, for every staff account.

Required whenever DEBUG is off; there is no setting that turns it off in
production. A staff session that has passed the password but not the code
may reach only the pages below (verify, enrol, log out): the admin middleware
sends it here, and the API's session authentication ignores it.

A staff user with no confirmed device enrols on first sign-in: we show the
otpauth URI and its QR code (an SVG made here, no third party sees the
secret), and the device counts only once a code from it has been checked.
Resetting a lost device is an administrator's job (delete it in the admin).
"""

from __future__ import annotations

import segno
from django import forms
from django.conf import settings
from django.contrib.admin import site as admin_site
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice


def second_factor_required(user) -> bool:
    return not settings.DEBUG and user.is_authenticated and user.is_staff


def second_factor_missing(request) -> bool:
    """A staff session that has shown its password but not yet a code."""
    user = getattr(request, "user", None)
    if user is None or not second_factor_required(user):
        return False
    return not (hasattr(user, "is_verified") and user.is_verified())


def _open_paths() -> tuple[str, ...]:
    return (reverse("second-factor"), reverse("second-factor-enrol"), reverse("admin:login"),
            reverse("admin:logout"), reverse("admin:jsi18n"))


class AdminSecondFactorMiddleware:
    """Every admin page but sign-in and sign-out asks a staff session for its code first.
    Install after django_otp.middleware.OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        admin_root = reverse("admin:index")
        if (request.path.startswith(admin_root) and request.path not in _open_paths()
                and second_factor_missing(request)):
            target = "second-factor" if _confirmed_device(request.user) else "second-factor-enrol"
            return redirect_to_login(request.get_full_path(), reverse(target))
        return self.get_response(request)


def _confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code from your authenticator app"), max_length=8,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                         "autofocus": True}))


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse("admin:index")


def _staff_only(view):
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.is_staff and request.user.is_active):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        return view(request, *args, **kwargs)
    return wrapped


def _context(request, **extra) -> dict:
    return {**admin_site.each_context(request), "next": _next_url(request), **extra}


@never_cache
@sensitive_post_parameters("code")
@_staff_only
def verify(request):
    device = _confirmed_device(request.user)
    if device is None:
        return HttpResponseRedirect(f"{reverse('second-factor-enrol')}?next={_next_url(request)}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # verify_is_allowed/verify_token apply django-otp's growing delay after each wrong code.
        allowed, _details = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["code"].strip()):
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
        form.add_error("code", "That code is wrong or has been used; wait for the next one."
                       if allowed else "Too many wrong codes; wait a little and try again.")
    return render(request, "accounts/second_factor.html",
                  _context(request, form=form, title=_("Second factor")))


@never_cache
@sensitive_post_parameters("code")
@_staff_only
def enrol(request):
    if _confirmed_device(request.user) is not None:
        # Adding a device needs the one already held; a lost one is reset by an administrator.
        return HttpResponseRedirect(f"{reverse('second-factor')}?next={_next_url(request)}")
    device = (TOTPDevice.objects.devices_for_user(request.user, confirmed=False).first()
              or TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
        form.add_error("code", "That code does not match: check the clock on your device and try again.")
    uri = device.config_url
    qr = mark_safe(segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff"))
    return render(request, "accounts/second_factor_enrol.html",
                  _context(request, form=form, title=_("Set up your second factor"), otpauth_uri=uri, qr_svg=qr))
