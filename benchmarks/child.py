"""A benchmark helper in its own process, spoken to over stdin/stdout, one JSON line each way."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from types import TracebackType
from typing import Any, Self


class JsonChild:
    """`async with JsonChild("-m", "benchmarks.replayserver", ...) as child:` then
    `child.banner`, `await child.ask("command")`; `quit` is sent on the way out (the child is
    killed if it does not exit within 10 s). `limit` bounds one answer line."""

    def __init__(self, *args: str, limit: int = 1 << 20) -> None:
        self._argv = [sys.executable, *args]
        self._name = " ".join(args[:2])
        self._limit = limit
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()
        self.banner: dict[str, Any] = {}

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    async def __aenter__(self) -> Self:
        self._proc = await asyncio.create_subprocess_exec(
            *self._argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            limit=self._limit,
        )
        self.banner = await self._read()
        return self

    async def _read(self) -> Any:
        assert self._proc is not None and self._proc.stdout is not None
        line = await self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self._name} exited")
        answer = json.loads(line)
        if isinstance(answer, dict) and "error" in answer:
            raise RuntimeError(f"{self._name}: {answer['error']}")
        return answer

    async def ask(self, command: str) -> Any:
        """Send one command and return its JSON answer (a RuntimeError if it is an error)."""
        assert self._proc is not None and self._proc.stdin is not None
        async with self._lock:
            self._proc.stdin.write(command.encode() + b"\n")
            await self._proc.stdin.drain()
            return await self._read()

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


async def serve_commands(handle: Any, banner: dict[str, Any]) -> None:
    """The child's side: print the banner, then answer each stdin line with `await handle(line)`
    (a dict; an exception becomes {"error": ...}) until `quit` or end of input."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print(json.dumps(banner), flush=True)
    while line := (await reader.readline()).decode().strip():
        if line == "quit":
            break
        try:
            answer = await handle(line)
        except (ValueError, KeyError, TimeoutError, RuntimeError) as err:
            answer = {"error": f"{type(err).__name__}: {err}"}
        print(json.dumps(answer), flush=True)
