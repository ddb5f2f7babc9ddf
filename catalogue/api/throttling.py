"""Per-user request limits that cost the same at any rate, and hold across processes.

DRF's UserRateThrottle keeps the time of every request a user made in the
window (up to 6,000 an hour at our default rate). It reads and rewrites that
whole list on every request. With Redis as the cache that is tens of
kilobytes each way. Two processes that read the list at once each write back
their own copy, so requests go uncounted. This one counts each user's requests in fixed
windows with one atomic increment (Redis INCR; LocMemCache under its lock).
"""

from __future__ import annotations

from rest_framework import throttling


class UserRateThrottle(throttling.UserRateThrottle):
    """`rate` requests per window (e.g. 6000/hour) for each user, or for each
    address when no one is logged in; the window is aligned to the clock."""

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        counter = f"{self.key}:{window}"
        # add() makes the counter only if it is missing; the increment is atomic.
        self.cache.add(counter, 0, timeout=self.duration + 1)
        try:
            count = self.cache.incr(counter)
        except ValueError:  # it expired between the two calls: this is the window's first request
            self.cache.set(counter, 1, timeout=self.duration + 1)
            count = 1
        return count <= self.num_requests

    def wait(self) -> float:
        """Seconds until the window ends and the allowance is whole again."""
        return max(self.window_ends - self.now, 0.0)
