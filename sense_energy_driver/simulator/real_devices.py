"""Devices of the `real` profile: string tags, the device list, the devices overview.

As recorded (tests/fixtures/real/rest/devices.openhab-2024.json and the trends and feed
recordings): every tag value a string, `DeviceListAllowed`/`UserDeleted` flagging hidden and
deleted devices that stay in the list, `MergedDevices` on a retrained device's survivor, the
`always_on`, `unknown` and `solar` pseudo-devices with their smaller tag set.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from .state import ALWAYS_ON, SOLAR, UNKNOWN, Device, Monitor

__all__ = ["PSEUDO", "device_list", "devices_overview_body", "feed_tags", "pseudo_tags"]

_CREATED = "2023-03-14T15:09:26.000Z"
PSEUDO = {
    ALWAYS_ON: ("AlwaysOn", "Always On", "true"),
    UNKNOWN: ("Unknown", "Unknown", "true"),
    SOLAR: ("Solar", "Solar", "false"),
}


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _display(user_type: str) -> str:
    """'WaterHeater' -> 'Water Heater', as UserDeviceTypeDisplayString shows it."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", user_type)


# --- devices ------------------------------------------------------------------------------------


def pseudo_tags(dev_id: str) -> dict[str, Any]:
    user_type, display, listed = PSEUDO[dev_id]
    return {
        "DefaultUserDeviceType": user_type,
        "DeviceListAllowed": listed,
        "TimelineAllowed": "false",
        "UserDeleted": "false",
        "UserDeviceType": user_type,
        "UserDeviceTypeDisplayString": display,
        "UserEditable": "false",
        "UserMergeable": "false",
    }


def feed_tags(mon: Monitor, dev: Device) -> dict[str, Any]:
    """A device's tags, every value a string, as the device list and the feed carry them."""
    if dev.id in PSEUDO:
        return pseudo_tags(dev.id)
    created = _CREATED if dev.created_ts == float("-inf") else _iso(dev.created_ts)
    tags: dict[str, Any] = {
        "Alertable": "true",
        "AlwaysOn": "false",
        "DateCreated": created,
        "DateFirstUsage": created[:10],
        "DefaultUserDeviceType": dev.user_type,
        "DeployToMonitor": "true",
        "DeviceListAllowed": "false" if dev.removed else "true",
        "ModelCreatedVersion": "21",
        "ModelUpdatedVersion": "27",
        "name_useredit": "false",
        "OriginalName": dev.name,
        "PeerNames": [
            {
                "Name": _display(dev.user_type),
                "UserDeviceType": dev.user_type,
                "Percent": 100.0,
                "Icon": dev.icon,
                "UserDeviceTypeDisplayString": _display(dev.user_type),
            }
        ],
        "Pending": "false",
        "Revoked": "false",
        "TimelineAllowed": "true",
        "TimelineDefault": "true",
        "Type": dev.user_type,
        "UserDeletable": "true",
        "UserDeviceType": dev.user_type,
        "UserDeviceTypeDisplayString": _display(dev.user_type),
        "UserEditable": "true",
        "UserEditableMeta": "true",
        "UserMergeable": "true",
        "UserShowInDeviceList": "true",
    }
    merged = mon.merged_into(dev.id)
    if merged:  # as on the recorded merged devices: a virtual device, its guess confirmed
        tags |= {"MergedDevices": ",".join(merged), "NameUserGuess": "false"}
        tags |= {"UserShowBubble": "true", "Virtual": "true"}
    if dev.removed:
        tags["UserDeleted"] = "true"
    return tags


def _listed_tags(mon: Monitor, dev: Device) -> dict[str, Any]:
    """The device list's tags: as the feed's, plus the app's PreselectionIndex on named types."""
    tags = feed_tags(mon, dev)
    if dev.id not in PSEUDO:
        tags["PreselectionIndex"] = 0
    return tags


def device_list(mon: Monitor) -> list[dict[str, Any]]:
    """/devices: every device Sense keeps, hidden and deleted ones flagged only by their tags.

    Retrained-away devices are gone (their survivor names them in MergedDevices); a solar
    monitor lists its `solar` pseudo-device with DeviceListAllowed "false".
    """
    out = [
        {"id": d.id, "name": d.name, "icon": d.icon, "tags": _listed_tags(mon, d)}
        for d in mon.devices.values()
        if d.merged_into is None
    ]
    if mon.solar is not None:
        out.append({"id": SOLAR, "name": "Solar", "icon": "solar_alt", "tags": pseudo_tags(SOLAR)})
    return out


def devices_overview_body(mon: Monitor) -> dict[str, Any]:
    """/devices/overview: the device list and the checksum data_change carries."""
    return {"devices": device_list(mon), "device_data_checksum": mon.checksum}
