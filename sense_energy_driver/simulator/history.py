"""Usage and solar history: synthesised from the profiles before the start, integrated after.

Before the simulator started, energy comes from the profiles' exact per-slot energy; from the
start on it is the meter's integral of the realtime samples. Periods follow the monitor's local
calendar (DAY has 23 or 25 hourly buckets across DST changes).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from .profiles import DAY, SLOT, SLOTS_PER_DAY, Profile
from .state import Device, Monitor

__all__ = ["SCALES", "History", "Period", "iso", "period"]

SCALES = ("DAY", "WEEK", "MONTH", "YEAR", "CYCLE")
_INSTALLED_DAYS = 730


def iso(ts: float) -> str:
    """A UTC timestamp as the API writes it."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period and its buckets, as UTC timestamps on whole hours."""

    scale: str
    start: float
    end: float
    buckets: tuple[tuple[float, float], ...]


def _midnight(day: date, zone: Any) -> float:
    return datetime.combine(day, time(), tzinfo=zone).timestamp()


def _add_month(day: date, months: int = 1) -> date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def _days(first: date, last: date, zone: Any) -> tuple[tuple[float, float], ...]:
    n = (last - first).days
    edges = [_midnight(first + timedelta(days=i), zone) for i in range(n + 1)]
    return tuple(itertools.pairwise(edges))


def period(scale: str, at: datetime, monitor: Monitor) -> Period:
    """The period of `scale` that contains instant `at`, in the monitor's local calendar."""
    zone = monitor.zone
    today = at.astimezone(zone).date()
    if scale == "DAY":
        a, b = _midnight(today, zone), _midnight(today + timedelta(days=1), zone)
        hours = range(int(a), int(b), 3600)
        return Period(scale, a, b, tuple((h, h + 3600.0) for h in hours))
    if scale == "WEEK":
        first = today - timedelta(days=(today.weekday() + 1) % 7)  # weeks start on Sunday
        last = first + timedelta(days=7)
    elif scale == "MONTH":
        first = today.replace(day=1)
        last = _add_month(first)
    elif scale == "YEAR":
        first = date(today.year, 1, 1)
        months = [_midnight(_add_month(first, i), zone) for i in range(13)]
        return Period(scale, months[0], months[-1], tuple(itertools.pairwise(months)))
    elif scale == "CYCLE":
        cycle_day = min(max(monitor.spec.billing_cycle_day, 1), 28)
        first = today.replace(day=cycle_day)
        if today.day < cycle_day:
            first = _add_month(first, -1)
        last = _add_month(first)
    else:
        raise ValueError(f"unknown scale {scale!r}")
    buckets = _days(first, last, zone)
    return Period(scale, buckets[0][0], buckets[-1][1], buckets)


@lru_cache(maxsize=65_536)
def _day_total(profile: Profile, day: int) -> float:
    return math.fsum(profile.day_energy(day))


def _profile_wh(profile: Profile, a: float, b: float) -> float:
    """Noise-free energy of a profile over local seconds [a, b)."""
    total = 0.0
    while a < b:
        day = int(a // DAY)
        base = day * DAY
        edge = min(b, base + DAY)
        if a == base and edge == base + DAY:
            total += _day_total(profile, day)
        else:
            total += _slots_wh(profile.day_energy(day), a - base, edge - base)
        a = edge
    return total


def _slots_wh(slots: tuple[float, ...], a: float, b: float) -> float:
    """Energy of per-slot values over day seconds [a, b), pro rata within partial slots."""
    total = 0.0
    while a < b:
        slot = int(a // SLOT)
        edge = min(b, (slot + 1) * SLOT)
        total += slots[slot] * (edge - a) / SLOT
        a = edge
    return total


class History:
    """Answers energy questions for one monitor over any span of simulated time."""

    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        self.installed = monitor.start_ts - _INSTALLED_DAYS * DAY
        self._grid: dict[int, tuple[tuple[float, ...], tuple[float, ...]]] = {}

    def _synth_span(self, a: float, b: float) -> tuple[float, float] | None:
        a, b = max(a, self.installed), min(b, self.monitor.start_ts)
        return (a, b) if a < b else None

    def _live_hours(self, a: float, b: float, now: float) -> Iterable[int]:
        a, b = max(a, self.monitor.start_ts), min(b, now)
        return range(int(a // 3600), math.ceil(b / 3600)) if a < b else range(0)

    def device_wh(self, dev: Device, a: float, b: float, now: float) -> float:
        """Energy of one device over UTC [a, b): synthesised part plus live part."""
        wh = 0.0
        span = self._synth_span(a, b)
        if span and dev.created_ts < self.monitor.start_ts:
            off = self.monitor.offset
            wh += _profile_wh(dev.profile, span[0] + off, span[1] + off)
        meter = self.monitor.meter
        for hour in self._live_hours(a, b, now):
            wh += meter.device_hour_wh(dev.id, hour, now)
        return wh

    def _grid_day(self, day: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """Synthesised (from grid, to grid) Wh per slot of a local day."""
        cached = self._grid.get(day)
        if cached is None:
            net = [0.0] * SLOTS_PER_DAY
            for dev in self.monitor.devices.values():
                if dev.created_ts < self.monitor.start_ts:
                    for i, wh in enumerate(dev.profile.day_energy(day)):
                        net[i] += wh
            if self.monitor.solar is not None:
                for i, wh in enumerate(self.monitor.solar.day_energy(day)):
                    net[i] -= wh
            cached = (tuple(max(0.0, x) for x in net), tuple(max(0.0, -x) for x in net))
            self._grid[day] = cached
        return cached

    def solar_wh(self, a: float, b: float, now: float) -> tuple[float, float, float]:
        """(production, from grid, to grid) Wh over UTC [a, b)."""
        prod = frm = to = 0.0
        span = self._synth_span(a, b)
        if span:
            off = self.monitor.offset
            la, lb = span[0] + off, span[1] + off
            if self.monitor.solar is not None:
                prod += _profile_wh(self.monitor.solar, la, lb)
            while la < lb:
                day = int(la // DAY)
                edge = min(lb, (day + 1) * DAY)
                from_slots, to_slots = self._grid_day(day)
                frm += _slots_wh(from_slots, la - day * DAY, edge - day * DAY)
                to += _slots_wh(to_slots, la - day * DAY, edge - day * DAY)
                la = edge
        meter = self.monitor.meter
        for hour in self._live_hours(a, b, now):
            p, f, t = meter.solar_hour_wh(hour, now)
            prod, frm, to = prod + p, frm + f, to + t
        return prod, frm, to

    def usage(self, p: Period, now: float) -> dict[str, Any]:
        """The history/usage body: totals, hourly/daily/monthly arrays, per-device breakdown."""
        totals = [0.0] * len(p.buckets)
        rows = []
        for dev in self.monitor.devices.values():
            values = [self.device_wh(dev, a, b, now) / 1000 for a, b in p.buckets]
            total = math.fsum(values)
            if total <= 0 and not dev.active:
                continue
            totals = [x + y for x, y in zip(totals, values, strict=True)]
            rows.append((total, dev, values))
        rows.sort(key=lambda r: (-r[0], r[1].id))
        return {
            "scale": p.scale,
            "start": iso(p.start),
            "end": iso(p.end),
            "time_zone": self.monitor.spec.time_zone,
            "consumption": {
                "usage_total_kwh": round(math.fsum(totals), 6),
                "usage_breakdown_kwh": [round(x, 6) for x in totals],
            },
            "breakdown_starts": [iso(a) for a, _ in p.buckets],
            "device_breakdown": [
                {
                    "id": dev.id,
                    "name": dev.name,
                    "icon": dev.icon,
                    "consumption": {
                        "usage_total_kwh": round(total, 6),
                        "usage_breakdown_kwh": [round(x, 6) for x in values],
                    },
                }
                for total, dev, values in rows
            ],
        }

    def solar(self, p: Period, now: float) -> dict[str, Any]:
        """The history/usage/solar body: production and grid exchange, total and per bucket."""
        cols: dict[str, list[float]] = {
            k: [] for k in ("production_kwh", "from_grid_kwh", "to_grid_kwh", "consumption_kwh")
        }
        for a, b in p.buckets:
            prod, frm, to = self.solar_wh(a, b, now)
            cols["production_kwh"].append(prod / 1000)
            cols["from_grid_kwh"].append(frm / 1000)
            cols["to_grid_kwh"].append(to / 1000)
            cols["consumption_kwh"].append((frm + prod - to) / 1000)
        cols["net_kwh"] = [
            t - f for f, t in zip(cols["from_grid_kwh"], cols["to_grid_kwh"], strict=True)
        ]
        total = {k: math.fsum(v) for k, v in cols.items()}
        used = total["consumption_kwh"]
        own = total["production_kwh"] - total["to_grid_kwh"]
        total["solar_percentage"] = round(100 * own / used, 1) if used > 0 else 0.0
        return {
            "scale": p.scale,
            "start": iso(p.start),
            "end": iso(p.end),
            "total": {k: round(v, 6) for k, v in total.items()},
            "breakdown": {k: [round(x, 6) for x in v] for k, v in cols.items()},
        }

    def device_energy(self, dev: Device, at: datetime) -> dict[str, float]:
        """A device's kWh in the current DAY, WEEK, MONTH and YEAR."""
        now = at.timestamp()
        out = {}
        for scale in ("DAY", "WEEK", "MONTH", "YEAR"):
            p = period(scale, at, self.monitor)
            out[scale] = round(self.device_wh(dev, p.start, p.end, now) / 1000, 6)
        return out
