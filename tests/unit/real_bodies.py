"""Response bodies shaped like the real Sense cloud's (as public clients have recorded them).

They differ from the OpenAPI document: ids and user_id are numbers, /renew lists no monitors, tags
are strings, history comes from /app/history/trends, status has `signal` and `device_detection`.
"""

from __future__ import annotations

from typing import Any

BASE = "https://api.sense.test/apiservice/api/v1"
MONITOR = 98765
USER = 654321
CHECKSUM = "3f8a5c2e9d1b4a7f8e6c0d2b5a9f1e3c"


def tags(**extra: str) -> dict[str, str]:
    """A device's tags as the real overview sends them: every value a string."""
    base = {
        "DefaultUserDeviceType": "Refrigerator",
        "DeviceListAllowed": "true",
        "TimelineAllowed": "true",
        "UserDeleted": "false",
        "UserEditable": "true",
        "Revoked": "false",
    }
    return base | extra


def authenticate(n: int = 1) -> dict[str, Any]:
    return {
        "authorized": True,
        "account_id": 1234,
        "user_id": USER,
        "access_token": f"t1.v2.access-{n}",
        "refresh_token": f"refresh-{n}",
        "monitors": [
            {
                "id": MONITOR,
                "serial_number": "N327000123",
                "time_zone": "America/New_York",
                "solar_configured": True,
                "online": True,
            }
        ],
        "bridge_server": "wss://clientrt.sense.com",
        "date_created": "2019-04-02T18:30:12.000Z",
    }


def renew(n: int = 2, *, with_user_id: bool = True) -> dict[str, Any]:
    """The real /renew answer: tokens, expiry and roles, and no monitors."""
    body: dict[str, Any] = {
        "access_token": f"t1.v2.access-{n}",
        "refresh_token": f"refresh-{n}",
        "expires": "2026-06-14T12:00:00.000Z",
        "roles": "user",
    }
    if with_user_id:
        body["user_id"] = USER
    return body


MONITOR_OVERVIEW: dict[str, Any] = {
    "monitor_overview": {
        "monitor": {
            "id": MONITOR,
            "serial_number": "N327000123",
            "time_zone": "America/New_York",
            "solar_connected": True,
            "solar_configured": True,
            "online": True,
            "attributes": {"id": MONITOR, "name": "", "state": "NY"},
            "signal_check_completed_time": "2019-04-02T19:01:00.000Z",
            "data_sharing": [],
        },
        "checksum": CHECKSUM,
        "num_devices": 5,
    }
}


def device(device_id: str, name: str, icon: str, **tag_values: str) -> dict[str, Any]:
    return {
        "id": device_id,
        "name": name,
        "icon": icon,
        "tags": tags(**tag_values),
        "location": "",
        "make": "",
    }


DEVICES_OVERVIEW: dict[str, Any] = {
    "devices": [
        device("always_on", "Always On", "alwayson", DefaultUserDeviceType="AlwaysOn"),
        device("unknown", "Other", "home", DefaultUserDeviceType="Unknown"),
        device("solar", "Solar", "solar_alt", DeviceListAllowed="false"),
        device("a1b2c3d4", "Fridge", "fridge"),
        device("5f3KqZx2", "Dryer", "dryer", MergedDevices="e0f1a2b3,9c8d7e6f"),
        device("ssi-4b2a", "Wemo Plug", "socket"),
        device("0badc0de", "Hidden heater", "heat", DeviceListAllowed="false"),
        device("dead0001", "Deleted kettle", "kettle", UserDeleted="true"),
        device("dead0002", "Revoked plug", "socket", Revoked="true"),
    ],
    "device_data_checksum": CHECKSUM,
}
LISTED_IDS = ["always_on", "unknown", "a1b2c3d4", "5f3KqZx2", "ssi-4b2a"]

STATUS: dict[str, Any] = {
    "monitor_info": {
        "serial": "N327000123",
        "emac": "de:ad:be:ef:00:01",
        "ethernet": False,
        "test_result": "Waiting",
        "ssid": "HomeNet",
        "signal": "-44 dBm",
        "mac": "de:ad:be:ef:00:02",
        "wifi_strength": 86,
        "version": "1.40.2856-11f4a8b",
        "online": True,
    },
    "device_detection": {
        "in_progress": [{"icon": "stove", "name": "Possible Stove", "progress": 40}],
        "found": [{"icon": "fridge", "name": "Fridge", "progress": 100}],
        "num_detected": 25,
    },
    "signals": {"progress": 100, "status": "OK"},
}


def trends(total: float = 12.5) -> dict[str, Any]:
    """An /app/history/trends body for a DAY on a solar monitor."""
    return {
        "steps": 24,
        "start": "2026-06-13T04:00:00.000Z",
        "end": "2026-06-14T04:00:00.000Z",
        "consumption": {
            "total": total,
            "totals": [0.5] * 24,
            "devices": [
                {"id": "a1b2c3d4", "name": "Fridge", "icon": "fridge", "total_kwh": 1.25},
                {"id": "always_on", "name": "Always On", "icon": "alwayson", "total_kwh": 3.5},
            ],
        },
        "production": {"total": 20.1, "totals": [0.8] * 24},
        "to_grid": 9.1,
        "from_grid": 1.5,
        "solar_powered": 88,
        "net_production": 7.6,
        "production_pct": 160,
        "trend_consumption": {"total": 11.0},
    }


def realtime(watts: float, epoch: int = 1_781_352_000) -> dict[str, Any]:
    """A realtime_update payload with the fields the real feed carries (most of them unread)."""
    return {
        "voltage": [121.4, 120.9],
        "frame": 3_187_243,
        "devices": [
            {
                "id": "a1b2c3d4",
                "name": "Fridge",
                "icon": "fridge",
                "tags": tags(),
                "attrs": [],
                "w": 125.3,
                "c": 0,
                "sd": {"w": 125.3, "i": 1.1, "v": 121.1, "e": 0, "pf": 0.93},
            },
            {"id": "solar", "name": "Solar", "icon": "solar_alt", "w": -1480.0},
        ],
        "defaultCost": 13,
        "channels": [412.3, 437.9, -740.1, -740.0],
        "hz": 59.98,
        "w": watts,
        "_stats": {"brcv": 1_781_351_999.9, "mrcv": 1_781_352_000.0, "msnd": 1_781_352_000.0},
        "aux": {"solar": [-740.1, -740.0]},
        "power_flow": {"grid": ["home"], "solar": ["home", "grid"]},
        "solar_w": 1480.1,
        "grid_w": -630.0,
        "d_w": 850,
        "epoch": epoch,
        "deltas": [],
    }
