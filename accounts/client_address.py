"""The client's address, as the configured proxies in front of us saw it.

Used alike by the login lockout (django-axes), the API throttles and the access
log, so a header the client wrote can move none of them. With
TRUSTED_PROXY_COUNT = 0 (the default) only REMOTE_ADDR counts; with N proxies,
each appending the address it received from to X-Forwarded-For, the client is
the N-th entry from the right: anything further left the client may have written.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    # Fewer entries than proxies means a request that did not pass through all of them.
    if len(entries) < proxies:
        return remote
    return _ip(entries[-proxies]) or remote
