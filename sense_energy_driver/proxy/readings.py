"""The live reading of each proxy: last watts, when they came, energy since start, staleness.

A source that falls silent must not leave Sense believing a load still runs: past its timeout a
proxy reports 0 W. Energy (the plug's `total`) is integrated from what was reported, so it
agrees with the power Sense saw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .devices import ProxyDevice

__all__ = ["ProxyReadings", "ReadingView"]

Clock = Callable[[], float]


@dataclass(slots=True)
class _Reading:
    watts: float = 0.0
    updated_at: float | None = None  # clock time of the newest value (None: never had one)
    energy_wh: float = 0.0
    integrated_to: float | None = None


@dataclass(frozen=True, slots=True)
class ReadingView:
    """What a proxy reports now, and why."""

    watts: float  # 0 when stale or never set
    last_watts: float  # the newest value the source gave
    age_s: float | None  # seconds since that value (None: never set)
    stale: bool
    energy_wh: float


class ProxyReadings:
    """Readings keyed by proxy name (case-folded); the clock is injectable for tests."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._readings: dict[str, _Reading] = {}

    def set(self, device: ProxyDevice, watts: float) -> None:
        """A new value from the device's source (already checked)."""
        reading = self._reading(device)
        now = self._clock()
        reading.energy_wh = self._energy(device, reading, now)
        reading.integrated_to = now
        reading.watts, reading.updated_at = watts, now

    def touch(self, device: ProxyDevice) -> None:
        """The source is alive and its value unchanged (a sample that changed nothing)."""
        reading = self._readings.get(device.name.casefold())
        if reading is not None and reading.updated_at is not None:
            self.set(device, reading.watts)

    def view(self, device: ProxyDevice) -> ReadingView:
        reading = self._readings.get(device.name.casefold()) or _Reading()
        now = self._clock()
        stale = self._stale(device, reading, now)
        return ReadingView(
            watts=0.0 if stale else reading.watts,
            last_watts=reading.watts,
            age_s=None if reading.updated_at is None else max(0.0, now - reading.updated_at),
            stale=stale,
            energy_wh=self._energy(device, reading, now),
        )

    def forget_others(self, devices: tuple[ProxyDevice, ...]) -> None:
        """Drop the readings of proxies no longer declared; the others keep theirs."""
        keep = {d.name.casefold() for d in devices}
        for key in [k for k in self._readings if k not in keep]:
            del self._readings[key]

    def _reading(self, device: ProxyDevice) -> _Reading:
        return self._readings.setdefault(device.name.casefold(), _Reading())

    @staticmethod
    def _stale(device: ProxyDevice, reading: _Reading, now: float) -> bool:
        if reading.updated_at is None:
            return True
        return device.timeout_s is not None and now - reading.updated_at > device.timeout_s

    @staticmethod
    def _energy(device: ProxyDevice, reading: _Reading, now: float) -> float:
        """Energy so far: the reported watts over time, ending where the reading went stale."""
        start, updated = reading.integrated_to, reading.updated_at
        if start is None or updated is None:
            return reading.energy_wh
        end = now if device.timeout_s is None else min(now, updated + device.timeout_s)
        return reading.energy_wh + reading.watts * max(0.0, end - start) / 3600.0
