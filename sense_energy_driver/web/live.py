"""The live side of the dashboard: host writes in, one encoded frame out to every open page.

The host calls `subscribe` callbacks synchronously for each value the driver writes; the writes
of one sample arrive in one event-loop turn, so they are gathered and sent as one frame on the
next turn. Each frame is encoded once and queued to every client; a client too slow to keep up
is sent the whole state again instead of a backlog.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from ..const import REALTIME_POLL_DEFAULT_S
from ..manifest import load_manifest
from ..standalone.store import DEVICE, ZONE
from .data import read_current, read_series

if TYPE_CHECKING:
    from ..standalone import Change, StandaloneHost

__all__ = ["CHART_NAMES", "LiveClient", "LiveFeed", "sse_message"]

_LOGGER = logging.getLogger(__name__)

WINDOW_S = 900.0  # the live chart's 15 minutes
CHART_NAMES = ("power", "solar_power", "grid_power")
SAMPLE_NAMES = frozenset({*CHART_NAMES, "voltage", "frequency", "active_devices", "last_sample"})
QUEUE_FRAMES = 64
KEEPALIVE_S = 15.0


def sse_message(event: str, data: object) -> bytes:
    """One server-sent event; JSON never contains a raw newline, so one data line suffices."""
    body = json.dumps(data, separators=(",", ":"), default=str)
    return f"event: {event}\ndata: {body}\n\n".encode()


class LiveClient:
    """One open page: a bounded queue of encoded messages; None ends the stream."""

    def __init__(self, size: int = QUEUE_FRAMES) -> None:
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue(size)

    @property
    def pending(self) -> int:
        """Messages queued and not sent yet."""
        return self._queue.qsize()

    def offer(self, message: bytes) -> bool:
        """Queue a message; False when the queue is full (the caller resyncs the client)."""
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            return False
        return True

    def reset(self, message: bytes | None) -> None:
        """Drop the backlog and queue `message` (the whole state, or None to end the stream)."""
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(message)

    async def messages(self, keepalive: float = KEEPALIVE_S) -> AsyncIterator[bytes]:
        """Messages until the feed stops, with a comment line when nothing was sent a while."""
        while True:
            try:
                async with asyncio.timeout(keepalive):
                    message = await self._queue.get()
            except TimeoutError:
                yield b": keepalive\n\n"
                continue
            if message is None:
                return
            yield message


class LiveFeed:
    """Current values, the last 15 minutes of power, and the open pages they are sent to."""

    def __init__(
        self,
        host: StandaloneHost,
        *,
        stale_after: float = 10.0,
        clock: Callable[[], float] = time.time,
        window: float = WINDOW_S,
    ) -> None:
        manifest = load_manifest()
        self._host = host
        self._clock = clock
        self._window = window
        self.stale_after = stale_after
        # Only documented runtime attributes leave the process: never configuration.
        self.device_names = tuple(a.name for a in manifest.device_attributes)
        self.zone_names = tuple(a.name for a in manifest.zone_attributes)
        self._device_names = frozenset(self.device_names)
        self._zone_names = frozenset(self.zone_names)
        self._points: deque[tuple[float, object, object, object]] = deque()
        self._sample_at: float | None = None
        self._zone_state: dict[str, object] = {}
        self._zone_since: dict[str, float] = {}
        self._device_delta: dict[str, object] = {}
        self._zone_delta: dict[str, dict[str, object]] = {}
        self._sample_seen = False
        self._flush_scheduled = False
        self._clients: set[LiveClient] = set()
        self._unsubscribe: Callable[[], None] | None = None
        self.frames = 0

    @property
    def clients(self) -> int:
        return len(self._clients)

    @property
    def sample_at(self) -> float | None:
        """When the host received the newest sample (its clock), or None before any."""
        return self._sample_at

    # --- lifetime -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Seed from the store (zone change times, the last 15 minutes), then follow the host."""
        now = self._clock()
        for row in await read_current(self._host.store_path):
            if row.scope == ZONE and row.name == "state":
                self._zone_state[row.address] = row.value
                self._zone_since[row.address] = row.ts
            elif row.scope == DEVICE and row.name == "last_sample":
                self._sample_at = row.ts
        await self._seed_points(now - self._window)
        self._unsubscribe = self._host.subscribe(self._on_change)

    async def _seed_points(self, since: float) -> None:
        merged: list[tuple[float, int, object]] = []
        for index, name in enumerate(CHART_NAMES):
            series = await read_series(
                self._host.store_path,
                name=name,
                scope=DEVICE,
                address="",
                since=since,
                until=None,
                cap=20_000,
            )
            merged.extend((ts, index, value) for ts, value in series.points)
        current: list[object] = [None, None, None]
        for ts, index, value in sorted(merged, key=lambda item: (item[0], item[1])):
            current[index] = value
            self._points.append((ts, current[0], current[1], current[2]))

    def stop(self) -> None:
        """Stop following the host and end every open stream."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for client in list(self._clients):
            client.reset(None)
        self._clients.clear()

    # --- clients --------------------------------------------------------------------------------

    def connect(self) -> LiveClient:
        """A new page: its first message is the whole state."""
        client = LiveClient()
        client.offer(sse_message("state", self.state()))
        self._clients.add(client)
        return client

    def disconnect(self, client: LiveClient) -> None:
        self._clients.discard(client)

    def announce(self, event: str, data: object) -> None:
        """Send one event (e.g. new daily totals) to every open page."""
        self._broadcast(sse_message(event, data))

    def _broadcast(self, message: bytes) -> None:
        state: bytes | None = None
        for client in list(self._clients):
            if not client.offer(message):
                state = state or sse_message("state", self.state())
                client.reset(state)

    # --- the current state ----------------------------------------------------------------------

    def device_values(self) -> dict[str, object]:
        """The device's runtime values (documented names only)."""
        values = self._host.current_device_values()
        return {k: v for k, v in values.items() if k in self._device_names}

    def zones(self) -> list[dict[str, object]]:
        """Every bound zone: address, label, state, power, and when its state last changed."""
        values = self._host.current_zone_values()
        out: list[dict[str, object]] = []
        for address, label in self._host.zone_labels().items():
            zone = values.get(address, {})
            out.append(
                {
                    "address": address,
                    "label": label,
                    "state": zone.get("state"),
                    "power": zone.get("power"),
                    "since": self._zone_since.get(address),
                }
            )
        return out

    def polling_stale_after(self) -> float:
        """While the driver polls REST, samples come every realtime_poll_interval seconds."""
        interval_ms = self._host.get_attribute("realtime_poll_interval")
        seconds = (
            interval_ms / 1000 if isinstance(interval_ms, int | float) else REALTIME_POLL_DEFAULT_S
        )
        return max(self.stale_after, 2.5 * float(seconds))

    def health(self) -> dict[str, object]:
        """Feed status, the newest sample's age (stale past the bound), the last error."""
        device = self._host.current_device_values()
        status = device.get("feed_status")
        polling_bound = self.polling_stale_after()
        bound = polling_bound if status == "polling" else self.stale_after
        now = self._clock()
        age = None if self._sample_at is None else max(0.0, now - self._sample_at)
        return {
            "feed_status": status,
            "last_error": device.get("last_error") or "",
            "last_sample": device.get("last_sample"),
            "sample_at": self._sample_at,
            "sample_age_s": None if age is None else round(age, 3),
            "stale": age is None or age > bound,
            "stale_after_s": self.stale_after,
            "polling_stale_after_s": polling_bound,
        }

    def recent(self) -> dict[str, list[object]]:
        """The last 15 minutes as columns: t, power, solar_power, grid_power."""
        self._trim(self._clock())
        columns: dict[str, list[object]] = {"t": [], **{name: [] for name in CHART_NAMES}}
        for ts, *values in self._points:
            columns["t"].append(round(ts, 3))
            for name, value in zip(CHART_NAMES, values, strict=True):
                columns[name].append(value)
        return columns

    def state(self) -> dict[str, object]:
        """Everything a page shows, at once."""
        return {
            "now": self._clock(),
            "name": self._host.name,
            "device": self.device_values(),
            "zones": self.zones(),
            "health": self.health(),
            "recent": self.recent(),
            "window_s": self._window,
        }

    # --- following the host ---------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        if change.scope == DEVICE:
            if change.name not in self._device_names:
                return
            self._device_delta[change.name] = change.value
            if change.name in SAMPLE_NAMES:
                self._sample_seen = True
                if change.name == "last_sample":
                    self._sample_at = change.ts
        else:
            if change.name not in self._zone_names:
                return
            self._zone_delta.setdefault(change.address, {})[change.name] = change.value
            if change.name == "state" and self._zone_state.get(change.address) != change.value:
                self._zone_state[change.address] = change.value
                self._zone_since[change.address] = change.ts
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        now = self._clock()
        frame: dict[str, object] = {"now": now}
        if self._device_delta:
            frame["device"], self._device_delta = self._device_delta, {}
        if self._zone_delta:
            zones, self._zone_delta = self._zone_delta, {}
            frame["zones"] = {
                address: {**values, "since": self._zone_since.get(address)}
                for address, values in zones.items()
            }
        if self._sample_seen:
            self._sample_seen = False
            frame["sample_at"] = self._sample_at
            device = self._host.current_device_values()
            power, solar, grid = (device.get(name) for name in CHART_NAMES)
            self._points.append((now, power, solar, grid))
            frame["point"] = [round(now, 3), power, solar, grid]
            self._trim(now)
        self.frames += 1
        if self._clients:
            self._broadcast(sse_message("frame", frame))

    def _trim(self, now: float) -> None:
        horizon = now - self._window
        while self._points and self._points[0][0] < horizon:
            self._points.popleft()
