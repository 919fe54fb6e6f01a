"""The command bodies: what each command asks Sense and the JSON shape of its answer.

Each body is declared once, with its arguments, and sees the driver only through the narrow
`CommandContext`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from .commands import Arg, CommandTable, local_zone, parse_start
from .const import SCALES
from .errors import SenseCommandError
from .history import Period
from .monitor import MonitorSession
from .parts import Parts
from .proxy import ProxyService
from .realtime import FeedStatus
from .restmodels import MonitorInfo, MonitorStatus

__all__ = ["COMMANDS", "CommandContext", "realtime_answer"]


class CommandContext(Protocol):
    """What a command body may use of the driver."""

    def session(self) -> MonitorSession:
        """The session; SenseCommandError when the driver is not connected."""
        ...

    def parts(self) -> Parts:
        """The running parts; SenseCommandError (saying why) before the login succeeded."""
        ...

    def clock(self) -> float: ...

    @property
    def feed_status(self) -> FeedStatus: ...

    @property
    def stale_after(self) -> float: ...

    @property
    def proxies(self) -> ProxyService: ...

    def log(self, level: int, message: str) -> None: ...

    async def reconnect(self) -> dict[str, object]: ...

    async def submit_mfa(self, code: str) -> dict[str, object]: ...


COMMANDS: CommandTable[CommandContext] = CommandTable()
Args = Mapping[str, Any]
_PERIOD = (Arg("scale", "string", required=True, choices=SCALES), Arg("start", "string"))
_SIGNAL = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*([A-Za-z%]+)?\s*$")


@COMMANDS.command("get_monitors")
async def get_monitors(ctx: CommandContext, _: Args) -> object:
    monitor = ctx.session()
    session = monitor.session
    if not session.monitors and monitor.monitor is None:
        await session.login()  # shares the login under way, if there is one
    # A renewed session lists no monitors (Sense's /renew has none): show the one followed.
    found = session.monitors or ((monitor.monitor,) if monitor.monitor is not None else ())
    return [
        {
            "id": m.monitor_id,
            "serial_number": m.serial_number,
            "time_zone": m.time_zone,
            "solar_configured": m.solar_configured,
        }
        for m in found
    ]


@COMMANDS.command("get_devices")
async def get_devices(ctx: CommandContext, _: Args) -> object:
    parts = ctx.parts()
    devices = parts.devices
    if not devices.catalog.loaded:
        await devices.poll_once()
    averages = await parts.energy.avg_monthly_or_none()
    snapshot = parts.realtime.writer.snapshot()
    active = {d.id: d.w for d in parts.realtime.writer.active()} if snapshot is not None else None
    out: list[dict[str, object]] = []
    for device in devices.catalog.devices.values():
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


def realtime_answer(ctx: CommandContext) -> dict[str, object] | None:
    """The get_realtime answer: the newest sample with the feed status; None before one."""
    try:
        snap = ctx.parts().realtime.writer.snapshot()
    except SenseCommandError:
        return None
    if snap is None:
        return None
    status = ctx.feed_status
    age = max(0.0, ctx.clock() - snap.received_at)
    live = status in (FeedStatus.CONNECTED, FeedStatus.POLLING)
    return {
        "power": snap.power,
        "solar_power": snap.solar_power,
        "voltage": snap.voltage,
        "frequency": snap.frequency,
        "active_devices": snap.active_devices,
        "epoch": snap.epoch,
        "age_s": round(age, 3),
        "feed_status": status.value,
        "stale": not live or age > ctx.stale_after,
    }


@COMMANDS.command("get_realtime")
async def get_realtime(ctx: CommandContext, _: Args) -> object:
    return realtime_answer(ctx)


@COMMANDS.command("reconnect")
async def reconnect(ctx: CommandContext, _: Args) -> object:
    return await ctx.reconnect()


@COMMANDS.command("submit_mfa", Arg("code", "string", required=True, max_length=16))
async def submit_mfa(ctx: CommandContext, args: Args) -> object:
    return await ctx.submit_mfa(str(args["code"]))


@COMMANDS.command("get_zone_mapping")
async def get_zone_mapping(ctx: CommandContext, _: Args) -> object:
    try:
        return ctx.parts().retraining.zone_mapping()
    except SenseCommandError:
        return []


async def _period(
    ctx: CommandContext, args: Args, *, solar: bool
) -> tuple[dict[str, object], Period]:
    """The period asked for and its energy: the start without an offset is in the monitor's
    time zone (absent: now); both the requested start and Sense's period start are echoed."""
    parts = ctx.parts()
    monitor = parts.monitor.monitor
    if solar and monitor is not None and not monitor.solar_configured:
        raise SenseCommandError(f"get_solar: monitor {monitor.monitor_id} has no solar configured")
    zone = local_zone(monitor.time_zone if monitor is not None else "")
    start = parse_start(args.get("start"), zone) or datetime.fromtimestamp(ctx.clock(), zone)
    monitor_id = parts.monitor.monitor_id()
    period = await parts.monitor.history.period(monitor_id, str(args["scale"]), start, solar=solar)
    echo = {
        "scale": args["scale"],
        "start": start.isoformat(),
        "period_start": period.start or None,
    }
    return echo, period


@COMMANDS.command("get_usage", *_PERIOD)
async def get_usage(ctx: CommandContext, args: Args) -> object:
    echo, usage = await _period(ctx, args, solar=False)
    return echo | {
        "usage_kwh": usage.usage_kwh,
        "devices": [
            {"id": d.id, "name": d.name, "icon": d.icon, "kwh": d.kwh} for d in usage.devices
        ],
    }


@COMMANDS.command("get_solar", *_PERIOD)
async def get_solar(ctx: CommandContext, args: Args) -> object:
    echo, total = await _period(ctx, args, solar=True)
    # A figure Sense's answer does not carry (some carry no grid flows) is null, not 0.0.
    return echo | {
        "production_kwh": total.production_kwh,
        "from_grid_kwh": total.from_grid_kwh,
        "to_grid_kwh": total.to_grid_kwh,
        "net_kwh": total.net_kwh,
        "solar_pct": total.solar_pct,
    }


@COMMANDS.command("get_monitor_status")
async def get_monitor_status(ctx: CommandContext, _: Args) -> object:
    monitor = ctx.parts().monitor
    status = await monitor.call(lambda a, t, m: a.get_monitor_status(t, m), "status")
    strength, unit = _wifi_signal(status.monitor_info)
    return {
        "firmware": status.monitor_info.version,
        "wifi_strength": strength,
        "wifi_unit": unit,
        "devices_found": _devices_found(status),
        "detection_running": _detection_running(status),
    }


@COMMANDS.command("get_always_on")
async def get_always_on(ctx: CommandContext, _: Args) -> object:
    data = await ctx.parts().monitor.call(lambda a, t, m: a.get_always_on(t, m), "always_on")
    return {
        "always_on_w": data.always_on,
        "components": [{"name": c.name, "watts": c.watts} for c in data.components],
    }


@COMMANDS.command(
    "get_timeline",
    Arg("n_items", "int", minimum=1, maximum=100),
    Arg("device_id", "id"),
)
async def get_timeline(ctx: CommandContext, args: Args) -> object:
    monitor = ctx.parts().monitor
    session, api = monitor.session, monitor.api
    user_id = session.user_id
    if user_id is None:
        raise monitor.not_logged_in()
    n_items = int(args.get("n_items", 30))
    device_id = args.get("device_id")
    timeline = await session.call(
        lambda t: api.get_timeline(t, user_id, n_items=n_items, device_id=device_id),
        name="timeline",
    )
    return {
        "items": [
            {"type": i.type, "time": i.time, "device_id": i.device_id, "device_name": i.device_name}
            for i in timeline.items
        ],
        "total_items": timeline.total_items,
    }


@COMMANDS.command(
    "set_proxy_power",
    Arg("name", "string", required=True),
    Arg("watts", "float", required=True),
)
async def set_proxy_power(ctx: CommandContext, args: Args) -> object:
    return ctx.proxies.set_power(args["name"], args["watts"])


@COMMANDS.command("get_proxy_devices")
async def get_proxy_devices(ctx: CommandContext, _: Args) -> object:
    return ctx.proxies.describe()


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
