"""A token bucket per source address: a flood (or a spoofed one) cannot make us a UDP amplifier.

One small request is answered by a datagram per proxy, so the answers, not the requests, are
what must be bounded. Sense asks about once a second; the default allows bursts of 10 requests
and 5 a second after that, per address. The table of addresses is bounded too.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateLimit", "RateLimiter"]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Requests answered per source address: `burst` at once, then `per_second`."""

    per_second: float = 5.0
    burst: float = 10.0
    max_sources: int = 1024


class RateLimiter:
    """Token buckets keyed by address; the least recently seen address is forgotten first."""

    def __init__(self, limit: RateLimit, clock: Callable[[], float]) -> None:
        self._limit = limit
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, when

    def allow(self, source: str) -> bool:
        """Take one token for `source`; False when its bucket is empty."""
        limit, now = self._limit, self._clock()
        tokens, then = self._buckets.pop(source, (limit.burst, now))
        tokens = min(limit.burst, tokens + max(0.0, now - then) * limit.per_second)
        allowed = tokens >= 1.0
        self._buckets[source] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > limit.max_sources:
            self._buckets.popitem(last=False)
        return allowed
