"""Soak: drivers against a fast simulator for many minutes, with feed drops and token expiries.

    .venv/bin/python -m benchmarks.soak --minutes 10

Not part of the 5-minute suite. Reports RSS growth after warm-up, task and file-descriptor
counts, unhandled exceptions, and whether every zone ends equal to the simulator's truth; writes
docs/soak.md (see benchmarks/soakdoc.py).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.hosts import BenchHost, driver_attributes
from benchmarks.measure import machine, open_fds, rss_mb
from benchmarks.simproc import SimProcess
from benchmarks.soakdoc import write_soak_doc
from benchmarks.watchdog import Watchdog
from sense_energy_driver.driver import SenseEnergyDriver, Timing


@dataclass
class Point:
    """One periodic reading of the driver process."""

    t: float
    rss_mb: float
    tasks: int
    fds: int
    frames: int
    opens: int


@dataclass
class SoakResult:
    """Everything soakdoc needs to write the report."""

    args: argparse.Namespace
    points: list[Point] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    warmup_s: float = 0.0
    wall_s: float = 0.0
    sim_hours: float = 0.0
    zone_checks: list[dict[str, Any]] = field(default_factory=list)
    sim_stats: dict[str, Any] = field(default_factory=dict)
    unhandled: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    logged: dict[str, int] = field(default_factory=dict)
    host_errors: list[str] = field(default_factory=list)
    tasks_left: list[str] = field(default_factory=list)
    fds_before: int = 0
    fds_after: int = 0


@dataclass
class Instance:
    monitor: str
    host: BenchHost
    driver: SenseEnergyDriver


def _point(t0: float, instances: list[Instance]) -> Point:
    counters = [i.driver.feed_counters for i in instances]
    return Point(
        t=time.monotonic() - t0,
        rss_mb=rss_mb(),
        tasks=len(asyncio.all_tasks()),
        fds=open_fds(),
        frames=sum(c.frames for c in counters if c is not None),
        opens=sum(c.opens for c in counters if c is not None),
    )


async def _inject(sim: SimProcess, n: int, kind: str) -> str:
    """The n-th fault of a kind, alternating between its two flavours."""
    if kind == "drop":
        code = 1001 if n % 2 == 0 else 1006
        answer = await sim.ask(f"drop {code}")
        return f"drop {code} ({answer['dropped']} feeds)"
    with_drop = n % 2 == 1
    answer = await sim.ask("expire drop" if with_drop else "expire")
    return f"expire tokens{' + drop feeds' if with_drop else ''} ({answer['expired']} tokens)"


def _reached(inst: Instance, epoch: float) -> bool:
    """Has the driver written the sample of `epoch` (or a later one)?"""
    realtime = inst.driver.realtime_now()
    return realtime is not None and float(realtime["epoch"]) >= epoch  # type: ignore[arg-type]


async def _check_zones(sim: SimProcess, inst: Instance) -> dict[str, Any]:
    """Compare the host's zones with the simulator's truth at the same frame (retry if it moved)."""
    for attempt in range(1, 21):
        truth = await sim.ask(f"truth {inst.monitor}")
        epoch: float = truth["epoch"]
        await inst.host.wait_for(functools.partial(_reached, inst, epoch), timeout=5)
        rt = inst.driver.realtime_now()
        assert rt is not None
        if rt["epoch"] != truth["epoch"]:
            continue  # a newer frame arrived while we asked; ask again
        watts: dict[str, float] = truth["watts"]
        wrong = []
        for zone in inst.host.zones:
            w = watts.get(zone)
            want = {"state": "off", "power": 0} if w is None else {"state": "on", "power": round(w)}
            if inst.host.zone_values.get(zone) != want:
                wrong.append(f"{zone}: host {inst.host.zone_values.get(zone)} truth {want}")
        if inst.host.device.get("power") != round(truth["w"]):
            wrong.append(f"power: host {inst.host.device.get('power')} truth {round(truth['w'])}")
        return {
            "monitor": inst.monitor,
            "zones": len(inst.host.zones),
            "on": sum(1 for z in inst.host.zones if z in watts),
            "frame": truth["frame"],
            "attempts": attempt,
            "wrong": wrong,
        }
    return {"monitor": inst.monitor, "zones": len(inst.host.zones), "wrong": ["never caught up"]}


async def soak(args: argparse.Namespace) -> SoakResult:
    result = SoakResult(args)
    loop = asyncio.get_running_loop()
    watchdog = Watchdog()
    watchdog.install(loop)
    result.fds_before = open_fds()
    tasks_before = set(asyncio.all_tasks())
    timing = Timing(interval_scale=args.scale)
    async with SimProcess(
        monitors=args.instances, interval=args.interval, speed=args.speed, seed=11
    ) as sim:
        devices: dict[str, list[str]] = await sim.ask("devices")
        instances = []
        for monitor in sim.monitors:
            host = BenchHost(driver_attributes(sim.banner, monitor), zones=devices[monitor])
            instances.append(Instance(monitor, host, SenseEnergyDriver(host, timing=timing)))
        for inst in instances:
            await inst.driver.connect()
        for inst in instances:
            await inst.host.wait_for_sample(timeout=30)
        t0 = time.monotonic()
        duration = args.minutes * 60
        result.warmup_s = min(120.0, duration * 0.2)
        next_drop, next_expire = args.drop_every, args.expire_every
        drops = expiries = 0
        while (now := time.monotonic() - t0) < duration:
            if now >= next_drop and now < duration - args.settle:
                result.faults.append(f"{now:6.0f} s  {await _inject(sim, drops, 'drop')}")
                drops, next_drop = drops + 1, next_drop + args.drop_every
            if now >= next_expire and now < duration - args.settle:
                result.faults.append(f"{now:6.0f} s  {await _inject(sim, expiries, 'expire')}")
                expiries, next_expire = expiries + 1, next_expire + args.expire_every
            if not result.points or now - result.points[-1].t >= args.sample_every:
                gc.collect()
                result.points.append(_point(t0, instances))
            await asyncio.sleep(0.5)
        result.wall_s = time.monotonic() - t0
        result.sim_hours = result.wall_s * args.speed / 3600
        result.zone_checks = [await _check_zones(sim, inst) for inst in instances]
        result.sim_stats = await sim.ask("stats")
        for inst in instances:
            await inst.driver.disconnect()
            result.host_errors += inst.host.errors
    await asyncio.sleep(0.1)
    left = {t for t in asyncio.all_tasks() - tasks_before if not t.done()}
    current = asyncio.current_task()
    if current is not None:
        left.discard(current)
    result.tasks_left = sorted(t.get_name() for t in left)
    result.fds_after = open_fds()
    watchdog.uninstall(loop)
    result.unhandled, result.errors = watchdog.unhandled, watchdog.errors
    result.logged = dict(watchdog.logged)
    return result


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="wall-clock length")
    parser.add_argument("--speed", type=float, default=360.0, help="simulated s per real s")
    parser.add_argument("--interval", type=float, default=0.5, help="real s between frames")
    parser.add_argument("--instances", type=int, default=3, help="drivers, one monitor each")
    parser.add_argument("--scale", type=float, default=0.05, help="Timing.interval_scale")
    parser.add_argument("--drop-every", type=float, default=45.0, help="real s between drops")
    parser.add_argument("--expire-every", type=float, default=100.0, help="real s between expiries")
    parser.add_argument("--sample-every", type=float, default=10.0, help="real s between readings")
    parser.add_argument("--settle", type=float, default=15.0, help="fault-free real s at the end")
    parser.add_argument("--out", type=Path, default=Path("docs/soak.md"), help="report file")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    machine()  # the commit and date of the code being run, before anything else happens
    result = asyncio.run(soak(args))
    ok = write_soak_doc(result, args.out)
    print(args.out.read_text())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
