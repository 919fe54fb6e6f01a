"""The realtime feed loop: one owner of the reconnect policy, with an observable state."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Protocol

from .backoff import Backoff
from .const import FEED_INACTIVITY_TIMEOUT_S
from .errors import (
    SenseAuthError,
    SenseConfigError,
    SenseError,
    SenseFeedClosedError,
    SenseTimeoutError,
    SenseTokenExpiredError,
)
from .feedreader import FeedCounters, FrameReader
from .frames import FeedMessage
from .loops import Escalation
from .models import RealtimePayload
from .transport.feed import FeedConnection

__all__ = ["FeedCounters", "FeedHandler", "FeedStatus", "RealtimeFeed"]

_LOGGER = logging.getLogger(__name__)

# A connection that closes this soon after opening, without being asked to, looks like Sense's
# "mobile app in foreground" pause rather than a network fault.
_PAUSE_WINDOW_S = 10.0


class FeedStatus(StrEnum):
    """What the feed is doing now; written to the device as `feed_status`."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    POLLING = "polling"
    PAUSED = "paused"
    OFFLINE = "offline"
    AUTH_FAILED = "auth_failed"
    STOPPED = "stopped"


class FeedHandler(Protocol):
    """What the feed needs from its owner (the driver): a connection, renewals, and sinks."""

    async def open_connection(self) -> FeedConnection:
        """Open a feed connection with the current access token."""
        ...

    async def renew_token(self) -> None:
        """The feed rejected the token: renew it (or log in again); raise SenseAuthError if not."""
        ...

    async def on_sample(self, payload: RealtimePayload) -> None:
        """A realtime_update's payload (the hot path: several a second)."""
        ...

    async def on_message(self, message: FeedMessage) -> None:
        """Any other decoded message, except an error."""
        ...

    async def on_status(self, status: FeedStatus, detail: str) -> None:
        """The feed's state changed; `detail` is a short log-safe reason."""
        ...

    def log(self, level: int, message: str) -> None:
        """The device log."""
        ...


class RealtimeFeed:
    """Keeps one realtime connection alive: open, read, and on any close wait and reopen.

    Backoff grows with consecutive failures and resets only once a connection has proven itself
    with a realtime_update; a feed silent past the inactivity timeout counts as dead. A token the
    feed rejects is renewed once before the next attempt; credentials that the cloud rejects end
    `run()` (AUTH_FAILED). A frame that cannot be decoded or applied is skipped and counted.
    `run()` is meant to run under the driver's Supervisor, which owns the task.
    """

    def __init__(
        self,
        handler: FeedHandler,
        *,
        backoff: Backoff | None = None,
        inactivity_timeout: float = FEED_INACTIVITY_TIMEOUT_S,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        on_unavailable: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self._handler = handler
        self._backoff = backoff or Backoff()
        self._inactivity = inactivity_timeout
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._on_unavailable = on_unavailable
        self._opened = asyncio.Event()
        self._status = FeedStatus.STOPPED
        self.counters = FeedCounters()
        self.failures = 0
        self.last_delay = 0.0
        self._auth_rejections = 0
        self._escalation = Escalation("realtime feed unavailable", handler.log)

    @property
    def status(self) -> FeedStatus:
        return self._status

    def reset(self) -> None:
        """Before a fresh start: the backoff starts over and wait_open() waits for a new open."""
        self.failures = 0
        self._opened.clear()

    async def stopped(self) -> None:
        """The loop was stopped by its owner: say so."""
        await self._set_status(FeedStatus.STOPPED, "stopped")

    async def wait_open(self, timeout: float) -> None:
        """Wait until a connection opens; TimeoutError if none does within `timeout`."""
        async with asyncio.timeout(timeout):
            await self._opened.wait()

    # --- the loop --------------------------------------------------------------------------------

    async def _set_status(self, status: FeedStatus, detail: str) -> None:
        if status is self._status:
            return
        self._status = status
        try:
            await self._handler.on_status(status, detail)
        except Exception:  # a broken sink must not kill the feed
            _LOGGER.exception("feed status handler failed")

    async def run(self) -> None:
        """Keep a connection open until cancelled, or until the credentials are rejected."""
        first = True
        while True:
            await self._set_status(
                FeedStatus.CONNECTING if first else self._waiting_status(), "opening"
            )
            first = False
            try:
                await self._connect_and_read()
            except SenseTokenExpiredError as err:  # includes the feed's own `error` message
                if not await self._renew(str(err)):
                    return
                self._auth_rejections += 1
                if self._auth_rejections == 1:
                    continue  # a fresh token deserves an immediate retry; a second rejection waits
            except SenseAuthError as err:
                await self._auth_failed(str(err))
                return
            except SenseConfigError as err:
                self._handler.log(logging.ERROR, f"realtime feed cannot start: {err}")
                await self._set_status(FeedStatus.STOPPED, str(err))
                return
            except SenseError as err:
                self._note_failure(err)
            self.failures += 1
            self.counters.failures += 1
            if self._on_unavailable is not None:
                try:
                    await self._on_unavailable(self.failures)
                except Exception:
                    _LOGGER.exception("feed-unavailable handler failed")
            self.last_delay = self._backoff.delay(self.failures, self._rng)
            if self._status is not FeedStatus.PAUSED:
                await self._set_status(self._waiting_status(), "waiting to reconnect")
            if self.last_delay > 0:
                _LOGGER.debug("realtime reconnect in %.2f s", self.last_delay)
                await self._sleep(self.last_delay)

    def _waiting_status(self) -> FeedStatus:
        return FeedStatus.PAUSED if self._status is FeedStatus.PAUSED else FeedStatus.RECONNECTING

    async def _renew(self, reason: str) -> bool:
        """Renew after the feed rejected the token; False when the credentials themselves failed."""
        self._handler.log(
            logging.INFO, f"realtime feed rejected the access token ({reason}); renewing"
        )
        try:
            await self._handler.renew_token()
        except SenseAuthError as err:
            await self._auth_failed(str(err))
            return False
        except SenseError as err:
            self._note_failure(err)
        return True

    async def _auth_failed(self, reason: str) -> None:
        self._handler.log(logging.ERROR, f"realtime feed stopped: {reason}")
        await self._set_status(FeedStatus.AUTH_FAILED, reason)

    def _note_failure(self, err: SenseError) -> None:
        """First failure in a row at WARNING, repeats at DEBUG, and a WARNING summary every
        12 attempts (hourly once the backoff is at its 5-minute cap)."""
        if self.failures == 0:
            self._escalation.failures = 0  # a connection proved itself since the last run
        self._escalation.failed(err)

    async def _connect_and_read(self) -> None:
        conn = await self._handler.open_connection()
        self.counters.opens += 1
        opened_at = time.monotonic()
        self._handler.log(logging.INFO, "realtime open")
        self._opened.set()
        reader = FrameReader(
            self._handler, self.counters, on_proven=self._proven, on_offline=self._monitor_offline
        )
        try:
            await conn.run(reader.on_frame, self._inactivity)
        except SenseFeedClosedError as err:
            self.counters.closes += 1
            self._handler.log(logging.INFO, f"realtime close code={err.code} reason={err.reason!r}")
            if (
                not reader.proven
                and time.monotonic() - opened_at < _PAUSE_WINDOW_S
                and err.code in (1000, 1001)
            ):
                await self._set_status(FeedStatus.PAUSED, "feed closed right after opening")
            raise
        except SenseTimeoutError as err:
            self.counters.closes += 1
            self._handler.log(logging.WARNING, f"realtime close: {err}; reconnecting")
            raise
        finally:
            await conn.close()

    async def _proven(self) -> None:
        """The first realtime_update on a connection: it works, the backoff starts over."""
        self.failures = 0
        self._auth_rejections = 0
        await self._set_status(FeedStatus.CONNECTED, "receiving")

    async def _monitor_offline(self) -> None:
        """hello said online false: the feed is open but the monitor is not reporting."""
        reason = "the Sense monitor is offline (the realtime feed says online: false)"
        self._handler.log(logging.WARNING, reason)
        await self._set_status(FeedStatus.OFFLINE, reason)
