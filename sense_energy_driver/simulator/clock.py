"""Simulated clock: simulated time runs `speed` times faster than the real monotonic clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["SimClock", "default_start"]


def default_start() -> datetime:
    """Start at the current whole second so a fresh simulator shows 'now' in its data."""
    return datetime.fromtimestamp(int(time.time()), UTC)


class SimClock:
    """Maps the real monotonic clock to simulated UTC time, so tests and demos can run faster."""

    def __init__(
        self,
        start: datetime | None = None,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        start = start or default_start()
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self.start = start.astimezone(UTC)
        self.start_ts = self.start.timestamp()
        self.speed = float(speed)
        self._monotonic = monotonic
        self._real0 = monotonic()

    def restart(self) -> None:
        """Re-anchor at the current real instant so simulated time starts at `start` on serve."""
        self._real0 = self._monotonic()

    @property
    def real0(self) -> float:
        """The real monotonic instant that corresponds to the simulated start."""
        return self._real0

    def real(self) -> float:
        """The real monotonic time, from the injected source."""
        return self._monotonic()

    def sim_at(self, real: float) -> float:
        """The simulated UNIX timestamp at a real monotonic instant."""
        return self.start_ts + (real - self._real0) * self.speed

    def now_ts(self) -> float:
        """The current simulated UNIX timestamp."""
        return self.sim_at(self._monotonic())

    def now(self) -> datetime:
        """The current simulated time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now_ts(), UTC)

    def real_delay(self, sim_seconds: float) -> float:
        """How many real seconds a span of simulated seconds takes."""
        return sim_seconds / self.speed
