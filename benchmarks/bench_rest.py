"""REST economy: requests per monitor per hour at default settings with a healthy feed.

The driver's own periods (status_interval 60 s, history refresh 300 s) are compressed with
`Timing(interval_scale=...)` and the simulator's counts are scaled back to driver-hours. The
startup requests (login, first poll, first history, feed upgrade) are counted separately.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from benchmarks.fleet import build_fleet, connect_all, disconnect_all
from benchmarks.simproc import SimProcess
from sense_energy_driver.driver import Timing


@dataclass(frozen=True)
class RestEconomy:
    scale: float
    seconds: float
    startup: dict[str, int]
    steady: dict[str, int]
    solar: bool

    @property
    def driver_hours(self) -> float:
        return self.seconds / self.scale / 3600

    def per_hour(self, endpoint: str) -> float:
        return self.steady.get(endpoint, 0) / self.driver_hours


async def measure(scale: float = 0.005, seconds: float = 25.0) -> RestEconomy:
    async with SimProcess(monitors=1, interval=0.5, seed=2) as sim:
        fleet = await build_fleet(sim, zones_each=5, timing=Timing(interval_scale=scale))
        try:
            await connect_all(fleet)
            await asyncio.sleep(0.2)  # the startup history call runs beside the first sample
            before = (await sim.ask("stats"))["requests"]
            began = time.perf_counter()
            await asyncio.sleep(seconds)
            after = (await sim.ask("stats"))["requests"]
            elapsed = time.perf_counter() - began
        finally:
            await disconnect_all(fleet)
    steady = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    return RestEconomy(
        scale=scale,
        seconds=elapsed,
        startup=dict(before),
        steady={k: v for k, v in steady.items() if v},
        solar=True,  # monitor 100001 has solar: history is usage + solar
    )


if __name__ == "__main__":
    result = asyncio.run(measure())
    print(f"startup: {result.startup}")
    print(f"steady over {result.driver_hours:.2f} driver-hours: {result.steady}")
    for endpoint in sorted(result.steady):
        print(f"  {endpoint}: {result.per_hour(endpoint):.1f}/h")
