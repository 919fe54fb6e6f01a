"""What the live view shows, as plain data and text; the rich rendering lives in live.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

from ..standalone import HostValues, StandaloneHost
from .freshness import EnergyCounter, Freshness, stale_reason

__all__ = [
    "DEVICE_FIELDS",
    "EnergyCounter",
    "Field",
    "Freshness",
    "ViewState",
    "ZoneRow",
    "busiest_first",
    "device_rows",
    "local_time",
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


@dataclass(frozen=True, slots=True)
class ViewState:
    """Everything one frame or line shows: values, zones, staleness, energy counted here."""

    values: HostValues
    zones: list[ZoneRow]
    stale: float | None = None
    counted_kwh: float = 0.0
    tz: tzinfo | None = None


def show(value: object, unit: str = "", digits: int | None = None) -> str:
    """A value as text with its unit; '-' when the driver has not written it yet."""
    if value is None or value == "":
        return NONE
    if digits is not None and isinstance(value, int | float) and not isinstance(value, bool):
        text = f"{value:.{digits}f}"
        return f"{text} {unit}" if unit else text
    return f"{value} {unit}" if unit else str(value)


def local_time(iso: object, tz: tzinfo | None) -> str:
    """An ISO 8601 time as HH:MM:SS and zone name in `tz` (the host's zone when None)."""
    if not isinstance(iso, str) or not iso:
        return show(iso)
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return when.astimezone(tz).strftime("%H:%M:%S %Z").strip()


def _used_today(state: ViewState) -> str:
    reported = state.values.device.get("usage_today_kwh")
    counted = state.counted_kwh
    if not isinstance(reported, int | float) or isinstance(reported, bool):
        return f"{counted:.3f} kWh counted here" if counted else NONE
    if counted < 0.0005:
        return show(reported, "kWh", 2)
    return f"{reported + counted:.2f} kWh (+{counted:.3f} counted)"


def device_rows(state: ViewState) -> list[tuple[str, str]]:
    """(label, shown value) for each device field, with times local and staleness marked."""
    device = state.values.device
    rows = []
    for f in DEVICE_FIELDS:
        if f.name == "last_sample":
            text = local_time(device.get(f.name), state.tz)
            if state.stale is not None:
                text = f"{text} · stale {state.stale:.0f} s"
        elif f.name == "usage_today_kwh":
            text = _used_today(state)
        elif f.name == "last_error" and state.stale is not None:
            text = stale_reason(device, state.stale)
        else:
            text = show(device.get(f.name), f.unit, f.digits)
        rows.append((f.label, text))
    return rows


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


def busiest_first(zones: list[ZoneRow]) -> list[ZoneRow]:
    """Zones that are on first, by watts, then the rest in their order."""
    return sorted(zones, key=lambda z: (z.state != "on", -(z.power or 0)))


def plain_line(state: ViewState, elapsed: float) -> str:
    """One line per second when stdout is not a terminal; stale values are marked."""
    device = state.values.device
    zones = state.zones
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
    if state.stale is not None:
        parts.append(f"stale {state.stale:.0f} s: {stale_reason(device, state.stale)}")
    return "  ".join(parts)


def zone_line(zone: ZoneRow) -> str:
    """One zone as a line of the final summary."""
    watts = NONE if zone.power is None else f"{zone.power} W"
    return f"zone {zone.label} ({zone.address}): {zone.state or NONE} {watts}"


def summary_lines(state: ViewState, *, elapsed: float, samples: int, store: str) -> list[str]:
    """The final summary: device values, one line per zone, and where the values are kept."""
    lines = [f"summary after {elapsed:.1f} s ({samples} samples)"]
    if state.stale is not None:
        lines.append(f"  STALE: the values are {state.stale:.0f} s old")
    lines += [f"  {label}: {text}" for label, text in device_rows(state)]
    lines += [zone_line(zone) for zone in state.zones]
    lines.append(f"values stored in {store}")
    return lines


def summary_json(
    state: ViewState, *, elapsed: float, samples: int, store: str
) -> dict[str, object]:
    """The final summary as data, for the JSON outputs."""
    device: Mapping[str, object] = state.values.device
    return {
        "seconds": round(elapsed, 3),
        "samples": samples,
        "stale_seconds": None if state.stale is None else round(state.stale, 1),
        "counted_kwh": round(state.counted_kwh, 6),
        "device": dict(device),
        "zones": [
            {"address": z.address, "label": z.label, "state": z.state, "power": z.power}
            for z in state.zones
        ],
        "store": store,
    }
