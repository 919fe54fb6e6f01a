"""A light in-memory Host for benchmarks: keeps current values, counts writes, cheap per call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection


class BenchHost:
    """Stores what the driver writes (current values only) and calls an optional hook per write."""

    def __init__(
        self,
        attributes: dict[str, object],
        zones: Collection[str] = (),
        on_write: Callable[[str, str, object], None] | None = None,
    ) -> None:
        self.attributes = attributes
        self.zones = list(zones)
        self.device: dict[str, object] = {}
        self.zone_values: dict[str, dict[str, object]] = {z: {} for z in self.zones}
        self.writes = 0
        self.errors: list[str] = []
        self._on_write = on_write
        self._event: asyncio.Event | None = None

    def get_attribute(self, name: str) -> object | None:
        return self.attributes.get(name)

    async def set_device_attribute(self, name: str, value: object) -> None:
        self.writes += 1
        self.device[name] = value
        if name in ("refresh_token", "user_id", "installation_id"):
            self.attributes[name] = value
        if self._on_write is not None:
            self._on_write("device", name, value)
        if self._event is not None:
            self._event.set()

    async def set_zone_attribute(self, address: str, name: str, value: object) -> None:
        self.writes += 1
        self.zone_values.setdefault(address, {})[name] = value
        if self._on_write is not None:
            self._on_write(address, name, value)
        if self._event is not None:
            self._event.set()

    def zone_addresses(self) -> Collection[str]:
        return self.zones

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until predicate() holds, re-checked after every write; TimeoutError if not."""
        async with asyncio.timeout(timeout):
            while not predicate():
                if self._event is None:
                    self._event = asyncio.Event()
                event = self._event
                await event.wait()
                if self._event is event:
                    self._event = None

    async def wait_for_sample(self, timeout: float = 10.0) -> None:
        """Wait until the driver has written its first sample (`power`)."""
        await self.wait_for(lambda: "power" in self.device, timeout)

    def log(self, level: int, message: str) -> None:
        if level >= 40:  # logging.ERROR: kept so a run can say what went wrong
            self.errors.append(message)


def driver_attributes(
    banner: dict[str, object], monitor_id: str | None = None
) -> dict[str, object]:
    """The configuration attributes that point a driver at a simulator (and one of its monitors)."""
    attrs: dict[str, object] = {
        "username": banner["email"],
        "password": banner["password"],
        "api_url": banner["api_url"],
        "realtime_url": banner["realtime_url"],
    }
    if monitor_id is not None:
        attrs["monitor_id"] = monitor_id
    return attrs
