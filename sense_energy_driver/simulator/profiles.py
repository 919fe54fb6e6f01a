"""Deterministic appliance power profiles and the solar day curve, in monitor-local seconds.

Each profile is either a set of rectangular runs per local day (appliances: a fridge compressor
cycling, a dryer's heating element bursting, an EV charging) or a curve that is constant per
15-minute slot (base load, "Other", solar). Both give an exact power at any instant and an exact
energy per slot, so realtime samples and synthesised history come from the same model.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

__all__ = ["DAY", "KINDS", "SLOT", "SLOTS_PER_DAY", "Kind", "Profile", "Run"]

DAY = 86_400
SLOT = 900
SLOTS_PER_DAY = DAY // SLOT
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass(frozen=True, slots=True)
class Run:
    """One stretch of constant power, in absolute local seconds."""

    start: float
    end: float
    watts: float


Runs = tuple[Run, ...]
_RunMaker = Callable[[random.Random, int, float], list[Run]]
_SlotMaker = Callable[[random.Random, int], list[float]]


@dataclass(frozen=True, slots=True)
class Kind:
    """What an appliance type looks like: nominal watts, icon, type tag and wiring."""

    nominal: float
    icon: str
    user_type: str
    split_phase: bool
    runs: _RunMaker | None = None
    slots: _SlotMaker | None = None


def _day_date(day: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + day)


def _hours(base: float, start_h: float, minutes: float, watts: float) -> Run:
    start = base + start_h * 3600
    return Run(start, start + minutes * 60, watts)


def _cycle(start: float, end: float, on_s: float, off_s: float, watts: float) -> list[Run]:
    """An element that switches on and off until `end` (thermostat or compressor duty)."""
    out = []
    t = start
    while t < end:
        out.append(Run(t, min(t + on_s, end), watts))
        t += on_s + off_s
    return out


def _fridge(rng: random.Random, base: float, w: float) -> list[Run]:
    period = rng.uniform(40, 55) * 60
    on = period * rng.uniform(0.35, 0.45)
    runs = _cycle(base + rng.uniform(0, period), base + DAY, on, period - on, w)
    return [*runs, _hours(base, rng.uniform(1, 5), 25, w * 3)]  # nightly defrost heater


def _dryer(rng: random.Random, base: float, w: float) -> list[Run]:
    if rng.random() > 0.45:
        return []
    start = base + rng.uniform(9, 20) * 3600
    end = start + rng.uniform(50, 70) * 60
    return [Run(start, end, w * 0.05), *_cycle(start, end - 480, 300, 120, w * 0.95)]


def _oven(rng: random.Random, base: float, w: float) -> list[Run]:
    if rng.random() > 0.5:
        return []
    start = base + rng.uniform(16.5, 18.5) * 3600
    heated = start + 600
    return [
        Run(start, heated, w * 1.3),
        *_cycle(heated, heated + rng.uniform(35, 60) * 60, 50, 100, w),
    ]


def _ev(rng: random.Random, base: float, w: float) -> list[Run]:
    if rng.random() > 0.4:
        return []
    return [_hours(base, rng.uniform(21.5, 23.5), rng.uniform(90, 240), w)]


def _microwave(rng: random.Random, base: float, w: float) -> list[Run]:
    meals = [(7, 8.5), (12, 13.5), (18, 20)]
    return [
        _hours(base, rng.uniform(a, b), rng.uniform(1, 5), w)
        for a, b in meals
        if rng.random() < 0.7
    ]


def _dishwasher(rng: random.Random, base: float, w: float) -> list[Run]:
    if rng.random() > 0.6:
        return []
    start_h = rng.uniform(19.5, 22)
    return [
        _hours(base, start_h, 100, w * 0.06),
        _hours(base, start_h + 10 / 60, 20, w),
        _hours(base, start_h + 70 / 60, 20, w),
    ]


def _washer(rng: random.Random, base: float, w: float) -> list[Run]:
    if rng.random() > 0.45:
        return []
    start_h = rng.uniform(8, 18)
    return [_hours(base, start_h, 35, w * 0.5), _hours(base, start_h + 35 / 60, 10, w)]


def _water_heater(rng: random.Random, base: float, w: float) -> list[Run]:
    windows = [(5.5, 8), (11, 14), (17.5, 21), (21, 23)]
    return [
        _hours(base, rng.uniform(a, b), rng.uniform(15, 35), w)
        for a, b in windows
        if rng.random() < 0.8
    ]


def _ac(rng: random.Random, base: float, w: float) -> list[Run]:
    month = _day_date(int(base // DAY)).month
    if 5 <= month <= 9:
        hours = [(11.0, 22.0)]
    elif month >= 11 or month <= 3:
        hours = [(5.0, 9.0), (17.0, 23.0)]
    else:
        return []
    out: list[Run] = []
    for a, b in hours:
        on = rng.uniform(10, 20) * 60
        out += _cycle(base + a * 3600 + rng.uniform(0, 600), base + b * 3600, on, on * 0.8, w)
    return out


def _lights(rng: random.Random, base: float, w: float) -> list[Run]:
    return [
        _hours(base, rng.uniform(6, 7), rng.uniform(40, 90), w * 0.6),
        _hours(base, rng.uniform(17, 18.5), rng.uniform(240, 330), w),
    ]


def _tv(rng: random.Random, base: float, w: float) -> list[Run]:
    return (
        [_hours(base, rng.uniform(19, 20.5), rng.uniform(90, 200), w)] if rng.random() < 0.8 else []
    )


def _pump(rng: random.Random, base: float, w: float) -> list[Run]:
    return [_hours(base, 8 + rng.uniform(0, 0.5), 480, w)]


def _slot_hour(slot: int) -> float:
    return (slot + 0.5) * SLOT / 3600


def _always_on(rng: random.Random, day: int) -> list[float]:
    return [
        1 + 0.08 * math.sin(2 * math.pi * (_slot_hour(s) - 4) / 24) + rng.uniform(-0.02, 0.02)
        for s in range(SLOTS_PER_DAY)
    ]


def _other(rng: random.Random, day: int) -> list[float]:
    def activity(h: float) -> float:
        return 0.3 + 0.6 * math.exp(-(((h - 7.5) / 1.5) ** 2)) + math.exp(-(((h - 19) / 2.5) ** 2))

    return [activity(_slot_hour(s)) * rng.uniform(0.7, 1.3) for s in range(SLOTS_PER_DAY)]


def _constant(rng: random.Random, day: int) -> list[float]:
    return [1.0] * SLOTS_PER_DAY


def _solar(rng: random.Random, day: int) -> list[float]:
    season = math.sin(2 * math.pi * (_day_date(day).timetuple().tm_yday - 80) / 365)
    length = 12 + 3 * season
    sunrise = 12.5 - length / 2
    peak = 0.8 + 0.2 * season
    cloudy = rng.random() < 0.3
    out = []
    for s in range(SLOTS_PER_DAY):
        x = (_slot_hour(s) - sunrise) / length
        sun = math.sin(math.pi * x) ** 1.3 if 0 < x < 1 else 0.0
        cloud = rng.uniform(0.2, 0.8) if cloudy else rng.uniform(0.92, 1.0)
        out.append(peak * sun * cloud)
    return out


KINDS: dict[str, Kind] = {
    "always_on": Kind(180, "alwayson", "AlwaysOn", False, slots=_always_on),
    "other": Kind(400, "home", "Unknown", False, slots=_other),
    "constant": Kind(100, "socket", "Other", False, slots=_constant),
    "solar": Kind(6000, "solar_alt", "Solar", True, slots=_solar),
    "fridge": Kind(145, "fridge", "Fridge", False, runs=_fridge),
    "dryer": Kind(5000, "dryer", "Dryer", True, runs=_dryer),
    "oven": Kind(2500, "stove", "Stove", True, runs=_oven),
    "ev": Kind(7200, "car", "EV", True, runs=_ev),
    "microwave": Kind(1250, "microwave", "Microwave", False, runs=_microwave),
    "dishwasher": Kind(1300, "dishes", "Dishwasher", False, runs=_dishwasher),
    "washer": Kind(700, "washer", "Washer", False, runs=_washer),
    "water_heater": Kind(4500, "water_heater", "WaterHeater", True, runs=_water_heater),
    "ac": Kind(3300, "ac", "AC", True, runs=_ac),
    "lights": Kind(130, "lightbulb", "Light", False, runs=_lights),
    "tv": Kind(110, "tv", "TV", False, runs=_tv),
    "pump": Kind(1100, "pump", "Pump", True, runs=_pump),
}


@lru_cache(maxsize=65_536)
def _day_runs(kind: str, seed: str, day: int, watts: float) -> Runs:
    maker = KINDS[kind].runs
    assert maker is not None
    runs = maker(random.Random(f"{seed}|{day}"), day * DAY, watts)
    return tuple(sorted(runs, key=lambda r: r.start))


@lru_cache(maxsize=65_536)
def _day_slots(kind: str, seed: str, day: int, watts: float) -> tuple[float, ...]:
    maker = KINDS[kind].slots
    assert maker is not None
    return tuple(watts * f for f in maker(random.Random(f"{seed}|{day}"), day))


@lru_cache(maxsize=65_536)
def _day_energy(kind: str, seed: str, day: int, watts: float) -> tuple[float, ...]:
    """Wh per 15-minute slot of one local day; runs spilling over from the day before count."""
    if KINDS[kind].slots is not None:
        return tuple(w * SLOT / 3600 for w in _day_slots(kind, seed, day, watts))
    base = day * DAY
    out = [0.0] * SLOTS_PER_DAY
    for run in (*_day_runs(kind, seed, day - 1, watts), *_day_runs(kind, seed, day, watts)):
        a, b = max(run.start, base), min(run.end, base + DAY)
        slot = int((a - base) // SLOT)
        while a < b:
            edge = min(b, base + (slot + 1) * SLOT)
            out[slot] += run.watts * (edge - a) / 3600
            a, slot = edge, slot + 1
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Profile:
    """One appliance's deterministic behaviour; `seed` keeps it stable across id changes."""

    kind: str
    seed: str
    watts: float

    def power(self, local: float) -> float:
        """Instantaneous watts at a local time, with a little deterministic noise."""
        day = int(local // DAY)
        kind = KINDS[self.kind]
        if kind.slots is not None:
            nominal = _day_slots(self.kind, self.seed, day, self.watts)[
                int(local - day * DAY) // SLOT
            ]
        else:
            nominal = 0.0
            for d in (day - 1, day):
                for run in _day_runs(self.kind, self.seed, d, self.watts):
                    if run.start <= local < run.end:
                        nominal += run.watts
        if nominal <= 0:
            return 0.0
        return nominal * (1 + 0.012 * math.sin(local * 0.37) + 0.008 * math.sin(local * 2.9))

    def day_energy(self, day: int) -> tuple[float, ...]:
        """Wh per 15-minute slot of a local day (noise-free)."""
        return _day_energy(self.kind, self.seed, day, self.watts)

    def on_spans(self, day: int) -> list[tuple[float, float]]:
        """Merged on-intervals of a local day, for synthesising timeline events."""
        if KINDS[self.kind].runs is None:
            return []
        spans: list[tuple[float, float]] = []
        for run in _day_runs(self.kind, self.seed, day, self.watts):
            if spans and run.start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], run.end))
            else:
                spans.append((run.start, run.end))
        return spans
