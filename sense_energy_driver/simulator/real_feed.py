"""Feed messages of the `real` profile: shaped as the recorded Sense realtime feed.

On connect: hello → monitor_info → data_change → device_states → realtime_update, as dnesting's
recorded messages show; new_timeline_event when a device turns on or off. realtime_update
carries the fields openHAB and dnesting recorded: integer epoch, `_stats`, `defaultCost`,
`deltas`, `power_flow`, per-device `attrs` and string tags, and on solar monitors a `solar`
device, `aux.solar` and the solar_* figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .meter import Event, Sample
from .real_devices import feed_tags, pseudo_tags
from .real_rest import timeline_item
from .state import ALWAYS_ON, SOLAR, UNKNOWN, Account, Monitor, wire_id
from .wire import Message

__all__ = [
    "FEATURES",
    "data_change_message",
    "device_states_message",
    "preamble",
    "realtime_message",
    "realtime_payload",
    "timeline_event_message",
]

FEATURES = (
    "MONITOR_RESET,DEVICE_DELETION,DEVICE_STATE_UPDATE,NDI,UPDATE_CONFIG_ACK,HUE,NETEVENT_WM,"
    "TPL_CTRL,WEMO_CTRL,SMARTPLUGS,HS300,AO_SANS_NDI,CONNECTION_TEST,GENERATOR,SSI,SPLIT_PANEL,"
    "DEDICATED_CIRCUIT,RTS_HISTORICAL,RTU_WATTS_SIGNED"
)
_COST = 20.77


def realtime_payload(mon: Monitor, s: Sample) -> dict[str, Any]:
    """The realtime_update payload as the real feed sends it."""
    devices: list[dict[str, Any]] = []
    if mon.solar is not None:
        solar = {"id": SOLAR, "name": "Solar", "icon": "solar_alt", "tags": pseudo_tags(SOLAR)}
        devices.append({**solar, "attrs": [], "w": round(s.solar_w, 4)})
    for dev_id, w in s.devices:
        dev = mon.devices[dev_id]
        entry = {"id": dev.id, "name": dev.name, "icon": dev.icon, "tags": feed_tags(mon, dev)}
        devices.append({**entry, "attrs": [], "w": round(w, 5)})
    ts = s.ts
    payload: dict[str, Any] = {}
    if not mon.old_firmware:
        payload["voltage"] = list(s.voltage)
    payload |= {
        "frame": s.frame,
        "devices": devices,
        "deltas": [],
        "defaultCost": _COST,
        "channels": [s.l1, s.l2],
    }
    if not mon.old_firmware:
        payload["hz"] = s.hz
    payload |= {"w": s.w, "c": 25}
    grid_w = round(s.grid_w)
    if mon.solar is None:
        payload |= {"grid_w": grid_w, "_stats": _stats(ts)}
        payload |= {"power_flow": {"grid": ["home"]}, "d_w": round(s.w)}
    else:
        payload |= _solar_fields(s, grid_w)
    payload["epoch"] = int(ts)
    return payload


def _stats(ts: float) -> dict[str, float]:
    """Receive and send times along the cloud's path (bridge, monitor), as `_stats` shows them."""
    return {"brcv": round(ts + 0.13, 4), "mrcv": round(ts + 0.16, 3), "msnd": ts}


def _solar_fields(s: Sample, grid_w: int) -> dict[str, Any]:
    """A solar monitor's extras, in the recorded order: the aux CTs read the solar legs
    negative, and power flows from solar to home (and to the grid while exporting)."""
    half = round(s.solar_w / 2, 3)
    flow = {"solar": ["grid", "home"] if grid_w < 0 else ["home"], "grid": []}
    if grid_w > 0:
        flow["grid"] = ["home"]
    return {
        "solar_w": s.solar_w,
        "grid_w": grid_w,
        "solar_c": 126,
        "_stats": _stats(s.ts),
        "aux": {"solar": [-half, -round(s.solar_w - half, 3)]},
        "power_flow": flow,
        "solar_pct": round(100 * min(s.solar_w, s.w) / s.w) if s.w > 0 else 0,
        "d_w": round(s.w),
        "d_solar_w": round(s.solar_w),
    }


def realtime_message(mon: Monitor, s: Sample) -> Message:
    return Message("realtime_update", int(s.ts), realtime_payload(mon, s))


def data_change_message(mon: Monitor, ts: float) -> Message:
    """data_change with the recorded fields; device_data_checksum as the overviews carry it."""
    payload = {
        "device_data_checksum": mon.checksum,
        "monitor_overview_checksum": mon.checksum[16:],
        "partner_checksum": mon.checksum[:16],
        "pending_events": {
            "goal": {"guid": "0", "notification_id": None, "timestamp": None},
            "monitor_id": wire_id(mon.id),
            "new_device_found": {"device_id": None, "guid": "0", "timestamp": None},
            "type": "GoalEvent",
        },
        "settings_version": 1,
        "user_version": 2,
    }
    return Message("data_change", int(ts), payload)


def device_states_message(mon: Monitor, s: Sample) -> Message:
    """device_states: every listed learned device, on or off."""
    on = {dev_id for dev_id, _ in s.devices}
    states = [
        {"device_id": d.id, "mode": "active", "state": "on" if d.id in on else "off"}
        for d in mon.active_devices()
        if d.id not in (ALWAYS_ON, UNKNOWN)
    ]
    return Message("device_states", int(s.ts), {"states": states, "update_type": "full"})


def preamble(mon: Monitor, ts: float, *, online: bool) -> list[Message]:
    """What a client gets on connect, in the recorded order, before the periodic updates."""
    epoch = int(ts)
    messages = [
        Message("hello", epoch, {"online": online}),
        Message("monitor_info", epoch, {"features": FEATURES}),
        data_change_message(mon, ts),
    ]
    last = mon.meter.last
    if last is not None and online:  # realtime_update follows with the next sample
        messages.append(device_states_message(mon, last))
    return messages


def timeline_event_message(
    account: Account, mon: Monitor, events: Iterable[Event], ts: float
) -> Message:
    """new_timeline_event: the items added since the last one (device on/off)."""
    items = []
    for event in events:
        item = timeline_item(mon, event)
        on = item["type"] == "DeviceOn"
        name = item.pop("device_name")
        item |= {
            "body": f"{name} turned {'on' if on else 'off'}",
            "body_args": [{"@type": "String", "is_key": False, "value": name}],
            "body_key": "device_turned_on" if on else "device_turned_off",
            "device_state": item["type"],
            "device_transition_from_state": "Off" if on else "On",
            "monitor_id": wire_id(mon.id),
        }
        items.append(item)
    payload = {
        "items_added": items,
        "items_removed": [],
        "items_updated": [],
        "user_id": wire_id(account.user_id),
    }
    return Message("new_timeline_event", int(ts), payload)
