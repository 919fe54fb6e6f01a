"""What the standalone host hands its watchers: one change, a copy of every current value, and
where the host keeps a device's values and log beside its device file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Change", "HostValues", "log_path_for", "store_path_for"]


@dataclass(frozen=True, slots=True)
class Change:
    """One runtime value the driver wrote: on the device (address "") or on a zone."""

    scope: str
    address: str
    name: str
    value: object
    ts: float


@dataclass(frozen=True, slots=True)
class HostValues:
    """A copy of every current runtime value, handed to `wait_for` predicates."""

    device: Mapping[str, object]
    zones: Mapping[str, Mapping[str, object]]

    def zone(self, address: str) -> Mapping[str, object]:
        """The values of one zone (empty if nothing was written yet)."""
        return self.zones.get(address, {})


def store_path_for(device_path: Path) -> Path:
    """`<stem>.sqlite3` beside the device file."""
    return device_path.with_suffix(".sqlite3")


def log_path_for(device_path: Path) -> Path:
    """`<stem>.log` beside the device file."""
    return device_path.with_suffix(".log")
