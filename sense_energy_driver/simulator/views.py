"""JSON bodies of the REST API, shaped as the OpenAPI schemas (plus the real API's extras)."""

from __future__ import annotations

from typing import Any

from .auth import Grant
from .meter import Sample
from .state import ALWAYS_ON, UNKNOWN, Device, Monitor, SimState

__all__ = [
    "always_on_body",
    "auth_body",
    "device_body",
    "monitor_summary",
    "overview_body",
    "status_body",
]

_ALWAYS_ON_PARTS = (("Network equipment", 0.22), ("Furnace standby", 0.18), ("Entertainment", 0.25))


def monitor_summary(mon: Monitor) -> dict[str, Any]:
    """MonitorSummary: a monitor as the authenticate response lists it."""
    return {
        "id": mon.id,
        "serial_number": mon.serial,
        "time_zone": mon.spec.time_zone,
        "solar_configured": mon.solar is not None,
        "solar_connected": mon.solar is not None,
        "online": True,
        "ethernet": False,
        "power_over_ethernet": False,
    }


def auth_body(state: SimState, grant: Grant) -> dict[str, Any]:
    """AuthResponse: tokens and the account's monitors."""
    account = grant.account
    return {
        "authorized": True,
        "account_id": account.user_id,
        "user_id": account.user_id,
        "access_token": grant.access_token,
        "refresh_token": grant.refresh_token,
        "monitors": [monitor_summary(state.monitors[m]) for m in account.monitor_ids],
        "totp_enabled": account.mfa_secret is not None,
    }


def overview_body(mon: Monitor) -> dict[str, Any]:
    """MonitorOverviewResponse: the monitor with firmware version and solar flags."""
    monitor = monitor_summary(mon)
    monitor.update(version=mon.spec.firmware, signal_check_capable=True)
    return {
        "monitor_overview": {
            "monitor": monitor,
            "checksum": mon.checksum,
            "num_devices": len(_learned(mon)),
        }
    }


def _learned(mon: Monitor) -> list[Device]:
    return [d for d in mon.active_devices() if d.id not in (ALWAYS_ON, UNKNOWN)]


def status_body(mon: Monitor) -> dict[str, Any]:
    """MonitorStatusResponse: firmware, Wi-Fi and device detection progress."""
    learned = _learned(mon)
    return {
        "monitor_info": {
            "version": mon.spec.firmware,
            "wifi_strength": mon.spec.wifi_strength,
            "ndevices_found": len(learned),
            "detection_running": True,
            "serial": mon.serial,
            "online": True,
            "ssid": "SimulatedHome",
            "signal": f"{mon.spec.wifi_strength} dBm",
            "ethernet": False,
        },
        "device_detection": {
            "in_progress": [],
            "found": [{"id": d.id, "name": d.name, "icon": d.icon} for d in learned],
            "num_detected": len(learned),
        },
    }


def device_body(dev: Device, sample: Sample | None) -> dict[str, Any]:
    """Device: id, name, icon, current state and tags (MergeId on a retrained-away device)."""
    watts = dict(sample.devices).get(dev.id, 0.0) if sample and dev.active else 0.0
    return {
        "id": dev.id,
        "name": dev.name,
        "icon": dev.icon,
        "is_on": watts > 0,
        "power_w": watts,
        "tags": dev.tags(),
    }


def always_on_body(mon: Monitor, sample: Sample | None) -> dict[str, Any]:
    """AlwaysOnResponse: the Always On device's watts, split into components that sum to it."""
    total = dict(sample.devices).get(ALWAYS_ON, 0.0) if sample else 0.0
    parts = [(name, round(total * share, 1)) for name, share in _ALWAYS_ON_PARTS]
    parts.append(("Other always-on", round(total - sum(w for _, w in parts), 1)))
    return {"always_on": total, "components": [{"name": n, "watts": w} for n, w in parts]}
