"""What the MQTT side needs from the standalone host and the driver, as protocols."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from ..standalone import Change, HostValues

__all__ = ["CommandRunner", "MonitorHost"]


class MonitorHost(Protocol):
    """What the bridge reads from the standalone host."""

    @property
    def name(self) -> str: ...

    def get_attribute(self, name: str) -> object | None: ...

    def values(self) -> HostValues: ...

    def zone_labels(self) -> dict[str, str]: ...

    def subscribe(self, callback: Callable[[Change], None]) -> Callable[[], None]: ...


class CommandRunner(Protocol):
    """The driver, as far as MQTT commands go."""

    async def command(self, cmd: Mapping[str, object]) -> object: ...
