"""Run benchmarks/simserver.py in its own process, so the simulator never shares our event loop."""

from __future__ import annotations

import os

from benchmarks.child import JsonChild
from benchmarks.measure import child_cpu_seconds

CHILD = os.environ.get("BENCH_SIM_CHILD", "-m benchmarks.simserver").split()


class SimProcess(JsonChild):
    """`async with SimProcess(monitors=N, interval=S) as sim:` then `sim.banner`, `sim.ask(...)`."""

    def __init__(
        self,
        *,
        monitors: int = 1,
        interval: float = 0.5,
        speed: float = 1.0,
        seed: int = 0,
        token_lifetime: float = 86_400.0,
        stamp: bool = False,
        spread: bool = False,
    ) -> None:
        super().__init__(
            *CHILD,
            f"--monitors={monitors}",
            f"--interval={interval}",
            f"--speed={speed}",
            f"--seed={seed}",
            f"--token-lifetime={token_lifetime}",
            *(["--stamp"] if stamp else []),
            *(["--spread"] if spread else []),
            limit=64 * 1024 * 1024,  # the stamps answer is one long line
        )

    @property
    def monitors(self) -> list[str]:
        return list(self.banner["monitors"])

    def cpu_seconds(self) -> float:
        return child_cpu_seconds(self.pid)
