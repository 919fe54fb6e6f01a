"""Scale: 500 drivers sharing one httpx.AsyncClient in this process, 2 frames/s each, for 60 s.

The simulator runs in its own process with 500 monitors (`--spread`, so each monitor's frames
come at its own phase, as real monitors' do). Reports this process's CPU share of one core and
its RSS above the baseline taken before any driver existed. The suite runs it in a fresh
interpreter (`measure_isolated`), so memory freed by earlier benchmarks cannot hide growth.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

import httpx

from benchmarks.fleet import build_fleet, connect_all, disconnect_all, frames_received
from benchmarks.measure import Stopwatch, rss_mb
from benchmarks.simproc import SimProcess


@dataclass(frozen=True)
class Scale:
    instances: int
    seconds: float
    connect_s: float
    frames: int
    expected_frames: int
    cpu_share: float
    sim_cpu_share: float
    baseline_mb: float
    rss_mb: float
    skipped_ticks: int
    warmup_s: float = 0.0
    startup_cpu_share: float = 0.0

    @property
    def per_instance_mb(self) -> float:
        return (self.rss_mb - self.baseline_mb) / self.instances


# The simulator's first routine data_change comes 40 ticks (20 s) after a feed opens; each
# driver refreshes its device list on it. The warm-up covers it so the window is steady state.
WARMUP_S = 25.0


async def measure(
    instances: int = 500, seconds: float = 60.0, interval: float = 0.5, zones_each: int = 5
) -> Scale:
    async with SimProcess(monitors=instances, interval=interval, spread=True, seed=5) as sim:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        async with httpx.AsyncClient(limits=limits, timeout=30.0) as http:
            gc.collect()
            baseline = rss_mb()
            fleet = await build_fleet(sim, zones_each=zones_each, http=http)
            began, startup = time.perf_counter(), Stopwatch()
            try:
                await connect_all(fleet)
                connect_s = time.perf_counter() - began
                await asyncio.sleep(WARMUP_S)  # startup history and device-list calls
                startup_share = startup.share()
                frames0, ticks0 = frames_received(fleet), await sim.ask("stats")
                sim_cpu0, watch = sim.cpu_seconds(), Stopwatch()
                await asyncio.sleep(seconds)
                share = watch.share()
                sim_share = (sim.cpu_seconds() - sim_cpu0) / seconds
                frames, ticks = frames_received(fleet) - frames0, await sim.ask("stats")
                gc.collect()
                rss = rss_mb()
            finally:
                await disconnect_all(fleet)
    return Scale(
        instances=instances,
        seconds=seconds,
        connect_s=connect_s,
        frames=frames,
        expected_frames=round(instances * seconds / interval),
        cpu_share=share,
        sim_cpu_share=sim_share,
        baseline_mb=baseline,
        rss_mb=rss,
        skipped_ticks=ticks["skipped_ticks"] - ticks0["skipped_ticks"],
        warmup_s=WARMUP_S,
        startup_cpu_share=startup_share,
    )


def measure_isolated() -> Scale:
    """Run `measure()` in a fresh interpreter and read its result back as JSON."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_scale", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return Scale(**json.loads(out.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line")
    result = asyncio.run(measure())
    if parser.parse_args().json:
        print(json.dumps(asdict(result)))
    else:
        print(result, f"per instance {result.per_instance_mb:.3f} MB")
