"""An optional minimum interval per entity: at most one publish per interval, the newest value last.

A value arriving before its topic's interval is up is held (a newer one replaces it) and sent
when the interval ends, so the broker always ends up with the latest value.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Protocol

from .outbox import Outgoing

__all__ = ["Throttle"]


class Cancellable(Protocol):
    def cancel(self) -> None: ...


Clock = Callable[[], float]
CallAt = Callable[[float, Callable[[], None]], Cancellable]


class Throttle:
    """Passes a message on at once, or holds it until the topic's interval is over."""

    def __init__(
        self,
        emit: Callable[[Outgoing], None],
        *,
        clock: Clock | None = None,
        call_at: CallAt | None = None,
    ) -> None:
        """`clock` and `call_at` default to the running loop's (tests pass a manual clock)."""
        self._emit = emit
        self._clock = clock
        self._call_at = call_at
        self._next_ok: dict[str, float] = {}
        self._held: dict[str, tuple[Outgoing, float]] = {}
        self._timers: dict[str, Cancellable] = {}

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    def _schedule(self, when: float, topic: str) -> Cancellable:
        release = functools.partial(self._release, topic)
        if self._call_at is not None:
            return self._call_at(when, release)
        return asyncio.get_running_loop().call_at(when, release)

    def offer(self, message: Outgoing, interval: float) -> None:
        """Send now, or hold until `interval` seconds after the topic's last send."""
        if interval <= 0:
            self._emit(message)
            return
        topic = message.topic
        now = self._now()
        due = self._next_ok.get(topic, 0.0)
        if now >= due and topic not in self._held:
            self._next_ok[topic] = now + interval
            self._emit(message)
            return
        self._held[topic] = (message, interval)
        if topic not in self._timers:
            self._timers[topic] = self._schedule(due, topic)

    def _release(self, topic: str) -> None:
        self._timers.pop(topic, None)
        held = self._held.pop(topic, None)
        if held is not None:
            message, interval = held
            self._next_ok[topic] = self._now() + interval
            self._emit(message)

    def reset(self) -> None:
        """Forget held values and intervals (a full republish follows)."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._held.clear()
        self._next_ok.clear()
