"""The host contract: what a home-automation host gives the driver, and nothing more."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol, runtime_checkable

__all__ = ["Host"]


@runtime_checkable
class Host(Protocol):
    """The device-side services a host platform (modelled on GEM) offers one driver instance.

    The driver reads its configuration through `get_attribute` (secure attributes arrive already
    decrypted), writes runtime attributes on the device and on zones, reads the bound zone
    addresses afresh whenever it needs them, and writes to the device log.
    """

    def get_attribute(self, name: str) -> object | None:
        """A configuration attribute's current value, or None when it is not set."""
        ...

    async def set_device_attribute(self, name: str, value: object) -> None:
        """Write a runtime attribute on the device itself (power, voltage, ...)."""
        ...

    async def set_zone_attribute(self, address: str, name: str, value: object) -> None:
        """Write a runtime attribute on the zone bound to this device at `address`."""
        ...

    def zone_addresses(self) -> Collection[str]:
        """Addresses of the zones bound to this device now; zones may be added at any time."""
        ...

    def log(self, level: int, message: str) -> None:
        """Append a line to the device log; `level` is a `logging` level."""
        ...
