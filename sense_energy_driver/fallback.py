"""Realtime without the WebSocket: poll /app/{id}/realtime_update while the feed is down."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Protocol

from .const import MIN_FIRMWARE_REALTIME_UPDATE_API
from .errors import SenseError
from .loops import Escalation
from .models import RealtimePayload
from .restmodels import MonitorStatus

__all__ = ["RealtimeFallback", "firmware_version"]

_VERSION = re.compile(r"^\s*(\d+)\.(\d+)")


def firmware_version(text: str) -> tuple[int, int] | None:
    """(major, minor) of a firmware string such as '1.65.3490-g0f9f5a3', or None."""
    match = _VERSION.match(text or "")
    return (int(match[1]), int(match[2])) if match else None


class FallbackOwner(Protocol):
    """What the fallback needs from the driver."""

    @property
    def fallback_after(self) -> int: ...

    def log(self, level: int, message: str) -> None: ...

    async def fetch_status(self) -> MonitorStatus: ...

    async def fetch_realtime(self) -> RealtimePayload: ...

    async def apply_sample(self, payload: RealtimePayload) -> None: ...

    async def polling_started(self) -> None: ...


class RealtimeFallback:
    """Takes over after repeated feed failures on firmware 1.64+, and hands back when it opens.

    Older firmware has no realtime_update endpoint: then only the device-list poll runs, and the
    device log says why, once. `run()` runs under the driver's Supervisor and polls only while
    activated.
    """

    def __init__(
        self,
        owner: FallbackOwner,
        *,
        interval: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._owner = owner
        self._interval = interval
        self._sleep = sleep
        self._wanted = asyncio.Event()
        self._firmware: tuple[int, int] | None = None
        self._told_unsupported = False
        self._escalation = Escalation("realtime_update poll failed", owner.log)
        self.polls = 0

    @property
    def active(self) -> bool:
        return self._wanted.is_set()

    @property
    def interval(self) -> float:
        return self._interval

    def set_interval(self, seconds: float) -> None:
        """A new polling rate (realtime_poll_interval changed): used from the next wait on."""
        self._interval = seconds

    async def feed_failed(self, failures: int) -> None:
        """Called by the feed after each failed attempt; starts polling once it is warranted."""
        if self.active or failures < self._owner.fallback_after:
            return
        if not await self._supported():
            return
        self._owner.log(
            logging.WARNING,
            f"realtime feed failed {failures} times; polling realtime_update every "
            f"{self._interval:g} s until it opens again",
        )
        self._wanted.set()
        await self._owner.polling_started()

    def feed_back(self) -> None:
        """The feed delivers again: polling stops."""
        if self.active:
            self._wanted.clear()
            self._owner.log(logging.INFO, "realtime feed is back; REST polling stopped")

    async def _supported(self) -> bool:
        if self._firmware is None:
            try:
                status = await self._owner.fetch_status()
            except SenseError as err:
                self._owner.log(logging.DEBUG, f"firmware version not known yet: {err}")
                return False
            self._firmware = firmware_version(status.monitor_info.version) or (0, 0)
        if self._firmware >= MIN_FIRMWARE_REALTIME_UPDATE_API:
            return True
        if not self._told_unsupported:
            self._told_unsupported = True
            major, minor = self._firmware
            self._owner.log(
                logging.WARNING,
                f"realtime feed unavailable and monitor firmware {major}.{minor} is older than "
                "1.64, which has no realtime_update endpoint: only the device list is polled",
            )
        return False

    async def run(self) -> None:
        """Poll while activated, every `interval` seconds; idle otherwise. Ends only cancelled."""
        while True:
            await self._wanted.wait()
            try:
                payload = await self._owner.fetch_realtime()
            except SenseError as err:
                self._escalation.failed(err)
            else:
                self._escalation.succeeded()
                if self.active:  # the feed may have come back while this request ran
                    self.polls += 1
                    await self._owner.apply_sample(payload)
            await self._sleep(self._interval)
