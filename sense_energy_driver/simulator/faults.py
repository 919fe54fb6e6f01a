"""Fault switches the scenarios flip, and per-endpoint rate limiting, read by REST and the feed."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .layout import RateLimit

__all__ = ["Faults", "HttpFault", "RateLimiter"]


@dataclass(frozen=True, slots=True)
class HttpFault:
    """An injected answer for one request: a status and, for 429, a Retry-After."""

    status: int
    retry_after: float | None = None


@dataclass(eq=False)
class _Burst:
    fault: HttpFault
    remaining: int
    endpoint: str | None


class RateLimiter:
    """A sliding-window limit per endpoint on the real clock; over the limit means 429."""

    def __init__(
        self, limits: Mapping[str, RateLimit], monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = dict(limits)
        self._monotonic = monotonic
        self._seen: dict[str, deque[float]] = {}

    def check(self, endpoint: str) -> float | None:
        """Record a request; return seconds to wait if it is over the limit, else None."""
        limit = self.limits.get(endpoint)
        if limit is None:
            return None
        now = self._monotonic()
        seen = self._seen.setdefault(endpoint, deque())
        while seen and seen[0] <= now - limit.per_seconds:
            seen.popleft()
        if len(seen) >= limit.requests:
            return max(1.0, math.ceil(seen[0] + limit.per_seconds - now))
        seen.append(now)
        return None


class Faults:
    """The simulator's fault state; times are simulated UNIX seconds."""

    def __init__(self) -> None:
        self._bursts: list[_Burst] = []
        self.refuse_feed = False
        self.feed_auth_http = False
        self.msgpack_reframe = False
        self.monitor_offline = False  # the monitor itself is offline: hello says so, no samples
        self.foreground_until: float | None = None
        self.foreground_close_after = 1.0
        self.stall_until: float | None = None

    def add_burst(self, fault: HttpFault, count: int, endpoint: str | None) -> None:
        """The next `count` requests (to `endpoint`, or any) get `fault` instead of an answer."""
        if count > 0:
            self._bursts.append(_Burst(fault, count, endpoint))

    def clear_bursts(self) -> None:
        self._bursts.clear()

    def take(self, endpoint: str) -> HttpFault | None:
        """Consume one injected fault that applies to this endpoint, oldest first."""
        for burst in self._bursts:
            if burst.endpoint in (None, endpoint):
                burst.remaining -= 1
                if burst.remaining <= 0:
                    self._bursts.remove(burst)
                return burst.fault
        return None

    def pending(self) -> int:
        """How many injected faults are still to be served."""
        return sum(b.remaining for b in self._bursts)

    def in_foreground(self, now: float) -> bool:
        """Whether the Sense app is 'in the foreground', so new feeds are closed quickly."""
        return self.foreground_until is not None and now < self.foreground_until

    def stalled(self, now: float) -> bool:
        """Whether feeds are frozen: open, but silent."""
        return self.stall_until is not None and now < self.stall_until
