"""The heartbeat: samples every monitor on a fixed grid of simulated time and feeds the hub."""

from __future__ import annotations

import asyncio
import logging

from .clock import SimClock
from .feed import FeedHub
from .observe import Observer
from .state import SimState

__all__ = ["Ticker"]

_LOGGER = logging.getLogger(__name__)


class Ticker:
    """Frame i is sampled at simulated time start + i * interval * speed, so runs repeat exactly.

    A late wake-up skips the frames it missed rather than bunching them up.
    """

    def __init__(
        self, state: SimState, clock: SimClock, hub: FeedHub, observer: Observer, interval: float
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.state = state
        self.clock = clock
        self.hub = hub
        self.observer = observer
        self.interval = interval
        self.frame = 0
        self.skipped = 0

    def sample_all(self, frame: int) -> None:
        """Sample every monitor at frame `frame` and broadcast the results."""
        ts = self.clock.start_ts + frame * self.interval * self.clock.speed
        self.frame = frame
        stalled = self.hub.faults.stalled(ts)
        for monitor in self.state.monitors.values():
            sample = monitor.meter.sample(ts, frame)
            if not stalled:
                self.hub.tick(monitor, sample)
        self.observer.tick()

    async def run(self) -> None:
        """Tick until cancelled."""
        real0 = self.clock.real0
        frame = self.frame
        while True:
            frame += 1
            delay = real0 + frame * self.interval - self.clock.real()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -self.interval:
                behind = int(-delay / self.interval)
                self.skipped += behind
                frame += behind
                _LOGGER.debug("ticker fell %d frames behind; skipping them", behind)
            self.sample_all(frame)
