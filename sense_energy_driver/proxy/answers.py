"""What the emulated plugs say: HS110 answers for Sense's poll, an HS300 strip for Kasa clients.

Sense's monitor broadcasts one request asking for `system.get_sysinfo` and `emeter.get_realtime`
together and takes every answer as a plug of its own, keyed by `deviceId` and MAC, whatever
address it came from: so each proxy answers that poll with its own datagram, as an HS110.
Kasa clients (python-kasa, the app, Home Assistant) key devices by IP address instead, so to them
one address can only be one device: the proxies are the outlets of an HS300-style strip, and a
query names an outlet with `context.child_ids`, as for a real strip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from .devices import ProxyDevice, proxy_identity
from .readings import ReadingView

__all__ = [
    "NOMINAL_VOLTAGE",
    "STRIP_ALIAS",
    "Plug",
    "is_echo",
    "is_sense_poll",
    "plug_answer",
    "strip_answer",
]

# Proxies have no voltmeter; current is derived from this nominal (North American) voltage.
NOMINAL_VOLTAGE: Final = 120.0
STRIP_ALIAS: Final = "Sense proxy devices"
_OEM_ID: Final = "A2D9B1E0C5F4473D8E6B1C0A9F3E2D71"
_HW_ID: Final = "4C3B2A1908F7E6D5C4B3A29180F7E6D5"
_FW_ID: Final = "00000000000000000000000000000000"
_NOT_SUPPORTED: Final = {"err_code": -1, "err_msg": "module not support"}
_MEMBER_NOT_SUPPORTED: Final = {"err_code": -2, "err_msg": "member not support"}


@dataclass(frozen=True, slots=True)
class Plug:
    """One proxy as the answers need it: who it is and what it reads now."""

    device: ProxyDevice
    reading: ReadingView


def is_sense_poll(request: dict[str, Any]) -> bool:
    """Sense's broadcast: sysinfo and realtime asked together, with empty arguments."""
    system, emeter = request.get("system"), request.get("emeter")
    return (
        isinstance(system, dict)
        and system.get("get_sysinfo") == {}
        and isinstance(emeter, dict)
        and emeter.get("get_realtime") == {}
        and "context" not in request
    )


def is_echo(request: dict[str, Any]) -> bool:
    """An answer, not a question (our own datagram looped back): sysinfo or realtime filled."""
    for module, command in (("system", "get_sysinfo"), ("emeter", "get_realtime")):
        body = request.get(module)
        if isinstance(body, dict) and body.get(command):
            return True
    return False


def realtime(reading: ReadingView) -> dict[str, Any]:
    """`emeter.get_realtime` in both key styles: W/V/A/kWh (HW 1.x) and mW/mV/mA/Wh (HW 2.x)."""
    watts = reading.watts
    amps = watts / NOMINAL_VOLTAGE
    return {
        "power": round(watts, 3),
        "voltage": NOMINAL_VOLTAGE,
        "current": round(amps, 4),
        "total": round(reading.energy_wh / 1000.0, 4),
        "power_mw": round(watts * 1000),
        "voltage_mv": round(NOMINAL_VOLTAGE * 1000),
        "current_ma": round(amps * 1000),
        "total_wh": round(reading.energy_wh),
        "err_code": 0,
    }


def plug_answer(plug: Plug, on_time: int) -> dict[str, Any]:
    """One proxy as an HS110 plug: its sysinfo and its realtime reading in one answer."""
    device, on = plug.device, plug.reading.watts > 0
    sysinfo = {
        "sw_ver": "1.2.6 Build 200727 Rel.121701",
        "hw_ver": "1.0",
        "type": "IOT.SMARTPLUGSWITCH",
        "model": "HS110(US)",
        "mac": device.mac,
        "deviceId": device.device_id,
        "hwId": _HW_ID,
        "fwId": _FW_ID,
        "oemId": _OEM_ID,
        "alias": device.name,
        "dev_name": "Wi-Fi Smart Plug With Energy Monitoring",
        "icon_hash": "",
        "relay_state": int(on),
        "on_time": on_time if on else 0,
        "active_mode": "none",
        "feature": "TIM:ENE",
        "updating": 0,
        "rssi": -50,
        "led_off": 0,
        "latitude": 0,
        "longitude": 0,
        "err_code": 0,
    }
    return {"system": {"get_sysinfo": sysinfo}, "emeter": {"get_realtime": realtime(plug.reading)}}


def _strip_sysinfo(plugs: Sequence[Plug], on_time: int) -> dict[str, Any]:
    device_id, mac = proxy_identity(STRIP_ALIAS)
    children = [
        {
            "id": p.device.device_id,
            "state": int(p.reading.watts > 0),
            "alias": p.device.name,
            "on_time": on_time if p.reading.watts > 0 else 0,
            "next_action": {"type": -1},
        }
        for p in plugs
    ]
    return {
        "sw_ver": "1.0.12 Build 220121 Rel.175814",
        "hw_ver": "2.0",
        "model": "HS300(US)",
        "deviceId": device_id,
        "oemId": _OEM_ID,
        "hwId": _HW_ID,
        "rssi": -50,
        "latitude_i": 0,
        "longitude_i": 0,
        "alias": STRIP_ALIAS,
        "status": "new",
        "mic_type": "IOT.SMARTPLUGSWITCH",
        "feature": "TIM:ENE",
        "mac": mac,
        "updating": 0,
        "led_off": 0,
        "child_num": len(children),
        "children": children,
        "err_code": 0,
    }


def _emeter(command: str, outlets: Sequence[Plug]) -> dict[str, Any]:
    if command == "get_realtime":
        if len(outlets) == 1:
            return realtime(outlets[0].reading)
        total = sum(p.reading.watts for p in outlets)  # the strip as a whole
        energy = sum(p.reading.energy_wh for p in outlets)
        return realtime(ReadingView(total, total, None, False, energy))
    if command == "get_daystat":
        return {"day_list": [], "err_code": 0}  # no history is kept: Sense keeps it
    if command == "get_monthstat":
        return {"month_list": [], "err_code": 0}
    return dict(_MEMBER_NOT_SUPPORTED)


def strip_answer(request: dict[str, Any], plugs: Sequence[Plug], on_time: int) -> dict[str, Any]:
    """The answer of the strip to any other query, module by module."""
    context = request.get("context")
    wanted = context.get("child_ids") if isinstance(context, dict) else None
    outlets: Sequence[Plug] = plugs
    if isinstance(wanted, list):
        ids = {str(i) for i in wanted}
        outlets = [p for p in plugs if p.device.device_id in ids]
        if not outlets:
            return {"context": context, "err_code": -14, "err_msg": "entry not exist"}
    answer: dict[str, Any] = {}
    for module, commands in request.items():
        if module == "context":
            continue
        if not isinstance(commands, dict):
            answer[module] = dict(_MEMBER_NOT_SUPPORTED)
        elif module == "system":
            answer[module] = {
                c: _strip_sysinfo(plugs, on_time)
                if c == "get_sysinfo"
                else dict(_MEMBER_NOT_SUPPORTED)
                for c in commands
            }
        elif module == "emeter":
            answer[module] = {c: _emeter(c, outlets) for c in commands}
        else:
            answer[module] = dict(_NOT_SUPPORTED)
    return answer
