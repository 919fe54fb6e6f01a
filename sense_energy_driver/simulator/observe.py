"""What tests can see: request counts and log, feed connection counts, and awaitable waits."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FEED_EVENTS", "Observer", "RequestRecord"]

FEED_EVENTS = ("opened", "accepted", "rejected", "closed")


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the simulator answered it; `time` is the real monotonic clock."""

    time: float
    method: str
    path: str
    status: int
    endpoint: str


class Observer:
    """Counts and logs everything, and wakes waiters on each change (no polling)."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self.requests: Counter[str] = Counter()
        self.request_log: list[RequestRecord] = []
        self.feed: Counter[str] = Counter()
        self.feed_clients = 0
        self.ticks = 0
        self._waiters: set[asyncio.Event] = set()

    def _notify(self) -> None:
        for event in self._waiters:
            event.set()

    def request(self, method: str, path: str, status: int, endpoint: str) -> None:
        """Record one answered request."""
        self.requests[endpoint] += 1
        self.request_log.append(RequestRecord(self._monotonic(), method, path, status, endpoint))
        self._notify()

    def feed_event(self, kind: str) -> None:
        """Record a feed connection event: opened, accepted, rejected or closed."""
        self.feed[kind] += 1
        if kind == "accepted":
            self.feed_clients += 1
        elif kind == "closed":
            self.feed_clients -= 1
        self._notify()

    def tick(self) -> None:
        """Record one sampling tick (a realtime frame for every monitor)."""
        self.ticks += 1
        self._notify()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> None:
        """Wait until `predicate()` holds, re-checking on every change; TimeoutError after."""
        event = asyncio.Event()
        self._waiters.add(event)
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await event.wait()
                    event.clear()
        finally:
            self._waiters.discard(event)
