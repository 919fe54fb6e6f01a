"""The realtime values of one monitor: the feed, the REST fallback while it is down, the diff.

`FeedHealth` is the one writer of `feed_status` and `last_error`; `RealtimeSource` turns every
sample (from the feed or the fallback) into the host writes that changed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Coroutine
from typing import Any

from .errors import SenseProtocolError
from .fallback import RealtimeFallback
from .frames import FeedMessage
from .hostport import HostPort
from .models import DataChange, RealtimePayload
from .monitor import MonitorSession
from .realtime import FeedCounters, FeedStatus, RealtimeFeed
from .restmodels import MonitorStatus
from .retraining import Retraining
from .timing import Timing
from .transport.feed import FeedConnection
from .writer import SampleObserver, SampleWriter, unusable

__all__ = ["FeedHealth", "RealtimeSource"]

Task = tuple[str, Callable[[], Coroutine[Any, Any, None]]]


class FeedHealth:
    """What the host sees of the driver's health: feed_status and last_error, one writer."""

    def __init__(self, port: HostPort) -> None:
        self._port = port
        self.status = FeedStatus.STOPPED

    async def set(self, status: FeedStatus) -> None:
        self.status = status
        await self._port.write_once("feed_status", status.value)

    async def error(self, text: str) -> None:
        """last_error: short, redacted, printable; empty once healthy."""
        await self._port.write_error(text)


class RealtimeSource:
    """Feed, fallback and diff for the monitor of one MonitorSession, writing through the port."""

    def __init__(
        self,
        monitor: MonitorSession,
        port: HostPort,
        health: FeedHealth,
        retraining: Retraining,
        *,
        on_data_change: Callable[[DataChange], None],
        timing: Timing,
        clock: Callable[[], float],
        rng: random.Random,
        poll_interval: float,
        observer: SampleObserver | None = None,
    ) -> None:
        self._monitor = monitor
        self._port = port
        self._health = health
        self._on_data_change = on_data_change
        self._timing = timing
        self.writer = SampleWriter(port, clock=clock, retraining=retraining, observer=observer)
        # FeedHandler.on_sample: samples go straight to the write step (no coroutine between).
        self.on_sample = self.writer.apply
        self.fallback = RealtimeFallback(self, interval=poll_interval)
        self.feed = RealtimeFeed(
            self,
            backoff=timing.backoff,
            inactivity_timeout=timing.inactivity_timeout,
            rng=rng,
            on_unavailable=self.fallback.feed_failed,
        )

    def tasks(self) -> list[Task]:
        """What the supervisor runs for this source."""
        return [("sense-realtime", self.feed.run), ("sense-fallback", self.fallback.run)]

    @property
    def counters(self) -> FeedCounters:
        return self.feed.counters

    # --- FeedHandler -----------------------------------------------------------------------------

    def log(self, level: int, message: str) -> None:
        self._port.log(level, message)

    async def open_connection(self) -> FeedConnection:
        conn = await self._monitor.open_feed()
        self.writer.reset()  # the first sample on every connection writes everything
        return conn

    async def renew_token(self) -> None:
        await self._monitor.renew_feed_token()

    async def on_message(self, message: FeedMessage) -> None:
        payload = message.payload
        if isinstance(payload, RealtimePayload):  # replayed messages (driver.on_message)
            await self.writer.apply(payload)
        elif isinstance(payload, DataChange):
            self._on_data_change(payload)

    async def on_status(self, status: FeedStatus, detail: str) -> None:
        fallback = self.fallback
        if status is FeedStatus.CONNECTED:
            fallback.feed_back()
            await self._health.error("")
        elif status is FeedStatus.OFFLINE:
            await self._health.error(detail)
        elif fallback.active and status is not FeedStatus.STOPPED:
            status = FeedStatus.POLLING
        await self._health.set(status)

    # --- FallbackOwner ---------------------------------------------------------------------------

    @property
    def fallback_after(self) -> int:
        return self._timing.fallback_after

    async def fetch_status(self) -> MonitorStatus:
        return await self._monitor.call(lambda a, t, m: a.get_monitor_status(t, m), "status")

    async def fetch_realtime(self) -> RealtimePayload:
        payload = await self._monitor.call(
            lambda a, t, m: a.get_realtime_update(t, m), "realtime_update"
        )
        problem = unusable(payload)
        if problem is not None:
            raise SenseProtocolError(f"realtime_update answer skipped: {problem}")
        return payload

    async def apply_sample(self, payload: RealtimePayload) -> None:
        await self.writer.apply(payload)

    async def polling_started(self) -> None:
        self.writer.reset()
        await self._health.set(FeedStatus.POLLING)
