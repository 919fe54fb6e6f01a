"""One periodic-loop primitive with escalation logging built in, for every loop of the driver.

Escalation: the first failure in a row is a WARNING, repeats are DEBUG, a WARNING summary comes
every `summary_every` failures, and the first success after failures is an INFO "recovered".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from .errors import SenseError

__all__ = ["Escalation", "Periodic"]

Log = Callable[[int, str], None]

# During a long outage, one WARNING summary every this many failures in a row.
SUMMARY_EVERY = 12


class Escalation:
    """How loud each failure of one recurring job is: WARNING once, DEBUG after, a summary."""

    def __init__(
        self,
        what: str,
        log: Log,
        *,
        summary_every: int = SUMMARY_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._what = what
        self._log = log
        self._summary_every = summary_every
        self._clock = clock
        self.failures = 0
        self._since = 0.0

    @property
    def failing(self) -> bool:
        return self.failures > 0

    def failed(self, err: BaseException | str) -> None:
        """Log one failure at the level its place in the run of failures calls for."""
        if self.failures == 0:
            self._since = self._clock()
        self.failures += 1
        if self.failures == 1:
            self._log(logging.WARNING, f"{self._what}: {err}")
        elif self.failures % self._summary_every == 0:
            minutes = (self._clock() - self._since) / 60
            self._log(
                logging.WARNING,
                f"{self._what}: still failing after {self.failures} attempts in "
                f"{minutes:.0f} min; last: {err}",
            )
        else:
            self._log(logging.DEBUG, f"{self._what} (attempt {self.failures}): {err}")

    def succeeded(self) -> None:
        """A success: an INFO line if it ends a run of failures, and the count starts over."""
        if self.failures:
            self._log(logging.INFO, f"{self._what}: recovered after {self.failures} failure(s)")
        self.failures = 0


class Periodic:
    """Runs `body` now and then every `interval()` seconds, or at once when `wake()` is called —
    but a woken run never sooner than `min_gap` seconds after the previous woken run began, so a
    storm of wakes costs one run per `min_gap`, not one per wake.

    A SenseError from `body` is logged through the escalation and the loop goes on; anything
    else propagates to the supervisor, which logs it and restarts the loop.
    """

    def __init__(
        self,
        body: Callable[[], Awaitable[None]],
        *,
        interval: Callable[[], float],
        escalation: Escalation,
        min_gap: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._sleep = sleep
        self._body = body
        self._interval = interval
        self.escalation = escalation
        self._min_gap = min_gap
        self._clock = clock
        self._woken = False
        self._last_woken = float("-inf")
        self._wake = asyncio.Event()
        self._now = True
        self.runs = 0

    def wake(self) -> None:
        """Run again now (or right after the run in progress), rate-limited by `min_gap`."""
        self._now = True
        self._woken = True
        self._wake.set()

    def reschedule(self) -> None:
        """The interval changed: the next run comes a new interval after the last one."""
        self._wake.set()

    async def run(self) -> None:
        """The loop; returns only when cancelled."""
        self._now = True
        while True:
            if self._now:
                if self._woken:
                    gap = self._last_woken + self._min_gap - self._clock()
                    if gap > 0:
                        await self._sleep(gap)  # rate limit: wakes meanwhile fold into this run
                    self._woken = False
                    self._last_woken = self._clock()
                self._now = False
                await self.run_once()
            self._wake.clear()
            if self._now:
                continue  # woken while the last run was in progress
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval()):
                    await self._wake.wait()
                    continue  # woken: wake() runs now, reschedule() restarts the wait
            self._now = True

    async def run_once(self) -> None:
        """One run of the body, its failure logged through the escalation."""
        self.runs += 1
        try:
            await self._body()
        except SenseError as err:
            self.escalation.failed(err)
        else:
            self.escalation.succeeded()
