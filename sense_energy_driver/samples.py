"""Turn realtime samples into host writes: one diff step, so only changed values are written."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .models import RealtimePayload

__all__ = ["SampleDiff", "Snapshot", "snapshot_of"]

ON = "on"
OFF = "off"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The newest sample in the units the host sees, kept for get_realtime."""

    power: int
    solar_power: int | None
    grid_power: int | None
    voltage: float | None
    voltage_l1: float | None
    voltage_l2: float | None
    frequency: float | None
    active_devices: int
    epoch: float
    received_at: float


# The device attributes a sample sets, in the order `_rounded` returns their values.
_SAMPLE_ATTRIBUTES = (
    "power",
    "solar_power",
    "grid_power",
    "voltage",
    "voltage_l1",
    "voltage_l2",
    "frequency",
    "active_devices",
)


def _rounded(payload: RealtimePayload) -> tuple[Any, ...]:
    """The payload's values rounded and averaged the way the manifest declares them."""
    legs = payload.voltage or ()
    return (
        round(payload.w),
        None if payload.solar_w is None else round(payload.solar_w),
        None if payload.grid_w is None else round(payload.grid_w),
        round(sum(legs) / len(legs), 1) if legs else None,
        round(legs[0], 1) if len(legs) >= 1 else None,
        round(legs[1], 1) if len(legs) >= 2 else None,
        None if payload.hz is None else round(payload.hz, 2),
        len(payload.devices),
    )


def snapshot_of(payload: RealtimePayload, received_at: float) -> Snapshot:
    """The sample as get_realtime reports it (built on demand, not per frame)."""
    epoch = payload.epoch if payload.epoch is not None else received_at
    power, solar, grid, voltage, l1, l2, frequency, active = _rounded(payload)
    return Snapshot(
        power=power,
        solar_power=solar,
        grid_power=grid,
        voltage=voltage,
        voltage_l1=l1,
        voltage_l2=l2,
        frequency=frequency,
        active_devices=active,
        epoch=epoch,
        received_at=received_at,
    )


class SampleDiff:
    """Remembers what the host was last told, and yields only what a new sample changes.

    `reset()` (on every (re)connect) forgets it all, so the next sample writes every attribute
    and every bound zone: nothing is left stale across a gap. Each half first compares the raw
    values it depends on with the previous sample's, so a sample that changes nothing there costs
    one tuple comparison instead of rounding and diffing every attribute and zone.
    """

    def __init__(self) -> None:
        self._device: dict[str, object] = {}
        self._zones: dict[str, tuple[str, int]] = {}
        self._device_key: tuple[object, ...] | None = None
        self._zone_key: tuple[object, ...] | None = None  # (devices, addresses, aliases)
        self._second = -1
        self._iso = ""

    def reset(self) -> None:
        self._device.clear()
        self._zones.clear()
        self._device_key = self._zone_key = None

    def device_writes(
        self, payload: RealtimePayload, received_at: float
    ) -> list[tuple[str, object]]:
        """Device attributes whose value differs from the last written one."""
        epoch = payload.epoch if payload.epoch is not None else received_at
        key = (
            payload.w,
            payload.solar_w,
            payload.grid_w,
            payload.voltage,
            payload.hz,
            len(payload.devices),
            int(epoch),
        )
        if key == self._device_key:
            return []
        self._device_key = key
        out: list[tuple[str, object]] = []
        last = self._device
        for name, value in zip(_SAMPLE_ATTRIBUTES, _rounded(payload), strict=True):
            if value is not None and last.get(name) != value:
                last[name] = value
                out.append((name, value))
        iso = self._iso_second(epoch)
        if last.get("last_sample") != iso:
            last["last_sample"] = iso
            out.append(("last_sample", iso))
        return out

    def zone_writes(
        self,
        payload: RealtimePayload,
        addresses: Collection[str],
        aliases: Mapping[str, str],
        *,
        hold_offs: bool = False,
    ) -> list[tuple[str, str, object]]:
        """(address, attribute, value) for every bound zone whose state or power changed.

        `aliases` (zone address -> the id it is read from) is replaced, never mutated, by its
        owner: the shortcut below keeps the mapping itself and compares it by value. `hold_offs`
        keeps a zone that is on from going off for now (its device may just have been retrained,
        its new id not known yet).
        """
        if not addresses:
            return []
        key = (payload.devices, tuple(addresses), aliases)
        if key == self._zone_key:
            return []
        self._zone_key = None if hold_offs else key  # a held zone must be looked at again
        # A zone whose device was retrained is read from the new id (follow_retraining).
        watts = {device.id: device.w for device in payload.devices}
        out: list[tuple[str, str, object]] = []
        last = self._zones
        for address in addresses:
            w = watts.get(aliases.get(address, address) if aliases else address)
            state, power = (OFF, 0) if w is None else (ON, round(w))
            before = last.get(address)
            if before == (state, power) or (hold_offs and w is None and before and before[0] == ON):
                continue
            last[address] = (state, power)
            if before is None or before[0] != state:
                out.append((address, "state", state))
            if before is None or before[1] != power:
                out.append((address, "power", power))
        return out

    def forget_zone(self, address: str) -> None:
        """Write this zone in full on the next sample (its source id changed)."""
        self._zones.pop(address, None)
        self._zone_key = None

    def _iso_second(self, epoch: float) -> str:
        """ISO time to the second, formatted only when the second changes."""
        second = int(epoch)
        if second != self._second:
            self._second = second
            self._iso = datetime.fromtimestamp(second, UTC).isoformat().replace("+00:00", "Z")
        return self._iso
