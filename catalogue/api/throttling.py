"""Per-user request limits that cost the same at any rate, and hold across processes.

DRF's UserRateThrottle keeps the time of every request a user made in the
window (up to 6,000 an hour at our default rate). It reads and rewrites that
whole list on every request. With Redis as the cache that is tens of
kilobytes each way. Two processes that read the list at once each write back
their own copy, so requests go uncounted. This one counts each user's requests in fixed
windows with one atomic increment (Redis INCR; LocMemCache under its lock).
"""

from __future__ import annotations

import time

from django.core.cache import cache as default_cache
from rest_framework import throttling

from accounts.client_address import client_address


def count_in_window(key: str, duration: int, *, cache=None, now: float | None = None) -> tuple[int, float]:
    """Count one more use of `key` in the current clock-aligned window of `duration` seconds.

    Returns the count so far in this window (this use included) and the seconds until
    the window ends. One atomic increment, whatever the rate, in every process that
    shares the cache.
    """
    cache = cache or default_cache
    now = time.time() if now is None else now
    window = int(now // duration)
    counter = f"{key}:{window}"
    if hasattr(cache, "count"):  # Redis (config/cache.py): both steps below in one round trip
        count = cache.count(counter, duration + 1)
    else:
        # add() makes the counter only if it is missing; the increment is atomic.
        cache.add(counter, 0, timeout=duration + 1)
        try:
            count = cache.incr(counter)
        except ValueError:  # it expired between the two calls: this is the window's first use
            cache.set(counter, 1, timeout=duration + 1)
            count = 1
    return count, max((window + 1) * duration - now, 0.0)


class ClientAddressMixin:
    """Anonymous requests are counted by the address the trusted proxies saw
    (accounts.client_address), not by DRF's reading of X-Forwarded-For, which
    trusts whatever the client wrote there unless NUM_PROXIES is set."""

    def get_ident(self, request) -> str:
        return client_address(request) or ""


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle):
    """`rate` requests per window (e.g. 6000/hour) for each user, or for each
    address when no one is logged in; the window is aligned to the clock."""

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        count, left = count_in_window(self.key, self.duration, cache=self.cache, now=self.now)
        self.window_ends = self.now + left
        return count <= self.num_requests

    def wait(self) -> float:
        """Seconds until the window ends and the allowance is whole again."""
        return max(self.window_ends - self.now, 0.0)


class AuthRateThrottle(ClientAddressMixin, throttling.ScopedRateThrottle):
    """The token endpoint's `auth` rate, per client address (nobody is logged in yet)."""
