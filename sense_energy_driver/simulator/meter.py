"""Samples a monitor's power on the simulated clock and integrates it into hourly energy.

Power between two samples is held at the earlier sample's value, so the energy the REST history
reports is exactly the integral of the step function the realtime feed shows.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .state import Monitor

__all__ = ["Event", "Meter", "Sample"]

SOLAR = "solar"


@dataclass(frozen=True, slots=True)
class Sample:
    """One realtime reading: watts per device that is on, legs, solar, voltage and frequency."""

    ts: float
    frame: int
    devices: tuple[tuple[str, float], ...]
    w: float
    l1: float
    l2: float
    solar_w: float
    voltage: tuple[float, float]
    hz: float

    @property
    def grid_w(self) -> float:
        """Grid import; negative while exporting solar."""
        return round(self.w - self.solar_w, 1)

    def watts(self) -> dict[str, float]:
        """The devices that are on, with their watts."""
        return dict(self.devices)


@dataclass(frozen=True, slots=True)
class Event:
    """A device turning on or off, for the timeline."""

    ts: float
    type: str
    device_id: str


class Meter:
    """The live half of a monitor's data: the latest sample and energy since the start."""

    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        self.last: Sample | None = None
        self.device_wh: dict[str, dict[int, float]] = {}
        self.production_wh: dict[int, float] = {}
        self.from_grid_wh: dict[int, float] = {}
        self.to_grid_wh: dict[int, float] = {}
        self.events: deque[Event] = deque(maxlen=5000)
        self.event_count = 0  # events ever recorded (the deque forgets the oldest)

    def sample(self, ts: float, frame: int) -> Sample:
        """Take a reading at simulated time `ts`, integrating the previous one up to it."""
        mon = self.monitor
        prev = self.last
        if prev is not None:
            ts = max(ts, prev.ts)
        local = ts + mon.offset
        on: list[tuple[str, float]] = []
        l1 = 0.0
        for dev in mon.active_devices():
            forced = mon.overrides.get(dev.id)
            w = round(dev.profile.power(local) if forced is None else forced, 1)
            if w > 0:
                on.append((dev.id, w))
                l1 += w * dev.legs[0]
        total = round(math.fsum(w for _, w in on), 1)
        l1 = round(l1, 1)
        solar = 0.0
        if mon.solar is not None:
            forced = mon.overrides.get(SOLAR)
            solar = round(mon.solar.power(local) if forced is None else forced, 1)
        sag = 0.6 * math.sin(ts / 600)
        sample = Sample(
            ts=ts,
            frame=frame,
            devices=tuple(on),
            w=total,
            l1=l1,
            l2=round(total - l1, 1),
            solar_w=solar,
            voltage=(
                round(121.0 + sag - l1 / 2500, 2),
                round(120.6 + sag - (total - l1) / 2500, 2),
            ),
            hz=round(60.0 + 0.02 * math.sin(ts / 37), 3),
        )
        if prev is not None:
            self._integrate(prev, prev.ts, ts)
            self._record_events(prev, sample)
        self.last = sample
        return sample

    def _integrate(self, s: Sample, a: float, b: float) -> None:
        """Add a held sample's energy over [a, b) into UTC-hour buckets."""
        grid = s.w - s.solar_w
        while a < b:
            hour = int(a // 3600)
            edge = min(b, (hour + 1) * 3600.0)
            hours = (edge - a) / 3600
            for dev_id, w in s.devices:
                bucket = self.device_wh.setdefault(dev_id, {})
                bucket[hour] = bucket.get(hour, 0.0) + w * hours
            if self.monitor.solar is not None:
                self.production_wh[hour] = self.production_wh.get(hour, 0.0) + s.solar_w * hours
                self.to_grid_wh[hour] = self.to_grid_wh.get(hour, 0.0) + max(0.0, -grid) * hours
            self.from_grid_wh[hour] = self.from_grid_wh.get(hour, 0.0) + max(0.0, grid) * hours
            a = edge

    def _record_events(self, prev: Sample, now: Sample) -> None:
        before = {d for d, _ in prev.devices}
        after = {d for d, _ in now.devices}
        for dev_id in sorted(after - before):
            self.events.append(Event(now.ts, "DeviceWentOn", dev_id))
            self.event_count += 1
        for dev_id in sorted(before - after):
            self.events.append(Event(now.ts, "DeviceWentOff", dev_id))
            self.event_count += 1

    def held_hours(self, hour: int, now: float) -> float:
        """Hours of the latest sample's hold (from its time to `now`) that fall in `hour`."""
        if self.last is None:
            return 0.0
        a = max(self.last.ts, hour * 3600.0)
        b = min(now, (hour + 1) * 3600.0)
        return max(0.0, b - a) / 3600

    def device_hour_wh(self, dev_id: str, hour: int, now: float) -> float:
        """Live Wh of one device in one UTC hour, including the hold up to `now`."""
        wh = self.device_wh.get(dev_id, {}).get(hour, 0.0)
        if self.last is not None:
            held = self.held_hours(hour, now)
            if held:
                wh += dict(self.last.devices).get(dev_id, 0.0) * held
        return wh

    def solar_hour_wh(self, hour: int, now: float) -> tuple[float, float, float]:
        """Live (production, from grid, to grid) Wh in one UTC hour, including the hold."""
        prod = self.production_wh.get(hour, 0.0)
        frm = self.from_grid_wh.get(hour, 0.0)
        to = self.to_grid_wh.get(hour, 0.0)
        if self.last is not None:
            held = self.held_hours(hour, now)
            if held:
                grid = self.last.w - self.last.solar_w
                prod += self.last.solar_w * held
                frm += max(0.0, grid) * held
                to += max(0.0, -grid) * held
        return prod, frm, to
