"""Run benchmarks/simserver.py in its own process, so the simulator never shares our event loop."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from types import TracebackType
from typing import Any

from benchmarks.measure import child_cpu_seconds

CHILD = os.environ.get("BENCH_SIM_CHILD", "-m benchmarks.simserver").split()


class SimProcess:
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
        self._argv = [
            sys.executable,
            *CHILD,
            f"--monitors={monitors}",
            f"--interval={interval}",
            f"--speed={speed}",
            f"--seed={seed}",
            f"--token-lifetime={token_lifetime}",
            *(["--stamp"] if stamp else []),
            *(["--spread"] if spread else []),
        ]
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()
        self.banner: dict[str, Any] = {}

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    @property
    def monitors(self) -> list[str]:
        return list(self.banner["monitors"])

    def cpu_seconds(self) -> float:
        return child_cpu_seconds(self.pid)

    async def __aenter__(self) -> SimProcess:
        self._proc = await asyncio.create_subprocess_exec(
            *self._argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            limit=64 * 1024 * 1024,  # the stamps answer is one long line
        )
        self.banner = await self._read()
        return self

    async def _read(self) -> Any:
        assert self._proc is not None and self._proc.stdout is not None
        line = await self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the simulator process exited")
        return json.loads(line)

    async def ask(self, command: str) -> Any:
        """Send one command and return its JSON answer."""
        assert self._proc is not None and self._proc.stdin is not None
        async with self._lock:
            self._proc.stdin.write(command.encode() + b"\n")
            await self._proc.stdin.drain()
            answer = await self._read()
        if isinstance(answer, dict) and "error" in answer:
            raise RuntimeError(f"simulator: {answer['error']}")
        return answer

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.returncode is not None:
            return
        assert proc.stdin is not None
        try:
            proc.stdin.write(b"quit\n")
            await proc.stdin.drain()
            proc.stdin.close()
            async with asyncio.timeout(10):
                await proc.wait()
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            proc.kill()
            await proc.wait()
