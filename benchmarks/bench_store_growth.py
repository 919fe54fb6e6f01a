"""Value store growth: bytes per day of raw values, and of the minute aggregates they become.

    .venv/bin/python -m benchmarks.bench_store_growth [--zones 3 14] [--hours 24]

Writes a simulated day into a real RuntimeStore at realistic rates: whole-home samples at 2 Hz
through the driver's own SampleDiff (so only changed values are written, as in production), a
solar curve, noisy voltage and frequency, and N zones cycling on and off (periods of 10-90
minutes, duty 10-50 %, watts that fluctuate while on, as Sense reports them). Then it moves the
clock past the raw period, lets retention turn every raw value into minute aggregates, and
measures the file again. Sizes are SQLite page counts of each table and index (dbstat), so they
do not depend on when the WAL was checkpointed.
"""

from __future__ import annotations

import argparse
import math
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sense_energy_driver.models import RealtimeDevice, RealtimePayload
from sense_energy_driver.samples import SampleDiff
from sense_energy_driver.standalone.retention import DAY, Retention
from sense_energy_driver.standalone.store import DEVICE, ZONE, RuntimeStore

SAMPLE_S = 0.5  # Sense's realtime feed: about 2 samples a second
T0 = 1_780_272_000.0  # a UTC midnight


@dataclass(frozen=True, slots=True)
class Appliance:
    """One zone's device: when it runs and what it draws."""

    id: str
    period: float
    duty: float
    phase: float
    watts: float

    def power(self, t: float, rng: random.Random) -> float | None:
        if (t + self.phase) % self.period >= self.duty * self.period:
            return None
        return self.watts * (1 + rng.uniform(-0.01, 0.01))


@dataclass(frozen=True, slots=True)
class Growth:
    """What one simulated stretch wrote, and what it takes on disk before and after retention."""

    zones: int
    hours: float
    rows: int
    raw_bytes: int
    aggregate_rows: int
    aggregate_bytes: int
    seconds: float

    def per_day(self, value: int) -> float:
        return value * 24 / self.hours


def _appliances(n: int, rng: random.Random) -> list[Appliance]:
    return [
        Appliance(
            f"{i:08x}",
            rng.uniform(10, 90) * 60,
            rng.uniform(0.1, 0.5),
            rng.uniform(0, 5400),
            rng.choice((60, 120, 150, 400, 800, 1200, 2500, 4000)),
        )
        for i in range(n)
    ]


def _payload(t: float, zones: list[Appliance], rng: random.Random) -> RealtimePayload:
    devices = []
    for zone in zones:
        w = zone.power(t, rng)
        if w is not None:
            devices.append(RealtimeDevice(id=zone.id, w=w))
    base = 150 + 300 * (1 + 0.05 * math.sin(t / 700)) + rng.uniform(-5, 5)
    total = base + sum(d.w for d in devices)
    hour = (t % DAY) / 3600
    solar = max(0.0, 4000 * math.sin(math.pi * (hour - 6) / 12)) if 6 < hour < 18 else 0.0
    sag = 0.6 * math.sin(t / 600)
    return RealtimePayload(
        w=total,
        solar_w=solar,
        grid_w=total - solar,
        hz=60 + rng.uniform(-0.02, 0.02),
        voltage=(121.0 + sag + rng.uniform(-0.2, 0.2), 120.6 + sag + rng.uniform(-0.2, 0.2)),
        epoch=t,
        devices=tuple(devices),
    )


class _Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def _bytes(path: Path, tables: tuple[str, ...]) -> int:
    with sqlite3.connect(path) as db:
        marks = ",".join("?" * len(tables))
        (size,) = db.execute(
            f"SELECT SUM(pgsize) FROM dbstat WHERE name IN ({marks})",  # noqa: S608 - marks only
            tables,
        ).fetchone()
    return int(size or 0)


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608


def measure_one(zones: int, hours: float, directory: Path, seed: int = 7) -> Growth:
    """Write `hours` of samples with `zones` zones, then age them all into aggregates."""
    rng = random.Random(seed)
    appliances = _appliances(zones, rng)
    addresses = [a.id for a in appliances]
    path = directory / f"growth-{zones}.sqlite3"
    clock = _Clock()
    store = RuntimeStore(path, clock=clock, retention=Retention(raw_days=7))
    diff = SampleDiff()
    began = time.perf_counter()
    for i in range(int(hours * 3600 / SAMPLE_S)):
        t = T0 + i * SAMPLE_S
        clock.now = t
        payload = _payload(t, appliances, rng)
        for name, value in diff.device_writes(payload, t):
            store.write(DEVICE, "", name, value)
        for address, name, value in diff.zone_writes(payload, addresses, {}):
            store.write(ZONE, address, name, value)
    store.flush()
    seconds = time.perf_counter() - began
    raw_tables = ("raw", "raw_by_series")
    rows, raw_bytes = _count(path, "raw"), _bytes(path, raw_tables)
    clock.now = T0 + hours * 3600 + 8 * DAY  # past the raw period: everything ages out
    store.prune()
    store.close()
    return Growth(
        zones,
        hours,
        rows,
        raw_bytes,
        _count(path, "minute"),
        _bytes(path, ("minute",)),
        seconds,
    )


def measure(zone_counts: tuple[int, ...] = (3, 14), hours: float = 24.0) -> list[Growth]:
    with tempfile.TemporaryDirectory() as tmp:
        return [measure_one(n, hours, Path(tmp)) for n in zone_counts]


def report(results: list[Growth]) -> str:
    lines = [
        "| zones | rows/day | raw MB/day | bytes/row | aggregate rows/day | aggregate MB/day | "
        "7 d raw + 2 y aggregates |",
        "|---|---|---|---|---|---|---|",
    ]
    for g in results:
        raw_day = g.per_day(g.raw_bytes)
        agg_day = g.per_day(g.aggregate_bytes)
        total = 7 * raw_day + 730 * agg_day
        lines.append(
            f"| {g.zones} | {g.per_day(g.rows):,.0f} | {raw_day / 1e6:.1f} | "
            f"{g.raw_bytes / max(g.rows, 1):.1f} | {g.per_day(g.aggregate_rows):,.0f} | "
            f"{agg_day / 1e6:.2f} | {total / 1e9:.2f} GB |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", type=int, nargs="+", default=[3, 14])
    parser.add_argument("--hours", type=float, default=24.0)
    args = parser.parse_args(argv)
    results = measure(tuple(args.zones), args.hours)
    print(report(results))
    for g in results:
        print(f"{g.zones} zones: {g.hours:g} h written in {g.seconds:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
