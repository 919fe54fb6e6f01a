"""The driver's commands: one table of actions, each with checked arguments and a JSON result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .const import SCALES
from .errors import SenseCommandError

if TYPE_CHECKING:
    from .driver import SenseEnergyDriver

__all__ = ["COMMANDS", "Arg", "Command", "parse_args"]


@dataclass(frozen=True, slots=True)
class Arg:
    """One declared argument: its name, type and whether it must be given."""

    name: str
    type: str  # "string" | "int" | "float"
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None


Handler = Callable[["SenseEnergyDriver", Mapping[str, Any]], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    handler: Handler
    args: tuple[Arg, ...] = ()


def _check(action: str, arg: Arg, value: object) -> object:
    where = f"{action}: argument '{arg.name}'"
    if arg.type == "float":  # proxy devices (issue 17): the command body checks the number
        return value
    if arg.type == "int":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise SenseCommandError(f"{where} must be an integer, got {value!r}")
        try:
            number = int(value)
        except ValueError:
            raise SenseCommandError(f"{where} must be an integer, got {value!r}") from None
        low, high = arg.minimum, arg.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            raise SenseCommandError(f"{where} must be between {low} and {high}, got {number}")
        return number
    if not isinstance(value, str) or not value.strip():
        raise SenseCommandError(f"{where} must be a non-empty string, got {value!r}")
    text = value.strip()
    if arg.choices:
        text = text.upper()
        if text not in arg.choices:
            raise SenseCommandError(
                f"{where} must be one of {', '.join(arg.choices)}, got {value!r}"
            )
    return text


def parse_args(command: Command, cmd: Mapping[str, object]) -> dict[str, object]:
    """The command's arguments, checked; unknown or missing ones get an error naming the valid."""
    known = {a.name for a in command.args}
    extra = sorted(k for k in cmd if k not in known and k not in ("action", "device"))
    if extra:
        valid = ", ".join(sorted(known)) or "none"
        raise SenseCommandError(
            f"{command.name}: unknown argument(s) {', '.join(extra)}; valid arguments: {valid}"
        )
    out: dict[str, object] = {}
    for arg in command.args:
        if arg.name in cmd and cmd[arg.name] is not None:
            out[arg.name] = _check(command.name, arg, cmd[arg.name])
        elif arg.required:
            raise SenseCommandError(f"{command.name}: argument '{arg.name}' is required")
    return out


def parse_start(value: object) -> datetime | None:
    """An ISO 8601 start (naive means UTC), or None for 'now'."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise SenseCommandError(
            f"argument 'start' must be an ISO 8601 date or time such as 2026-06-13T00:00:00, "
            f"got {value!r}"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _scale_args() -> tuple[Arg, ...]:
    return (Arg("scale", "string", required=True, choices=SCALES), Arg("start", "string"))


async def _get_monitors(d: SenseEnergyDriver, _: Mapping[str, Any]) -> object:
    return await d.cmd_get_monitors()


async def _get_devices(d: SenseEnergyDriver, _: Mapping[str, Any]) -> object:
    return await d.cmd_get_devices()


async def _get_realtime(d: SenseEnergyDriver, _: Mapping[str, Any]) -> object:
    return d.cmd_get_realtime()


async def _reconnect(d: SenseEnergyDriver, _: Mapping[str, Any]) -> object:
    return await d.cmd_reconnect()


async def _submit_mfa(d: SenseEnergyDriver, a: Mapping[str, Any]) -> object:
    return await d.cmd_submit_mfa(str(a["code"]))


async def _get_zone_mapping(d: SenseEnergyDriver, _: Mapping[str, Any]) -> object:
    return d.cmd_get_zone_mapping()


async def _get_usage(d: SenseEnergyDriver, a: Mapping[str, Any]) -> object:
    return await d.cmd_get_usage(str(a["scale"]), parse_start(a.get("start")))


async def _get_solar(d: SenseEnergyDriver, a: Mapping[str, Any]) -> object:
    return await d.cmd_get_solar(str(a["scale"]), parse_start(a.get("start")))


async def _get_monitor_status(d: SenseEnergyDriver, _: Mapping[str, Any]) -> object:
    return await d.cmd_get_monitor_status()


async def _get_always_on(d: SenseEnergyDriver, _: Mapping[str, Any]) -> object:
    return await d.cmd_get_always_on()


async def _get_timeline(d: SenseEnergyDriver, a: Mapping[str, Any]) -> object:
    n_items = a.get("n_items", 30)
    device_id = a.get("device_id")
    return await d.cmd_get_timeline(int(n_items), None if device_id is None else str(device_id))


# --- proxy devices (issue 17): the bodies live in proxy/service.py ---
async def _set_proxy_power(d: SenseEnergyDriver, a: Mapping[str, Any]) -> object:
    return d.proxies.set_power(a["name"], a["watts"])


async def _get_proxy_devices(d: SenseEnergyDriver, _: Mapping[str, Any]) -> object:
    return d.proxies.describe()


COMMANDS: Mapping[str, Command] = {
    c.name: c
    for c in (
        Command("get_monitors", _get_monitors),
        Command("get_devices", _get_devices),
        Command("get_realtime", _get_realtime),
        Command("reconnect", _reconnect),
        Command("submit_mfa", _submit_mfa, (Arg("code", "string", required=True),)),
        Command("get_zone_mapping", _get_zone_mapping),
        Command("get_usage", _get_usage, _scale_args()),
        Command("get_solar", _get_solar, _scale_args()),
        Command("get_monitor_status", _get_monitor_status),
        Command("get_always_on", _get_always_on),
        Command(
            "get_timeline",
            _get_timeline,
            (Arg("n_items", "int", minimum=1, maximum=100), Arg("device_id", "string")),
        ),
        Command(
            "set_proxy_power",
            _set_proxy_power,
            (Arg("name", "string", required=True), Arg("watts", "float", required=True)),
        ),
        Command("get_proxy_devices", _get_proxy_devices),
    )
}
