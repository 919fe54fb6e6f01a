"""The host contract: what a home-automation host gives the driver, and nothing more."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol, runtime_checkable

__all__ = ["BatchingHost", "Host"]


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


@runtime_checkable
class BatchingHost(Protocol):
    """Optional for a Host: take one sample's changed values in a single call.

    A host offering `set_attributes` gets every realtime sample as one update (the device's
    values, then the zones'), so it can store and announce a sample at once; the driver then
    makes one call per frame instead of one per changed value (about a dozen on a real feed).
    Other writes (configuration the driver keeps, health, command results) still come through
    `set_device_attribute`. The lists are new for every call: the host may keep them.
    """

    async def set_attributes(
        self, device: Sequence[tuple[str, object]], zones: Sequence[tuple[str, str, object]]
    ) -> None:
        """Write `(name, value)` on the device and `(address, name, value)` on zones."""
        ...
