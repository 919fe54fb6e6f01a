"""Turn realtime samples into host writes: one diff step, so only changed values are written."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

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


def snapshot_of(payload: RealtimePayload, received_at: float) -> Snapshot:
    """Round and average the payload the way the manifest declares the attributes."""
    legs = payload.voltage or ()
    return Snapshot(
        power=round(payload.w),
        solar_power=None if payload.solar_w is None else round(payload.solar_w),
        grid_power=None if payload.grid_w is None else round(payload.grid_w),
        voltage=round(sum(legs) / len(legs), 1) if legs else None,
        voltage_l1=round(legs[0], 1) if len(legs) >= 1 else None,
        voltage_l2=round(legs[1], 1) if len(legs) >= 2 else None,
        frequency=None if payload.hz is None else round(payload.hz, 2),
        active_devices=len(payload.devices),
        epoch=payload.epoch if payload.epoch is not None else received_at,
        received_at=received_at,
    )


class SampleDiff:
    """Remembers what the host was last told, and yields only what a new sample changes.

    `reset()` (on every (re)connect) forgets it all, so the next sample writes every attribute
    and every bound zone: nothing is left stale across a gap.
    """

    def __init__(self) -> None:
        self._device: dict[str, object] = {}
        self._zones: dict[str, tuple[str, int]] = {}
        self._second = -1
        self._iso = ""

    def reset(self) -> None:
        self._device.clear()
        self._zones.clear()

    def device_writes(self, snap: Snapshot) -> list[tuple[str, object]]:
        """Device attributes whose value differs from the last written one."""
        out: list[tuple[str, object]] = []
        last = self._device
        for name, value in (
            ("power", snap.power),
            ("solar_power", snap.solar_power),
            ("grid_power", snap.grid_power),
            ("voltage", snap.voltage),
            ("voltage_l1", snap.voltage_l1),
            ("voltage_l2", snap.voltage_l2),
            ("frequency", snap.frequency),
            ("active_devices", snap.active_devices),
            ("last_sample", self._iso_second(snap.epoch)),
        ):
            if value is not None and last.get(name) != value:
                last[name] = value
                out.append((name, value))
        return out

    def zone_writes(
        self,
        payload: RealtimePayload,
        addresses: Collection[str],
        aliases: Mapping[str, str],
    ) -> list[tuple[str, str, object]]:
        """(address, attribute, value) for every bound zone whose state or power changed."""
        if not addresses:
            return []
        # A zone whose device was retrained is read from the new id (follow_retraining).
        wanted = {aliases.get(a, a): a for a in addresses} if aliases else None
        bound = wanted if wanted is not None else addresses
        if not isinstance(bound, set | frozenset | dict):
            bound = set(bound)
        watts: dict[str, float] = {}
        for device in payload.devices:
            if device.id in bound:
                watts[device.id] = device.w
        out: list[tuple[str, str, object]] = []
        last = self._zones
        for address in addresses:
            source = aliases.get(address, address) if aliases else address
            w = watts.get(source)
            state, power = (OFF, 0) if w is None else (ON, round(w))
            before = last.get(address)
            if before == (state, power):
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

    def _iso_second(self, epoch: float) -> str:
        """ISO time to the second, formatted only when the second changes."""
        second = int(epoch)
        if second != self._second:
            self._second = second
            self._iso = datetime.fromtimestamp(second, UTC).isoformat().replace("+00:00", "Z")
        return self._iso
