"""How current the shown values are: staleness against the sample rate, and energy counted here.

The driver writes only changed values, so an unchanged power reading says nothing about whether
Sense is still talking; the newest sample's arrival does. Between the driver's refreshes of
usage_today_kwh (every 5 minutes), the view adds the energy of the samples it saw itself.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

__all__ = ["MIN_INTERVAL_S", "EnergyCounter", "Freshness", "stale_reason"]

MIN_INTERVAL_S = 1.0
"""The shortest interval staleness is measured against, so a 2 Hz feed's jitter is not stale."""

_MAX_GAP_S = 300.0  # a longer silence is not integrated: nobody knows what was drawn meanwhile


@dataclass
class Freshness:
    """How old the newest realtime sample is, against the interval samples have arrived at.

    Values are stale when the newest sample is older than twice the usual gap between samples
    (the median of the recent gaps, at least MIN_INTERVAL_S): 2 s on a healthy feed, 20 s while
    the REST fallback polls every 10 s.
    """

    clock: Callable[[], float] = time.monotonic
    newest: float | None = None
    gaps: deque[float] = field(default_factory=lambda: deque(maxlen=21))

    def sample(self) -> None:
        """A sample arrived now."""
        now = self.clock()
        if self.newest is not None:
            self.gaps.append(now - self.newest)
        self.newest = now

    @property
    def interval(self) -> float:
        """The interval samples are expected at."""
        usual = statistics.median(self.gaps) if self.gaps else MIN_INTERVAL_S
        return max(usual, MIN_INTERVAL_S)

    def stale_for(self) -> float | None:
        """Seconds since the newest sample, when that is past twice the interval; else None."""
        if self.newest is None:
            return None
        age = self.clock() - self.newest
        return age if age > 2 * self.interval else None


def stale_reason(device: Mapping[str, object], stale: float) -> str:
    """Why values are stale: the driver's last error, else how long Sense has been silent."""
    error = device.get("last_error")
    feed = device.get("feed_status")
    why = str(error) if error else f"no sample from Sense for {stale:.0f} s"
    return f"{why} (feed {feed})" if feed else why


@dataclass
class EnergyCounter:
    """kWh of the samples seen since the driver last wrote usage_today_kwh, on sample time."""

    kwh: float = 0.0
    _last: tuple[float, float] | None = None

    def sample(self, epoch: float | None, watts: object) -> None:
        """A sample at `epoch` (its own time, so a sped-up simulator counts simulated hours)."""
        if epoch is None or not isinstance(watts, int | float) or isinstance(watts, bool):
            return
        if self._last is not None:
            then, before = self._last
            gap = epoch - then
            if 0 < gap <= _MAX_GAP_S:
                self.kwh += before * gap / 3_600_000
        self._last = (epoch, float(watts))

    def reset(self) -> None:
        """The driver wrote a fresh usage_today_kwh: what was counted is included in it."""
        self.kwh = 0.0
