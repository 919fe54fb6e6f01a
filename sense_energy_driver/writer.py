"""The write step: a realtime sample in, only the changed device and zone values out."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from .frames import REALTIME_UPDATE, FeedMessage
from .hostport import HostPort
from .models import RealtimeDevice, RealtimePayload
from .retraining import Retraining
from .samples import SampleDiff, Snapshot, snapshot_of

__all__ = ["SampleWriter", "unusable"]

_NO_ALIASES: dict[str, str] = {}  # never mutated: a writer without Retraining reads zones by id


def unusable(payload: RealtimePayload) -> str | None:
    """Why a sample cannot be written (a non-finite number, an absurd epoch), or None.

    Frames are checked by their decoder; this is for samples that arrive by other ways (the
    REST fallback)."""
    numbers = [payload.w, payload.solar_w, payload.grid_w, payload.hz, *(payload.voltage or ())]
    numbers += [d.w for d in payload.devices]
    if not all(math.isfinite(n) for n in numbers if n is not None):
        return "a value is not a finite number"
    if payload.epoch is not None and not 0 <= payload.epoch < 4e9:
        return f"epoch {payload.epoch!r} is not a time this century"
    return None


class SampleObserver(Protocol):
    """Told about zone writes and samples (the proxy devices read zones from here), while it
    watches any zone: a frame costs it nothing otherwise."""

    watched_zones: frozenset[str]

    def zone_written(self, address: str, name: str, value: object) -> None: ...

    def sample_received(self) -> None: ...


class SampleWriter:
    """Diffs each sample against the last one written and writes the changes through the port.

    Usable on its own (replay tools, benchmarks): without a Retraining, zones are read from
    their own ids and never held.
    """

    def __init__(
        self,
        port: HostPort,
        *,
        clock: Callable[[], float],
        retraining: Retraining | None = None,
        observer: SampleObserver | None = None,
    ) -> None:
        self._port = port
        self._observer = observer
        self._clock = clock
        self._retraining = retraining
        self._diff = SampleDiff()
        self._payload: RealtimePayload | None = None
        self._received_at = 0.0

    def reset(self) -> None:
        """The next sample writes everything (a new connection, the REST fallback took over)."""
        self._diff.reset()

    def forget_zone(self, address: str) -> None:
        self._diff.forget_zone(address)

    def snapshot(self) -> Snapshot | None:
        """The newest sample, for get_realtime; None before the first."""
        if self._payload is None:
            return None
        return snapshot_of(self._payload, self._received_at)

    def active(self) -> tuple[RealtimeDevice, ...]:
        """The devices on in the newest sample."""
        return self._payload.devices if self._payload is not None else ()

    async def on_message(self, message: FeedMessage) -> None:
        """Apply a decoded feed message if it is a sample (others are not this step's)."""
        payload = message.payload
        if message.type == REALTIME_UPDATE and isinstance(payload, RealtimePayload):
            await self.apply(payload)

    async def apply(self, payload: RealtimePayload) -> None:
        """One sample: compute every change first (a poison value raises before any write)."""
        now = self._clock()
        port, diff, retraining = self._port, self._diff, self._retraining
        writes = diff.device_writes(payload, now)
        if retraining is None:
            aliases, hold = _NO_ALIASES, False
        else:
            aliases, hold = retraining.aliases, retraining.hold_offs(now)
        zone_writes = diff.zone_writes(payload, port.zone_addresses(), aliases, hold_offs=hold)
        self._payload, self._received_at = payload, now
        # The host is called here, guarded as HostPort's own writes are (closed: not written,
        # counted; raising: one log line per kind, never the feed).
        if port.closed:
            port.dropped += len(writes) + len(zone_writes)
        elif port.batch is not None:
            try:
                await port.batch.set_attributes(writes, zone_writes)
            except Exception as err:  # a host that cannot store a sample must not stop the feed
                port.host_failed("set_attributes", err)
                diff.reset()  # what it kept is unknown: the next sample writes everything
        else:
            await self._write_each(writes, zone_writes)
        observer = self._observer
        if observer is not None and (watched := observer.watched_zones):
            for address, name, value in zone_writes:
                if address in watched:
                    observer.zone_written(address, name, value)
            observer.sample_received()

    async def _write_each(
        self, writes: list[tuple[str, object]], zone_writes: list[tuple[str, str, object]]
    ) -> None:
        """A host without set_attributes: one call per value, the port re-checked before each
        (a disconnect may close it while the host is awaited)."""
        port = self._port
        host = port.host
        for name, value in writes:
            if port.closed:
                port.dropped += 1
                continue
            try:
                await host.set_device_attribute(name, value)
            except Exception as err:  # a host that cannot store one value must not stop the feed
                port.host_failed(name, err)
        for address, name, value in zone_writes:
            if port.closed:
                port.dropped += 1
                continue
            try:
                await host.set_zone_attribute(address, name, value)
            except Exception as err:
                port.host_failed(f"{address}/{name}", err)
