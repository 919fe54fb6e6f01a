"""Turn realtime samples into host writes: one diff step, so only changed values are written."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .models import RealtimeDevice, RealtimePayload

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


_UNSET: Any = object()  # "never written": differs from every value
_SECONDS = tuple(f"{s:02d}Z" for s in range(60))  # the tail of an ISO time, per second


class _Decimal:
    """One attribute written rounded to `digits` decimals, with the band of raw values that
    round to the value last written: a raw value inside it needs no rounding (round() to
    decimals is slow, and voltage and frequency rarely leave their band between frames)."""

    __slots__ = ("digits", "half", "hi", "lo", "value")

    def __init__(self, digits: int) -> None:
        self.digits = digits
        self.half = 0.5 * 10.0**-digits - 1e-9  # strictly inside: no float doubt at the edge
        self.reset()

    def reset(self) -> None:
        self.lo, self.hi, self.value = math.inf, -math.inf, _UNSET

    def changed(self, raw: float) -> float | None:
        """Round `raw` (outside the band): the new value if it differs from the last, else None."""
        value = round(raw, self.digits)
        self.lo, self.hi = value - self.half, value + self.half
        if value == self.value:
            return None
        self.value = value
        return value


class SampleDiff:
    """Remembers what the host was last told, and yields only what a new sample changes.

    `reset()` (on every (re)connect) forgets it all, so the next sample writes every attribute
    and every bound zone: nothing is left stale across a gap. Real frames change power and most
    zones every time (a new epoch, watts that drift), so the hot path is written for that case:
    each value is compared on its own as it is computed, with no intermediate tuples; values
    rounded to decimals are first checked against the band that rounds to the last value; the
    zones look only at the frame's devices that a bound zone reads. A frame whose raw values
    all equal the previous one's (only a test or a stalled cloud sends that) stops early.
    """

    __slots__ = (
        "_active",
        "_aliases",
        "_devices",
        "_frequency",
        "_grid",
        "_l1",
        "_l2",
        "_minute",
        "_power",
        "_prefix",
        "_raw_rest",
        "_raw_w",
        "_second",
        "_solar",
        "_sources",
        "_voltage",
        "_zones",
        "_zones_key",
    )

    def __init__(self) -> None:
        self._zones: list[list[Any]] = []
        self._sources: frozenset[str] = frozenset()
        self._zones_key: tuple[str, ...] | None = None
        self._aliases: Mapping[str, str] = {}
        self._voltage, self._l1, self._l2 = _Decimal(1), _Decimal(1), _Decimal(1)
        self._frequency = _Decimal(2)
        self._minute, self._prefix = -60, ""  # the minute last formatted, as "...THH:MM:"
        self.reset()

    def reset(self) -> None:
        self._power = self._solar = self._grid = self._active = self._second = _UNSET
        self._raw_w = self._raw_rest = _UNSET
        for band in (self._voltage, self._l1, self._l2, self._frequency):
            band.reset()
        for zone in self._zones:
            zone[2] = zone[3] = None
        self._devices: tuple[RealtimeDevice, ...] | None = None

    def device_writes(
        self, payload: RealtimePayload, received_at: float
    ) -> list[tuple[str, object]]:
        """Device attributes whose value differs from the last written one."""
        epoch = payload.epoch
        second = int(epoch if epoch is not None else received_at)
        w = payload.w
        if w == self._raw_w:  # rare on a real feed: then the rest decides
            rest = (payload.solar_w, payload.grid_w, payload.voltage, payload.hz)
            same = rest == self._raw_rest and second == self._second
            if same and len(payload.devices) == self._active:
                return []
            self._raw_rest = rest
        else:
            self._raw_w, self._raw_rest = w, _UNSET
        out: list[tuple[str, object]] = []
        value: Any = round(w)
        if value != self._power:
            self._power = value
            out.append(("power", value))
        if (raw := payload.solar_w) is not None and (value := round(raw)) != self._solar:
            self._solar = value
            out.append(("solar_power", value))
        if (raw := payload.grid_w) is not None and (value := round(raw)) != self._grid:
            self._grid = value
            out.append(("grid_power", value))
        if legs := payload.voltage:  # voltage is the legs' mean; each to 0.1 V
            raw, band = sum(legs) / len(legs), self._voltage
            if not band.lo < raw < band.hi and (value := band.changed(raw)) is not None:
                out.append(("voltage", value))
            raw, band = legs[0], self._l1
            if not band.lo < raw < band.hi and (value := band.changed(raw)) is not None:
                out.append(("voltage_l1", value))
            if len(legs) >= 2:
                raw, band = legs[1], self._l2
                if not band.lo < raw < band.hi and (value := band.changed(raw)) is not None:
                    out.append(("voltage_l2", value))
        if (raw := payload.hz) is not None:
            band = self._frequency
            if not band.lo < raw < band.hi and (value := band.changed(raw)) is not None:
                out.append(("frequency", value))
        if (value := len(payload.devices)) != self._active:
            self._active = value
            out.append(("active_devices", value))
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
        """(address, attribute, value) for every bound zone whose state or power changed.

        `aliases` (zone address -> the id it is read from) is replaced, never mutated, by its
        owner: it is kept and compared by value. `hold_offs` keeps a zone that is on from going
        off for now (its device may just have been retrained, its new id not known yet).
        """
        if not addresses:
            if self._zones:  # none bound now: one bound again later is written in full
                self._bind((), aliases)
            return []
        key = tuple(addresses)
        devices = payload.devices
        if key != self._zones_key or aliases != self._aliases:
            self._bind(key, aliases)
        elif devices == self._devices:
            return []
        self._devices = None if hold_offs else devices  # a held zone must be looked at again
        sources = self._sources
        watts = {d.id: d.w for d in devices if d.id in sources}
        out: list[tuple[str, str, object]] = []
        for zone in self._zones:  # [address, source id, state written, power written]
            w = watts.get(zone[1])
            if w is None:
                if zone[2] is OFF or (hold_offs and zone[2] is ON):
                    continue
                state, power = OFF, 0
            else:
                power = round(w)
                if zone[3] == power and zone[2] is ON:
                    continue
                state = ON
            if zone[2] is not state:
                zone[2] = state
                out.append((zone[0], "state", state))
            if zone[3] != power:
                zone[3] = power
                out.append((zone[0], "power", power))
        return out

    def _bind(self, addresses: tuple[str, ...], aliases: Mapping[str, str]) -> None:
        """The zones to look at now; a zone still bound keeps what it was last told."""
        before = {zone[0]: zone for zone in self._zones}
        zones: list[list[Any]] = []
        for address in addresses:
            zone = before.get(address) or [address, address, None, None]
            zone[1] = aliases.get(address, address)  # a retrained device's new id, if followed
            zones.append(zone)
        self._zones = zones
        self._sources = frozenset(zone[1] for zone in zones)
        self._zones_key, self._aliases = addresses, aliases

    def forget_zone(self, address: str) -> None:
        """Write this zone in full on the next sample (its source id changed)."""
        for zone in self._zones:
            if zone[0] == address:
                zone[2] = zone[3] = None
        self._devices = None
