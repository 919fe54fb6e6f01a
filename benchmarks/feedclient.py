"""One client of the headline benchmark, alone in its own process, so its CPU is its own.

    python -m benchmarks.feedclient KIND URL [SETTINGS_JSON]

KIND is `bare` (a websockets client that only receives: the floor), `transport` (the driver's
own feed transport with a handler that only counts: the driver's receive floor), `driver` (a real
`SenseEnergyDriver` whose realtime feed reads URL; SETTINGS_JSON holds its host attributes and
bound zones) or `sense_energy` (PyPI sense-energy's `async_realtime_stream`). The banner is
printed once the client has started (the driver: logged in, its feed opening); then each stdin
line is a command answered by one JSON line: `count` gives this process's CPU seconds so far
and the frames handled, `wait N TIMEOUT` the same once N frames have been handled; `quit`
stops the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from websockets.asyncio.client import connect

from benchmarks.child import serve_commands

Stop = Callable[[], Awaitable[None]]


class Frames:
    """Frames this client has handled; `wait(n)` returns once the total reaches n."""

    def __init__(self) -> None:
        self.count = 0
        self._target = 0
        self._done = asyncio.Event()

    def tick(self) -> None:
        self.count += 1
        if self.count >= self._target:
            self._done.set()

    async def wait(self, target: int, timeout: float) -> None:
        self._target = target
        if self.count < target:
            self._done.clear()
            async with asyncio.timeout(timeout):
                await self._done.wait()


class RecordingHost:
    """The driver's host: keeps every value written (the last per attribute) and counts writes;
    a frame counts once its sample time (`last_sample`, a new second every frame) is written,
    or, as the standalone host takes them, once its values arrive in one call (`set_attributes`)."""

    def __init__(self, attributes: dict[str, object], zones: list[str], frames: Frames) -> None:
        self.attributes = attributes
        self.zones = zones
        self.device: dict[str, object] = {}
        self.zone_values: dict[tuple[str, str], object] = {}
        self.writes = 0
        self._frames = frames

    def get_attribute(self, name: str) -> object | None:
        return self.attributes.get(name)

    async def set_device_attribute(self, name: str, value: object) -> None:
        self.writes += 1
        self.device[name] = value
        if name == "last_sample":
            self._frames.tick()
        elif name in ("refresh_token", "user_id", "installation_id"):
            self.attributes[name] = value

    async def set_zone_attribute(self, address: str, name: str, value: object) -> None:
        self.writes += 1
        self.zone_values[address, name] = value

    async def set_attributes(
        self, device: Sequence[tuple[str, object]], zones: Sequence[tuple[str, str, object]]
    ) -> None:
        """A whole sample at once, as the standalone host takes it (a BatchingHost)."""
        self.writes += len(device) + len(zones)
        self.device.update(device)
        zone_values = self.zone_values
        for address, name, value in zones:
            zone_values[address, name] = value
        self._frames.tick()

    def zone_addresses(self) -> list[str]:
        return self.zones

    def log(self, level: int, message: str) -> None:
        if level >= logging.ERROR:
            print(f"driver: {message}", file=sys.stderr)


async def bare(url: str, frames: Frames, _: dict[str, Any]) -> tuple[Stop, Callable[[], int]]:
    ws = await connect(url, compression=None, max_size=16 * 1024 * 1024, max_queue=4)

    async def receive() -> None:
        while True:
            await ws.recv()
            frames.tick()

    task = asyncio.create_task(receive())

    async def stop() -> None:
        task.cancel()
        await ws.close()

    return stop, lambda: 0


async def transport(url: str, frames: Frames, _: dict[str, Any]) -> tuple[Stop, Callable[[], int]]:
    from sense_energy_driver.transport.feed import open_feed

    conn = await open_feed(url, headers={})

    def on_frame(_: bytes | str) -> None:
        frames.tick()

    task = asyncio.create_task(conn.run(on_frame, 3600.0))

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await conn.close()

    return stop, lambda: 0


async def driver(
    url: str, frames: Frames, settings: dict[str, Any]
) -> tuple[Stop, Callable[[], int]]:
    from sense_energy_driver.driver import SenseEnergyDriver

    attributes = {**settings["attributes"], "realtime_url": url}
    host = RecordingHost(attributes, list(settings["zones"]), frames)
    instance = SenseEnergyDriver(host)
    await instance.connect()
    return instance.disconnect, lambda: host.writes


async def sense_energy(
    url: str, frames: Frames, _: dict[str, Any]
) -> tuple[Stop, Callable[[], int]]:
    import sense_energy.asyncsenseable as module

    module.WS_URL = url + "/monitors/%s/realtimefeed?access_token=%s"
    sense: Any = module.ASyncSenseable(client_session=object())  # type: ignore[no-untyped-call]
    sense.sense_monitor_id, sense.sense_access_token = "1", "token"
    sense.ssl_context = None  # a ws:// URL: websockets refuses an SSL context for it
    task = asyncio.create_task(sense.async_realtime_stream(lambda data: frames.tick()))

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return stop, lambda: 0


KINDS = {"bare": bare, "transport": transport, "driver": driver, "sense_energy": sense_energy}


async def main(kind: str, url: str, settings: dict[str, Any]) -> None:
    frames = Frames()
    stop, writes = await KINDS[kind](url, frames, settings)

    def state() -> dict[str, Any]:
        return {"cpu": time.process_time(), "frames": frames.count, "writes": writes()}

    async def handle(line: str) -> dict[str, Any]:
        verb, *args = line.split()
        if verb == "wait":
            await frames.wait(int(args[0]), float(args[1]))
        elif verb != "count":
            raise ValueError(f"unknown command {line!r}")
        return state()

    try:
        await serve_commands(handle, {"kind": kind})
    finally:
        await stop()


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR, format=f"{sys.argv[1]} %(levelname)s: %(message)s")
    extra = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    asyncio.run(main(sys.argv[1], sys.argv[2], extra))
