"""The user timeline: on/off events, live since the start and synthesised for the day before."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from .meter import Event
from .profiles import DAY
from .state import Monitor

__all__ = ["Timeline"]


def _iso_ms(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Timeline:
    """Builds /users/{id}/timeline bodies from the monitors' events."""

    def __init__(self) -> None:
        self._past: dict[str, list[Event]] = {}

    def _synthesised(self, mon: Monitor) -> list[Event]:
        """On/off events from the profiles over the day before the simulator started."""
        cached = self._past.get(mon.id)
        if cached is not None:
            return cached
        lo, hi = mon.start_ts - DAY + mon.offset, mon.start_ts + mon.offset
        events = []
        for dev in mon.devices.values():
            if dev.created_ts >= mon.start_ts:
                continue
            for day in (int(lo // DAY) - 1, int(lo // DAY), int(hi // DAY)):
                for a, b in dev.profile.on_spans(day):
                    if lo <= a < hi:
                        events.append(Event(a - mon.offset, "DeviceWentOn", dev.id))
                    if lo <= b < hi:
                        events.append(Event(b - mon.offset, "DeviceWentOff", dev.id))
        self._past[mon.id] = events
        return events

    def events(
        self, monitors: Sequence[Monitor], device_id: str | None, prior_to: float | None
    ) -> list[tuple[Event, Monitor]]:
        """Every event matching the filters, newest first."""
        items = []
        for mon in monitors:
            for event in (*self._synthesised(mon), *mon.meter.events):
                if device_id is not None and event.device_id != device_id:
                    continue
                if prior_to is not None and event.ts >= prior_to:
                    continue
                items.append((event, mon))
        items.sort(key=lambda item: item[0].ts, reverse=True)
        return items

    def body(
        self,
        monitors: Sequence[Monitor],
        n_items: int,
        device_id: str | None,
        prior_to: float | None,
    ) -> dict[str, Any]:
        """The newest `n_items` events matching the filters, newest first (OpenAPI shape)."""
        items = self.events(monitors, device_id, prior_to)
        out = []
        for event, mon in items[:n_items]:
            dev = mon.devices[event.device_id]
            out.append(
                {
                    "type": event.type,
                    "time": _iso_ms(event.ts),
                    "device_id": dev.id,
                    "device_name": dev.name,
                    "user_device_type": dev.user_type,
                    "icon": dev.icon,
                    "monitor_id": mon.id,
                    "body": f"{dev.name} turned {'on' if event.type == 'DeviceWentOn' else 'off'}",
                }
            )
        return {"items": out, "total_items": len(items)}
