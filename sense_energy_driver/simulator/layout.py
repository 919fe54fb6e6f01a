"""Declarative specs for simulated monitors and devices, and the default household."""

from __future__ import annotations

from dataclasses import dataclass

from .profiles import KINDS

__all__ = [
    "DEFAULT_EMAIL",
    "DEFAULT_PASSWORD",
    "NEW_FIRMWARE",
    "OLD_FIRMWARE",
    "OTHER_EMAIL",
    "OTHER_PASSWORD",
    "DeviceSpec",
    "MonitorSpec",
    "RateLimit",
    "default_monitors",
    "household",
]

DEFAULT_EMAIL = "demo@example.com"
DEFAULT_PASSWORD = "demo-password"
OTHER_EMAIL = "neighbour@example.com"
OTHER_PASSWORD = "neighbour-password"
NEW_FIRMWARE = "1.65.3490-g0f9f5a3"
OLD_FIRMWARE = "1.52.1234-gabc"


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """A device Sense has learned; `kind` names a profile in profiles.KINDS."""

    name: str
    kind: str
    icon: str | None = None
    watts: float | None = None
    leg: str | None = None
    id: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown device kind {self.kind!r}; one of {sorted(KINDS)}")
        if self.leg not in (None, "L1", "L2", "both"):
            raise ValueError("leg must be 'L1', 'L2' or 'both'")


@dataclass(frozen=True, slots=True)
class MonitorSpec:
    """A monitor: solar or not, firmware (below 1.64 omits voltage and hz), devices, zone.

    Time zones must have whole-hour UTC offsets, since history buckets are UTC hours.
    `devices=None` means the standard household.
    """

    id: str | None = None
    solar: bool = False
    firmware: str = NEW_FIRMWARE
    time_zone: str = "America/New_York"
    serial: str | None = None
    devices: tuple[DeviceSpec, ...] | None = None
    solar_watts: float = 6000.0
    billing_cycle_day: int = 15
    wifi_strength: int = -55

    @property
    def old_firmware(self) -> bool:
        """Firmware below 1.64 has no REST realtime_update and no voltage/hz in the feed."""
        parts = self.firmware.split(".")
        return (int(parts[0]), int(parts[1])) < (1, 64)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most `requests` per `per_seconds` real seconds on one endpoint, then 429."""

    requests: int
    per_seconds: float


def household(index: int = 0) -> tuple[DeviceSpec, ...]:
    """The standard learned devices; later monitors get a smaller house without an EV."""
    devices = [
        DeviceSpec("Fridge", "fridge"),
        DeviceSpec("Dryer", "dryer"),
        DeviceSpec("Oven", "oven"),
        DeviceSpec("Microwave", "microwave", leg="L2"),
        DeviceSpec("Dishwasher", "dishwasher", leg="L2"),
        DeviceSpec("Washer", "washer"),
        DeviceSpec("Water Heater", "water_heater"),
        DeviceSpec("Heat Pump", "ac"),
        DeviceSpec("Lights", "lights", leg="L2"),
        DeviceSpec("TV", "tv"),
    ]
    if index == 0:
        devices += [DeviceSpec("EV Charger", "ev"), DeviceSpec("Pool Pump", "pump")]
    return tuple(devices)


_ZONES = ("America/New_York", "America/Denver", "America/Chicago", "America/Los_Angeles")


def default_monitors(count: int, solar: bool = True) -> tuple[MonitorSpec, ...]:
    """Monitor 0: solar (unless disabled), new firmware; 1: old firmware, no solar; then more."""
    if count < 1:
        raise ValueError("at least one monitor is needed")
    specs = []
    for i in range(count):
        specs.append(
            MonitorSpec(
                solar=solar and i % 3 == 0,
                firmware=OLD_FIRMWARE if i % 3 == 1 else NEW_FIRMWARE,
                time_zone=_ZONES[i % len(_ZONES)],
                wifi_strength=-48 - 7 * (i % 4),
                devices=household(i),
            )
        )
    return tuple(specs)
