"""What the MQTT side needs from the standalone host and the driver, as protocols."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from ..proxy import Source, SourceKind
from ..standalone import Change, HostValues

__all__ = ["CommandRunner", "MonitorDriver", "MonitorHost", "ProxyInputs"]


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


class ProxyInputs(Protocol):
    """The driver's proxy devices, as far as MQTT feeds them: the topics to read, their values."""

    def attach_feed(
        self, kind: SourceKind, listener: Callable[[frozenset[str]], None]
    ) -> Callable[[], None]: ...

    def push(self, source: Source, value: object) -> int: ...


class MonitorDriver(CommandRunner, Protocol):
    """The driver of one bridged monitor: its commands and its proxy devices."""

    @property
    def proxies(self) -> ProxyInputs: ...
