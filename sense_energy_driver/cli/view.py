"""What the live view shows, as plain data and text; the rich rendering lives in live.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..standalone import HostValues, StandaloneHost

__all__ = [
    "DEVICE_FIELDS",
    "Field",
    "ZoneRow",
    "device_rows",
    "plain_line",
    "show",
    "summary_json",
    "summary_lines",
    "zone_line",
    "zone_rows",
]

NONE = "-"


@dataclass(frozen=True, slots=True)
class Field:
    """One device attribute on screen: its label, unit and decimals."""

    name: str
    label: str
    unit: str = ""
    digits: int | None = None


DEVICE_FIELDS = (
    Field("power", "Power", "W", 0),
    Field("solar_power", "Solar", "W", 0),
    Field("grid_power", "Grid", "W", 0),
    Field("voltage", "Voltage", "V", 1),
    Field("frequency", "Frequency", "Hz", 2),
    Field("active_devices", "Active devices", "", 0),
    Field("usage_today_kwh", "Used today", "kWh", 2),
    Field("feed_status", "Feed"),
    Field("last_sample", "Last sample"),
    Field("last_error", "Last error"),
)


@dataclass(frozen=True, slots=True)
class ZoneRow:
    """One bound zone on screen."""

    address: str
    label: str
    state: str | None
    power: int | None


def show(value: object, unit: str = "", digits: int | None = None) -> str:
    """A value as text with its unit; '-' when the driver has not written it yet."""
    if value is None or value == "":
        return NONE
    if digits is not None and isinstance(value, int | float) and not isinstance(value, bool):
        text = f"{value:.{digits}f}"
        return f"{text} {unit}" if unit else text
    return f"{value} {unit}" if unit else str(value)


def device_rows(device: Mapping[str, object]) -> list[tuple[str, str]]:
    """(label, shown value) for each device field."""
    return [(f.label, show(device.get(f.name), f.unit, f.digits)) for f in DEVICE_FIELDS]


def _watts(value: object) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return round(value)
    return None


def zone_rows(host: StandaloneHost, values: HostValues) -> list[ZoneRow]:
    """The zones bound now, in device-file order, with their newest state and watts."""
    rows = []
    for zone in host.zones:
        current = values.zone(zone.address)
        state = current.get("state")
        rows.append(
            ZoneRow(
                zone.address,
                zone.title,
                state if isinstance(state, str) else None,
                _watts(current.get("power")),
            )
        )
    return rows


def plain_line(values: HostValues, zones: list[ZoneRow], elapsed: float) -> str:
    """One line per second when stdout is not a terminal."""
    device = values.device
    on = sum(1 for z in zones if z.state == "on")
    parts = [
        f"[{elapsed:5.0f}s]",
        f"power {show(device.get('power'), 'W', 0)}",
        f"solar {show(device.get('solar_power'), 'W', 0)}",
        f"grid {show(device.get('grid_power'), 'W', 0)}",
        f"voltage {show(device.get('voltage'), 'V', 1)}",
        f"frequency {show(device.get('frequency'), 'Hz', 2)}",
        f"feed {show(device.get('feed_status'))}",
        f"zones on {on}/{len(zones)}",
    ]
    return "  ".join(parts)


def zone_line(zone: ZoneRow) -> str:
    """One zone as a line of the final summary."""
    watts = NONE if zone.power is None else f"{zone.power} W"
    return f"zone {zone.label} ({zone.address}): {zone.state or NONE} {watts}"


def summary_lines(
    values: HostValues, zones: list[ZoneRow], *, elapsed: float, samples: int, store: str
) -> list[str]:
    """The final summary: device values, one line per zone, and where the values are kept."""
    lines = [f"summary after {elapsed:.1f} s ({samples} samples)"]
    lines += [f"  {label}: {text}" for label, text in device_rows(values.device)]
    lines += [zone_line(zone) for zone in zones]
    lines.append(f"values stored in {store}")
    return lines


def summary_json(
    values: HostValues, zones: list[ZoneRow], *, elapsed: float, samples: int, store: str
) -> dict[str, object]:
    """The final summary as data, for --json."""
    return {
        "seconds": round(elapsed, 3),
        "samples": samples,
        "device": dict(values.device),
        "zones": [
            {"address": z.address, "label": z.label, "state": z.state, "power": z.power}
            for z in zones
        ],
        "store": store,
    }
