"""A Host that records everything the driver does, with awaitable conditions for tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from sense_energy_driver.manifest import load_manifest

_DRIVER_WRITTEN = load_manifest().driver_written_names


@dataclass
class RecordingHost:
    """In-memory Host: attributes in, writes and log lines out, conditions awaited on events."""

    attributes: dict[str, object] = field(default_factory=dict)
    zones: list[str] = field(default_factory=list)
    device: dict[str, object] = field(default_factory=dict)
    zone_values: dict[str, dict[str, object]] = field(default_factory=dict)
    writes: list[tuple[str, str, object]] = field(default_factory=list)
    logs: list[tuple[int, str]] = field(default_factory=list)
    _changed: asyncio.Condition | None = None

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    def get_attribute(self, name: str) -> object | None:
        return self.attributes.get(name)

    async def set_device_attribute(self, name: str, value: object) -> None:
        self.device[name] = value
        self.writes.append(("device", name, value))
        if name in _DRIVER_WRITTEN:  # configuration the host persists for the driver
            self.attributes[name] = value
        await self._notify()

    async def set_zone_attribute(self, address: str, name: str, value: object) -> None:
        self.zone_values.setdefault(address, {})[name] = value
        self.writes.append((address, name, value))
        await self._notify()

    def zone_addresses(self) -> Collection[str]:
        return list(self.zones)

    def log(self, level: int, message: str) -> None:
        self.logs.append((level, message))
        cond = self._changed
        if cond is not None:
            asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        cond = self._condition()
        async with cond:
            cond.notify_all()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until predicate() holds, re-checking on every write and log line."""
        cond = self._condition()
        async with asyncio.timeout(timeout), cond:
            await cond.wait_for(predicate)

    def log_text(self) -> str:
        return "\n".join(message for _, message in self.logs)

    def logged(self, fragment: str) -> int:
        return sum(fragment in message for _, message in self.logs)
