"""Many drivers in this process against one simulator process: build, connect, wait, tear down."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from benchmarks.hosts import BenchHost, driver_attributes
from benchmarks.simproc import SimProcess
from sense_energy_driver.driver import SenseEnergyDriver, Timing

OnWrite = Callable[[str, str, object], None]


@dataclass
class Member:
    """One driver instance, its host and its monitor."""

    monitor: str
    host: BenchHost
    driver: SenseEnergyDriver


async def build_fleet(
    sim: SimProcess,
    *,
    zones_each: int,
    http: httpx.AsyncClient | None = None,
    timing: Timing | None = None,
    on_write: Callable[[str], OnWrite | None] = lambda monitor: None,
) -> list[Member]:
    """One driver per simulator monitor, each with up to `zones_each` bound zones."""
    devices: dict[str, list[str]] = await sim.ask("devices")
    fleet = []
    for monitor in sim.monitors:
        learned = [d for d in devices[monitor] if d not in ("always_on", "unknown")]
        host = BenchHost(
            driver_attributes(sim.banner, monitor), learned[:zones_each], on_write(monitor)
        )
        driver = SenseEnergyDriver(host, http_client=http, timing=timing)
        fleet.append(Member(monitor, host, driver))
    return fleet


async def connect_all(fleet: list[Member], batch: int = 50, timeout: float = 60.0) -> None:
    """Connect in batches (a burst of 500 logins is not what we measure), then await samples."""
    for start in range(0, len(fleet), batch):
        await asyncio.gather(*(m.driver.connect() for m in fleet[start : start + batch]))
    for member in fleet:
        await member.host.wait_for_sample(timeout)


async def disconnect_all(fleet: list[Member]) -> None:
    await asyncio.gather(*(m.driver.disconnect() for m in fleet))


def frames_received(fleet: list[Member]) -> int:
    """Feed frames every driver has read so far."""
    return sum(c.frames for m in fleet if (c := m.driver.feed_counters) is not None)
