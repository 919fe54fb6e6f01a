"""Turn realtime samples into host writes: one diff step, so only changed values are written."""

from __future__ import annotations

import math
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


_UNSET: Any = object()  # "never written": differs from every value
_SECONDS = tuple(f"{s:02d}Z" for s in range(60))  # the tail of an ISO time, per second
_HALF_STEP = 0.5 - 1e-9  # half a step, strictly inside: no float doubt at the edge

# The readings a sample sets, in the order _raw_readings takes them from the payload: the
# attribute, its decimals as round() takes them (None: whole watts, an int; volts to 0.1, hertz
# to 0.01, as the manifest declares them), and half its step (a raw value within this of the
# value last written rounds to it again).
_READINGS: tuple[tuple[str, int | None, float], ...] = (
    ("power", None, _HALF_STEP),
    ("solar_power", None, _HALF_STEP),
    ("grid_power", None, _HALF_STEP),
    ("voltage", 1, _HALF_STEP / 10),
    ("voltage_l1", 1, _HALF_STEP / 10),
    ("voltage_l2", 1, _HALF_STEP / 10),
    ("frequency", 2, _HALF_STEP / 100),
)


def _raw_readings(payload: RealtimePayload) -> tuple[float | None, ...]:
    """The payload's readings unrounded, in _READINGS' order (voltage: the legs' mean)."""
    legs = payload.voltage or ()
    n = len(legs)
    return (
        payload.w,
        payload.solar_w,
        payload.grid_w,
        sum(legs) / n if n else None,
        legs[0] if n else None,
        legs[1] if n > 1 else None,
        payload.hz,
    )


def snapshot_of(payload: RealtimePayload, received_at: float) -> Snapshot:
    """The sample as get_realtime reports it (built on demand, not per frame)."""
    epoch = payload.epoch if payload.epoch is not None else received_at
    values: list[Any] = [  # an int where digits is None, else a float
        None if raw is None else round(raw, digits)
        for raw, (_, digits, _) in zip(_raw_readings(payload), _READINGS, strict=True)
    ]
    _, solar, grid, voltage, l1, l2, frequency = values
    return Snapshot(
        power=round(payload.w),  # always there
        solar_power=solar,
        grid_power=grid,
        voltage=voltage,
        voltage_l1=l1,
        voltage_l2=l2,
        frequency=frequency,
        active_devices=len(payload.devices),
        epoch=epoch,
        received_at=received_at,
    )


_INF = math.inf


class SampleDiff:
    """Remembers what the host was last told, and yields only what a new sample changes.

    `reset()` (on every (re)connect) forgets it all, so the next sample writes every attribute
    and every bound zone: nothing is left stale across a gap. Real frames change power and most
    zones every time (a new epoch, watts that drift), so this runs once per frame with most
    values new: its state lives in this object and a few lists, each reading is first checked
    against the band of raw values that round to the value last written (round() to decimals
    is slow, and volts and hertz rarely leave their band), and the zones read only the frame's
    devices that a bound zone follows.
    """

    __slots__ = (
        "_active",
        "_aliases",
        "_bound",
        "_by_source",
        "_hi",
        "_last",
        "_lo",
        "_minute",
        "_prefix",
        "_sample",
        "_second",
        "_zones",
    )

    def __init__(self) -> None:
        self._zones: list[list[Any]] = []  # [address, written, sample]: see zone_writes
        self._by_source: dict[str, list[list[Any]]] = {}  # device id -> the zones reading it
        self._sample = 0
        self._bound: list[str] | None = None  # a copy of the addresses the zones were made for
        self._aliases: Mapping[str, str] = {}
        self._minute, self._prefix = -60, ""  # the minute last formatted, as "...THH:MM:"
        self.reset()

    def reset(self) -> None:
        self._active = self._second = _UNSET
        # Per reading (see _READINGS): the value last written, and the open band of raw values
        # that round to it (none yet).
        self._last: list[Any] = [_UNSET] * len(_READINGS)
        self._lo = [_INF] * len(_READINGS)
        self._hi = [-_INF] * len(_READINGS)
        for zone in self._zones:
            zone[1] = _UNSET

    def device_writes(
        self, payload: RealtimePayload, received_at: float
    ) -> list[tuple[str, object]]:
        """Device attributes whose value differs from the last written one."""
        out: list[tuple[str, object]] = []
        lo, hi, last = self._lo, self._hi, self._last
        # One loop over the readings rather than a block each: the same few lines run seven
        # times, which costs far less on a cold cache than seven copies run once.
        for i, raw in enumerate(_raw_readings(payload)):
            if raw is None or lo[i] < raw < hi[i]:
                continue  # absent, or still rounds to the value last written
            name, digits, half = _READINGS[i]
            value = round(raw, digits)
            lo[i], hi[i] = value - half, value + half
            if value != last[i]:
                last[i] = value
                out.append((name, value))
        if (count := len(payload.devices)) != self._active:
            self._active = count
            out.append(("active_devices", count))
        epoch = payload.epoch
        second = int(epoch if epoch is not None else received_at)
        if second != self._second:
            self._second = second
            offset = second - self._minute
            iso = self._prefix + _SECONDS[offset] if 0 <= offset < 60 else self._iso(second)
            out.append(("last_sample", iso))
        return out

    def _iso(self, second: int) -> str:
        """ISO 8601 UTC to the second, in a new minute: its date and minute are kept for the
        rest of it, so the seconds of one minute cost a string join."""
        self._minute = second - second % 60
        self._prefix = datetime.fromtimestamp(self._minute, UTC).strftime("%Y-%m-%dT%H:%M:")
        return self._prefix + _SECONDS[second - self._minute]

    def zone_writes(
        self,
        payload: RealtimePayload,
        addresses: Collection[str],
        aliases: Mapping[str, str],
        *,
        hold_offs: bool = False,
    ) -> list[tuple[str, str, object]]:
        """(address, attribute, value) for every bound zone whose state or power changed:
        first the zones whose device is in the sample (in the sample's order), then those
        that went off (in the order they are bound).

        `addresses` is compared with the list the zones were made for (a list compares
        fastest); `aliases` (zone address -> the id it is read from) is replaced, never
        mutated, by its owner. `hold_offs` keeps a zone that is on from going off for now (its
        device may just have been retrained, its new id not known yet).
        """
        if addresses != self._bound or (aliases is not self._aliases and aliases != self._aliases):
            self._bind(addresses, aliases)
        if not self._zones:
            return []
        # A zone is [address, written, sample]: `written` is the power last written while
        # on, OFF once written off (power 0), _UNSET before the first write; `sample` counts
        # the last sample its device was in. One pass over the sample's devices finds the
        # zones that are on (a zone that stays off costs nothing there), one over the zones
        # those that are not.
        sample = self._sample = self._sample + 1
        by_source = self._by_source
        out: list[tuple[str, str, object]] = []
        for device in payload.devices:
            if (readers := by_source.get(device.id)) is None:
                continue
            power = round(device.w)
            for zone in readers:
                if zone[2] == sample:
                    continue  # its device listed twice in one sample: the first one counts
                zone[2] = sample
                written = zone[1]
                if power == written:
                    continue
                zone[1] = power
                if written is OFF or written is _UNSET:
                    out.append((zone[0], "state", ON))
                    if written is OFF and power == 0:
                        continue  # going off wrote power 0 already
                out.append((zone[0], "power", power))
        for zone in self._zones:
            if zone[2] == sample or (written := zone[1]) is OFF:
                continue
            if hold_offs and written is not _UNSET:
                continue  # on, and may not go off yet
            zone[1] = OFF
            out.append((zone[0], "state", OFF))
            if written != 0:
                out.append((zone[0], "power", 0))
        return out

    def _bind(self, addresses: Collection[str], aliases: Mapping[str, str]) -> None:
        """The zones to look at now; a zone still bound keeps what it was last told."""
        before = {zone[0]: zone for zone in self._zones}
        zones: list[list[Any]] = []
        by_source: dict[str, list[list[Any]]] = {}
        for address in dict.fromkeys(addresses):  # an address bound twice is one zone
            zone = before.get(address) or [address, _UNSET, 0]
            zones.append(zone)
            # The id it is read from: a retrained device's new id, if followed.
            by_source.setdefault(aliases.get(address, address), []).append(zone)
        self._zones, self._by_source = zones, by_source
        self._bound, self._aliases = list(addresses), aliases

    def forget_zone(self, address: str) -> None:
        """Write this zone in full on the next sample (its source id changed)."""
        for zone in self._zones:
            if zone[0] == address:
                zone[1] = _UNSET
