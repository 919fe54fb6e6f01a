"""A real mosquitto on a free loopback port, and a test client that waits for messages."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiomqtt

from sense_energy_driver.simulator.tls import TlsFiles

MOSQUITTO = shutil.which("mosquitto") or (
    "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
)
START_TIMEOUT_S = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mosquitto:
    """One broker process; `restart()` brings it back on the same port, without persistence."""

    directory: Path
    port: int = field(default_factory=free_port)
    tls: TlsFiles | None = None  # adds a TLS listener on tls_port
    tls_port: int = field(default_factory=free_port)
    process: asyncio.subprocess.Process | None = None
    log: list[str] = field(default_factory=list)
    _drain: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def _config(self) -> Path:
        path = self.directory / "mosquitto.conf"
        lines = [
            "user root",  # as root, keep reading our files in tmp (no effect for other users)
            "allow_anonymous true",
            "persistence false",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            f"listener {self.port} 127.0.0.1",
        ]
        if self.tls is not None:
            lines += [
                f"listener {self.tls_port} 127.0.0.1",
                f"cafile {self.tls.ca_file}",
                f"certfile {self.tls.cert_file}",
                f"keyfile {self.tls.key_file}",
            ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    async def start(self) -> None:
        """Start and wait for its "running" line, which it logs once every listener is open."""
        assert MOSQUITTO is not None
        self.process = await asyncio.create_subprocess_exec(
            MOSQUITTO,
            "-c",
            str(self._config()),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.process.stderr is not None
        async with asyncio.timeout(START_TIMEOUT_S):
            while True:
                line = (await self.process.stderr.readline()).decode(errors="replace")
                self.log.append(line)
                assert line, "mosquitto exited: " + "".join(self.log)
                if " running" in line:
                    break
        self._drain = asyncio.get_running_loop().create_task(self._read_log(self.process))

    async def _read_log(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        while line := await process.stderr.readline():
            self.log.append(line.decode(errors="replace"))

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            process.terminate()
            await process.wait()
        if self._drain is not None:
            await self._drain
            self._drain = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()


@dataclass
class Received:
    topic: str
    payload: str
    retain: bool
    at: float = 0.0  # the loop's time on arrival

    def json(self) -> dict[str, object]:
        data = json.loads(self.payload)
        assert isinstance(data, dict)
        return data


class Watcher:
    """A test subscriber: everything it receives, and a way to wait for a condition on it."""

    def __init__(self, client: aiomqtt.Client) -> None:
        self.client = client
        self.messages: list[Received] = []
        self._arrived = asyncio.Event()

    async def pump(self) -> None:
        loop = asyncio.get_running_loop()
        async for message in self.client.messages:
            payload = message.payload
            text = payload.decode() if isinstance(payload, bytes) else str(payload)
            self.messages.append(
                Received(str(message.topic), text, bool(message.retain), loop.time())
            )
            self._arrived.set()

    def on(self, topic: str) -> list[Received]:
        return [m for m in self.messages if m.topic == topic]

    def latest(self, topic: str) -> str | None:
        found = self.on(topic)
        return found[-1].payload if found else None

    async def wait_for(
        self, predicate: Callable[[list[Received]], object], timeout: float = 10.0
    ) -> object:
        async with asyncio.timeout(timeout):
            while True:
                result = predicate(self.messages)
                if result:
                    return result
                self._arrived.clear()
                await self._arrived.wait()

    async def wait_payload(self, topic: str, payload: str, timeout: float = 10.0) -> None:
        await self.wait_for(lambda ms: self.latest(topic) == payload, timeout)


@contextlib.asynccontextmanager
async def watching(port: int, *topics: str) -> AsyncIterator[Watcher]:
    async with aiomqtt.Client("127.0.0.1", port) as client:
        watcher = Watcher(client)
        for topic in topics:
            await client.subscribe(topic, qos=1)
        task = asyncio.get_running_loop().create_task(watcher.pump())
        try:
            yield watcher
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await task
