"""Command bodies: what each command asks Sense and the JSON shape of its answer."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from .errors import SenseCommandError, SenseConnectionError, SenseError
from .realtime import FeedStatus
from .samples import snapshot_of

if TYPE_CHECKING:
    from .api import SenseApi
    from .config import DriverConfig
    from .driver import Timing
    from .energy import EnergyHistory
    from .history import HistorySource
    from .models import MonitorInfo, MonitorStatus, MonitorSummary, RealtimePayload
    from .poller import DevicePoller
    from .realtime import RealtimeFeed
    from .session import SenseSession

__all__ = ["CommandBodies"]

T = TypeVar("T")

_SIGNAL = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*([A-Za-z%]+)?\s*$")


class CommandBodies:
    """Mixed into SenseEnergyDriver; kept apart so the lifecycle module stays about lifecycle."""

    _api: SenseApi | None
    _session: SenseSession | None
    _cfg: DriverConfig | None
    _monitor: MonitorSummary | None
    _poller: DevicePoller | None
    _feed: RealtimeFeed | None
    _energy: EnergyHistory
    _history: HistorySource
    _history_failing: bool
    _payload: RealtimePayload | None
    _received_at: float
    _aliases: dict[str, str]
    _written: dict[str, object]

    _clock: Callable[[], float]
    _timing: Timing

    # Provided by SenseEnergyDriver; declared here so the bodies type-check on their own.
    def _require_session(self) -> SenseSession:
        raise NotImplementedError

    async def _start_session(self, *, fresh: bool = False) -> None:
        raise NotImplementedError

    async def _stop_components(self) -> None:
        raise NotImplementedError

    def log(self, level: int, message: str) -> None:
        raise NotImplementedError

    def _zone_addresses(self) -> list[str]:
        raise NotImplementedError

    def _not_logged_in(self) -> SenseCommandError:
        """Why a command cannot reach Sense yet: the refused login if there was one."""
        session = self._session
        failure = session.auth_failure if session is not None else None
        if failure is not None:
            return SenseCommandError(
                f"not logged in to Sense: {failure}; fix username/password and reconnect"
            )
        return SenseCommandError("not logged in to Sense yet; see the device log")

    async def _rest(self, op: Callable[[SenseApi, str, str], Awaitable[T]], name: str) -> T:
        """Run one REST call for the selected monitor through the session (renew, retry)."""
        session, api, monitor = self._require_session(), self._api, self._monitor
        if api is None or monitor is None:
            raise self._not_logged_in()
        monitor_id = monitor.monitor_id
        return await session.call(lambda token: op(api, token, monitor_id), name=name)

    async def cmd_get_monitors(self) -> list[dict[str, object]]:
        session = self._require_session()
        if not session.monitors:
            await session.login()
        # A renewed session lists no monitors (Sense's /renew has none): show the one followed.
        monitors = session.monitors or ((self._monitor,) if self._monitor is not None else ())
        return [
            {
                "id": m.monitor_id,
                "serial_number": m.serial_number,
                "time_zone": m.time_zone,
                "solar_configured": m.solar_configured,
            }
            for m in monitors
        ]

    async def cmd_get_devices(self) -> list[dict[str, object]]:
        poller = self._poller
        if poller is None:
            raise self._not_logged_in()
        if not poller.catalog.loaded:
            await poller.poll_once()
        try:
            averages: dict[str, float] | None = await self._energy.avg_monthly_kwh()
        except SenseError as err:
            level = logging.DEBUG if self._history_failing else logging.WARNING
            self._history_failing = True
            self.log(level, f"get_devices: no history for avg_monthly_kwh: {err}")
            averages = None
        else:
            self._history_failing = False
        active = {d.id: d.w for d in self._payload.devices} if self._payload else None
        out: list[dict[str, object]] = []
        for device in poller.catalog.devices.values():
            if active is not None:
                watts = active.get(device.id)
                is_on, power = watts is not None, round(watts or 0.0)
            else:
                is_on, power = device.is_on, round(device.power_w or 0.0)
            out.append(
                {
                    "id": device.id,
                    "name": device.name,
                    "icon": device.icon,
                    "is_on": is_on,
                    "power": power,
                    "avg_monthly_kwh": None if averages is None else averages.get(device.id),
                }
            )
        return out

    def cmd_get_realtime(self) -> dict[str, object] | None:
        if self._payload is None:
            return None
        snap = snapshot_of(self._payload, self._received_at)
        status = str(self._written.get("feed_status", FeedStatus.STOPPED.value))
        age = max(0.0, self._clock() - snap.received_at)
        live = status in (FeedStatus.CONNECTED.value, FeedStatus.POLLING.value)
        return {
            "power": snap.power,
            "solar_power": snap.solar_power,
            "voltage": snap.voltage,
            "frequency": snap.frequency,
            "active_devices": snap.active_devices,
            "epoch": snap.epoch,
            "age_s": round(age, 3),
            "feed_status": status,
            "stale": not live or age > self._timing.inactivity_timeout,
        }

    async def cmd_reconnect(self) -> dict[str, object]:
        try:
            async with asyncio.timeout(self._timing.reconnect_timeout):
                await self._stop_components()
                await self._start_session(fresh=True)
                feed = self._feed
                assert feed is not None
                await feed.wait_open(self._timing.reconnect_timeout)
        except TimeoutError as err:
            raise SenseConnectionError(
                f"reconnect: Sense did not answer within {self._timing.reconnect_timeout:g} s; "
                "the driver keeps retrying in the background"
            ) from err
        assert self._monitor is not None
        return {"reconnected": True, "monitor_id": self._monitor.monitor_id}

    async def cmd_submit_mfa(self, code: str) -> dict[str, object]:
        await self._require_session().submit_mfa(code)
        await self._stop_components()
        await self._start_session()
        assert self._monitor is not None
        return {"authenticated": True, "monitor_id": self._monitor.monitor_id}

    def cmd_get_zone_mapping(self) -> list[dict[str, object]]:
        if self._poller is None:
            return []
        retrained = self._poller.catalog.retrained
        out: list[dict[str, object]] = []
        for address in self._zone_addresses():
            if address not in retrained:
                continue
            change = retrained[address]
            out.append(
                {
                    "zone_address": address,
                    "device_name": change.name,
                    "current_id": address,
                    "suggested_id": self._aliases.get(address, change.new_id),
                    "following": address in self._aliases,
                }
            )
        return out

    async def cmd_get_usage(self, scale: str, start: datetime | None) -> dict[str, object]:
        when = start or datetime.fromtimestamp(self._clock(), UTC)
        monitor_id = self._monitor_id()
        usage = await self._history.period(monitor_id, scale, when, solar=False)
        return {
            "scale": scale,
            "start": usage.start or when.isoformat(),
            "usage_kwh": usage.usage_kwh,
            "devices": [
                {"id": d.id, "name": d.name, "icon": d.icon, "kwh": d.kwh} for d in usage.devices
            ],
        }

    def _monitor_id(self) -> str:
        self._require_session()
        if self._monitor is None:
            raise self._not_logged_in()
        return self._monitor.monitor_id

    async def cmd_get_solar(self, scale: str, start: datetime | None) -> dict[str, object]:
        monitor = self._monitor
        if monitor is not None and not monitor.solar_configured:
            raise SenseCommandError(
                f"get_solar: monitor {monitor.monitor_id} has no solar configured"
            )
        when = start or datetime.fromtimestamp(self._clock(), UTC)
        monitor_id = self._monitor_id()
        total = await self._history.period(monitor_id, scale, when, solar=True)
        return {
            "scale": scale,
            "start": when.isoformat(),
            "production_kwh": total.production_kwh or 0.0,
            "from_grid_kwh": total.from_grid_kwh or 0.0,
            "to_grid_kwh": total.to_grid_kwh or 0.0,
            "net_kwh": total.net_kwh or 0.0,
            "solar_pct": total.solar_pct or 0.0,
        }

    async def cmd_get_monitor_status(self) -> dict[str, object]:
        status = await self._rest(lambda a, t, m: a.get_monitor_status(t, m), "status")
        info = status.monitor_info
        strength, unit = _wifi_signal(info)
        return {
            "firmware": info.version,
            "wifi_strength": strength,
            "wifi_unit": unit,
            "devices_found": _devices_found(status),
            "detection_running": _detection_running(status),
        }

    async def cmd_get_always_on(self) -> dict[str, object]:
        data = await self._rest(lambda a, t, m: a.get_always_on(t, m), "always_on")
        return {
            "always_on_w": data.always_on,
            "components": [{"name": c.name, "watts": c.watts} for c in data.components],
        }

    async def cmd_get_timeline(self, n_items: int, device_id: str | None) -> dict[str, object]:
        session = self._require_session()
        api = self._api
        if api is None or session.user_id is None:
            raise self._not_logged_in()
        user_id = session.user_id
        timeline = await session.call(
            lambda t: api.get_timeline(t, user_id, n_items=n_items, device_id=device_id),
            name="timeline",
        )
        return {
            "items": [
                {
                    "type": i.type,
                    "time": i.time,
                    "device_id": i.device_id,
                    "device_name": i.device_name,
                }
                for i in timeline.items
            ],
            "total_items": timeline.total_items,
        }


def _wifi_signal(info: MonitorInfo) -> tuple[float | None, str | None]:
    """Signal strength as Sense gives it: `signal: "-44 dBm"` (older bodies) carries its unit;
    the newer `wifi_strength` (a positive number such as 86) has none, so none is claimed."""
    match = _SIGNAL.match(info.signal)
    if match is not None:
        value = float(match[1])
        return (int(value) if value.is_integer() else value), (match[2] or None)
    strength = info.wifi_strength
    if strength is None:
        return None, None
    return (int(strength) if float(strength).is_integer() else strength), None


def _devices_found(status: MonitorStatus) -> int | None:
    detection = status.device_detection
    if detection is not None and detection.num_detected is not None:
        return detection.num_detected
    return status.monitor_info.ndevices_found


def _detection_running(status: MonitorStatus) -> bool | None:
    detection = status.device_detection
    if detection is not None and status.monitor_info.detection_running is None:
        return bool(detection.in_progress)
    return status.monitor_info.detection_running
