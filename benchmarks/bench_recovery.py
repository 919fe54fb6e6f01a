"""Start and recovery: connect() to the first written sample, and a feed drop to the first
sample after the reconnect, at default Timing, against the simulator in its own process.

Runs go four at a time (four monitors, four fresh drivers per round) to keep the suite short.
The simulator sends a frame every 0.5 s, as Sense does, so part of each figure is waiting for
the next frame; each driver connects, and has its feed dropped, at its own random phase of that
interval (seeded), so the medians are not one phase repeated.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.fleet import Member, build_fleet, disconnect_all
from benchmarks.measure import median, percentile
from benchmarks.simproc import SimProcess

INTERVAL = 0.5
Written = list[tuple[float, int]]  # (perf_counter at the power write, feed opens at that time)


@dataclass(frozen=True)
class Recovery:
    runs: int
    login_s: list[float]
    start_s: list[float]
    recover_s: list[float]
    drop_code: int

    def summary(self, values: list[float]) -> tuple[float, float]:
        return median(values), percentile(values, 0.9)


async def _first_after(
    member: Member, written: Written, since: float, min_opens: int, timeout: float = 15.0
) -> float:
    """Seconds from `since` to the first power write on a connection numbered >= min_opens."""

    def found() -> bool:
        return any(t >= since and opens >= min_opens for t, opens in written)

    await member.host.wait_for(found, timeout=timeout)
    return min(t for t, opens in written if t >= since and opens >= min_opens) - since


async def _one(
    sim: SimProcess, member: Member, written: Written, rng: random.Random, code: int
) -> tuple[float, float, float]:
    """(login, first sample, recovery) seconds for one fresh driver."""
    await asyncio.sleep(rng.uniform(0, INTERVAL))
    began = time.perf_counter()
    await member.driver.connect()
    login = time.perf_counter() - began
    start = await _first_after(member, written, began, 1)
    await asyncio.sleep(INTERVAL + rng.uniform(0, INTERVAL))  # proven, then a random phase
    counters = member.driver.feed_counters
    opens = counters.opens if counters is not None else 0
    dropped_at = time.perf_counter()
    await sim.ask(f"drop {code} {member.monitor}")
    return login, start, await _first_after(member, written, dropped_at, opens + 1)


async def _round(
    sim: SimProcess, rng: random.Random, code: int
) -> list[tuple[float, float, float]]:
    written: dict[str, Written] = {}
    members: dict[str, Member] = {}

    def on_write(monitor: str) -> Callable[[str, str, object], None]:
        seen = written.setdefault(monitor, [])

        def record(target: str, name: str, value: object) -> None:
            if name == "power" and target == "device":
                counters = members[monitor].driver.feed_counters
                seen.append((time.perf_counter(), counters.opens if counters else 0))

        return record

    fleet = await build_fleet(sim, zones_each=5, on_write=on_write)
    members.update((m.monitor, m) for m in fleet)
    try:
        return await asyncio.gather(*(_one(sim, m, written[m.monitor], rng, code) for m in fleet))
    finally:
        await disconnect_all(fleet)


async def measure(runs: int = 20, parallel: int = 4, code: int = 1001) -> Recovery:
    rng = random.Random(20)
    got: list[tuple[float, float, float]] = []
    async with SimProcess(monitors=parallel, interval=INTERVAL, seed=9) as sim:
        for _ in range(runs // parallel):
            got += await _round(sim, rng, code)
    logins, starts, recovers = (list(column) for column in zip(*got, strict=True))
    return Recovery(len(got), logins, starts, recovers, code)


if __name__ == "__main__":
    result = asyncio.run(measure())
    for name, values in (
        ("connect() returned", result.login_s),
        ("first sample", result.start_s),
        ("recovered", result.recover_s),
    ):
        med, p90 = result.summary(values)
        print(f"{name}: median {med:.3f} s, p90 {p90:.3f} s over {len(values)} runs")
