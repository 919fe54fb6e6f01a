"""REST bodies of the `real` profile: shaped as the recorded Sense cloud answers them.

tests/fixtures/real/ holds the recordings these follow (docs/real-cloud.md sums them up): numeric
user and monitor ids, string tags, a renew body without monitors, the status body's
`device_detection` and positive `wifi_strength`, the timeline's `more_items` and `DeviceOn` items.
Device lists and tags are in real_devices.py. The shape tests compare every body with the
recording of the same endpoint.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from .auth import Grant
from .meter import Event
from .real_devices import PSEUDO
from .state import Account, Monitor, SimState, wire_id

__all__ = [
    "account_id",
    "auth_body",
    "monitor_body",
    "overview_body",
    "personal",
    "renew_body",
    "status_body",
    "timeline_body",
    "timeline_item",
]

_CREATED = "2023-03-14T15:09:26.000Z"
_COST = 20.77


def _digest(*parts: object) -> bytes:
    return hashlib.sha256("|".join(map(str, parts)).encode()).digest()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def account_id(account: Account) -> int | str:
    """The account id the real cloud sends beside the user id (a different number)."""
    uid = wire_id(account.user_id)
    return uid + 3 if isinstance(uid, int) else uid


def personal(mon: Monitor) -> dict[str, str]:
    """Per-monitor values a dump must mask: MACs, IP, SSID, postal code (deterministic)."""
    d = _digest(mon.seed, mon.id, "personal")
    return {
        "mac": "24:cd:8d:" + ":".join(f"{b:02x}" for b in d[:3]),
        "emac": "f2:ed:5e:" + ":".join(f"{b:02x}" for b in d[3:6]),
        "ip_address": f"10.{d[6]}.{d[7]}.{d[8] or 1}",
        "ssid": f"home-{d[9]:02x}{d[10]:02x}",
        "postal_code": f"{10000 + int.from_bytes(d[11:14]) % 89999:05d}",
    }


# --- authentication -----------------------------------------------------------------------------


def monitor_body(mon: Monitor, *, online: bool | None = True) -> dict[str, Any]:
    """A monitor as /authenticate lists it (and the overview nests it, without `online`)."""
    body: dict[str, Any] = {
        "id": wire_id(mon.id),
        "date_created": _CREATED,
        "serial_number": mon.serial,
        "time_zone": mon.spec.time_zone,
        "solar_connected": mon.solar is not None,
        "solar_configured": mon.solar is not None,
    }
    if online is not None:
        body["online"] = online
    body["attributes"] = {
        "id": int.from_bytes(_digest(mon.id)[:2]) + 100000,
        "name": "",
        "state": "",
        "cost": _COST,
        "sell_back_rate": _COST,
        "user_set_cost": False,
        "cycle_start": mon.spec.billing_cycle_day,
        "basement_type": "No basement",
        "home_size_type": "2000 sq. ft",
        "home_type": "Single family",
        "number_of_occupants": "3",
        "occupancy_type": "Full-time",
        "year_built_type": "1990s",
        "basement_type_key": None,
        "home_size_type_key": None,
        "home_type_key": None,
        "occupancy_type_key": None,
        "year_built_type_key": None,
        "address": None,
        "city": None,
        "postal_code": personal(mon)["postal_code"],
        "electricity_cost": None,
        "show_cost": True,
        "tou_enabled": False,
        "solar_tou_enabled": False,
        "power_region": None,
        "to_grid_threshold": None,
        "panel": None,
        "home_info_survey_progress": "COMPLETED",
        "device_survey_progress": "COMPLETED",
        "user_set_sell_back_rate": mon.solar is not None,
    }
    body.update(
        signal_check_completed_time=_CREATED,
        data_sharing=[],
        ethernet_supported=False,
        power_over_ethernet_supported=False,
        aux_ignore=False,
        aux_port="solar" if mon.solar is not None else "",
        hardware_type="monitor",
        zigbee_supported=False,
    )
    return body


_NOTIFICATIONS = (
    "new_named_device_push",
    "new_named_device_email",
    "monitor_offline_push",
    "monitor_offline_email",
    "monitor_monthly_email",
    "always_on_change_push",
    "comparison_change_push",
    "new_peak_push",
    "new_peak_email",
    "monthly_change_push",
    "weekly_change_push",
    "daily_change_push",
    "generator_on_push",
    "generator_off_push",
    "time_of_use",
    "grid_outage_push",
    "grid_restored_push",
    "relay_update_available_push",
    "relay_update_installed_push",
    "new_features_and_offers_push",
)


def _notifications() -> dict[str, bool]:
    return {name: not name.endswith(("_email", "daily_change_push")) for name in _NOTIFICATIONS}


def auth_body(state: SimState, grant: Grant) -> dict[str, Any]:
    """/authenticate and /authenticate/mfa: tokens, numeric ids, settings and the monitors."""
    account = grant.account
    uid = wire_id(account.user_id)
    return {
        "authorized": True,
        "account_id": account_id(account),
        "user_id": uid,
        "access_token": grant.access_token,
        "settings": {
            "user_id": uid,
            "settings": {
                "notifications": {m: _notifications() for m in account.monitor_ids},
                "labs_enabled": False,
                "hide_trends_carbon_card": False,
                "ohm_connect_status": "ineligible",
            },
            "version": 1,
        },
        "refresh_token": grant.refresh_token,
        "monitors": [monitor_body(state.monitors[m]) for m in account.monitor_ids],
        "bridge_server": "wss://mb1.home.sense.com",
        "date_created": _CREATED,
        "totp_enabled": account.mfa_secret is not None,
        "ab_cohort": "control",
    }


def renew_body(grant: Grant, expires_ts: float) -> dict[str, Any]:
    """/renew: fresh tokens and the ids, no monitors (as the real cloud answers)."""
    account = grant.account
    return {
        "authorized": True,
        "account_id": account_id(account),
        "user_id": wire_id(account.user_id),
        "access_token": grant.access_token,
        "roles": "user",
        "refresh_token": grant.refresh_token,
        "totp_enabled": account.mfa_secret is not None,
        "expires": _iso(expires_ts),
    }


# --- monitors -----------------------------------------------------------------------------------


def overview_body(mon: Monitor) -> dict[str, Any]:
    """/app/monitors/{id}/overview: checksums at the top, the monitor and counts nested."""
    learned = [d for d in mon.active_devices() if d.id not in PSEUDO]
    named = sum(1 for d in learned if not d.name.startswith(("Heat ", "Motor ", "Device ")))
    monitor = monitor_body(mon, online=None)
    monitor["attributes"]["electricity_cost"] = {
        "id": 1,
        "location": "United States",
        "abbreviation": "US",
        "cost": _COST,
        "national_electricity_cost": {
            "id": 1,
            "location": "United States",
            "abbreviation": "US",
            "cost": _COST,
        },
        "national_electricity_cost_id": 1,
    }
    return {
        "checksum": hashlib.sha256(f"{mon.checksum}|overview".encode()).hexdigest()[:40].upper(),
        "device_data_checksum": mon.checksum,
        "monitor_overview": {
            "monitor": monitor,
            "ndi_enabled": False,
            "local_api_enabled": False,
            "partner_channel": "",
            "partner_tags": [],
            "num_devices": len(learned),
            "num_named_devices": named,
            "num_unnamed_devices": len(learned) - named,
        },
    }


def _wifi_quality(dbm: int) -> int:
    """The positive Wi-Fi figure recent firmware reports (86 for a good link), from dBm."""
    return max(0, min(100, 2 * (dbm + 100)))


def status_body(mon: Monitor, now_ts: float) -> dict[str, Any]:
    """/status: recent firmware as in 2024 (wifi_strength positive), old firmware as in 2018."""
    learned = [d for d in mon.active_devices() if d.id not in PSEUDO]
    who = personal(mon)
    found = [{"icon": d.icon, "name": d.name, "progress": 100} for d in learned]
    if mon.old_firmware:
        return {
            "signals": {"progress": 100, "status": "OK"},
            "device_detection": {"in_progress": [], "found": found, "num_detected": len(learned)},
            "monitor_info": {
                "serial": mon.serial,
                "ndt_enabled": True,
                "online": True,
                "version": mon.spec.firmware,
                "ssid": who["ssid"],
                "signal": f"{mon.spec.wifi_strength} dBm",
                "mac": who["mac"],
            },
        }
    tested = datetime.fromtimestamp(mon.start_ts, UTC).strftime("%m/%d/%Y")
    return {
        "signals": {"progress": 100, "status": "OK"},
        "device_detection": {"in_progress": [], "found": [], "num_detected": len(learned)},
        "monitor_info": {
            "emac": who["emac"],
            "wifi_strength": _wifi_quality(mon.spec.wifi_strength),
            "ip_address": who["ip_address"],
            "connection_state": "ONLINE",
            "version": mon.spec.firmware,
            "ssid": who["ssid"],
            "mac": who["mac"],
            "ethernet": False,
            "test_result": f"Good as of {tested}",
            "serial": mon.serial,
            "ndt_enabled": False,
            "online": True,
            "signal": None,
        },
    }


# --- timeline -----------------------------------------------------------------------------------


def timeline_item(mon: Monitor, event: Event) -> dict[str, Any]:
    """One timeline item as the real cloud writes it (DeviceOn / DeviceOff)."""
    dev = mon.devices[event.device_id]
    on = event.type == "DeviceWentOn"
    guid = uuid.uuid5(uuid.NAMESPACE_URL, f"sense-sim/{mon.id}/{event.ts}/{dev.id}/{on}")
    return {
        "time": _iso(event.ts),
        "type": "DeviceOn" if on else "DeviceOff",
        "icon": dev.icon,
        "body": "{device.name} turned " + ("on" if on else "off"),
        "destination": f"device:{dev.id}",
        "device_id": dev.id,
        "device_name": dev.name,
        "show_action": False,
        "allow_sticky": False,
        "guid": str(guid),
        "user_device_type": dev.user_type,
    }


def timeline_body(
    account: Account, items: list[tuple[Event, Monitor]], n_items: int
) -> dict[str, Any]:
    """/users/{id}/timeline: the newest n_items, and whether older ones exist."""
    return {
        "more_items": len(items) > n_items,
        "sticky_items": [],
        "user_id": wire_id(account.user_id),
        "items": [timeline_item(mon, event) for event, mon in items[:n_items]],
    }
