"""Typed REST bodies of the Sense cloud (authentication, monitors, devices, history), decoded at
the boundary by api.py and session.py; shapes follow the Sense Client API
(sense_energy_driver/simulator/openapi.yml) where the real cloud agrees with it.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .models import WireModel

__all__ = [
    "AlwaysOn",
    "AlwaysOnComponent",
    "AuthResponse",
    "Device",
    "DeviceDetail",
    "DeviceDetection",
    "DeviceUsage",
    "DevicesOverview",
    "MfaChallenge",
    "MonitorDetail",
    "MonitorInfo",
    "MonitorOverview",
    "MonitorOverviewResponse",
    "MonitorStatus",
    "MonitorSummary",
    "SolarHistory",
    "SolarTotal",
    "Timeline",
    "TimelineItem",
    "TrendDevice",
    "TrendTotal",
    "Trends",
    "UsageConsumption",
    "UsageHistory",
    "tag_flag",
]


def _id(value: str | int) -> str:
    """Sense has sent ids as numbers and as strings over the years; we always use strings."""
    return value if isinstance(value, str) else str(value)


_TRUE_WORDS = frozenset({"true", "1", "yes"})
_FALSE_WORDS = frozenset({"false", "0", "no"})


def tag_flag(tags: dict[str, Any], name: str, default: bool) -> bool:
    """A device tag read as a flag: Sense sends "true"/"false" strings, older bodies booleans.

    `bool("false")` is true, so every tag flag goes through here; a value that is neither
    (missing, null, an unexpected word) gives `default`.
    """
    value = tags.get(name)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    return default


# --- authentication -----------------------------------------------------------------------------


class MonitorSummary(WireModel, frozen=True):
    """A monitor as listed in the authenticate response (MonitorSummary schema)."""

    id: str | int = ""
    serial_number: str = ""
    time_zone: str = ""
    solar_configured: bool = False

    @property
    def monitor_id(self) -> str:
        return _id(self.id)


class AuthResponse(WireModel, frozen=True):
    """Tokens and monitors from /authenticate, /authenticate/mfa and /renew (AuthResponse)."""

    access_token: str = ""
    user_id: str | int = ""
    refresh_token: str = ""
    monitors: tuple[MonitorSummary, ...] = ()

    @property
    def user_id_str(self) -> str:
        return _id(self.user_id)

    def __repr__(self) -> str:  # tokens must never reach a log line through a repr
        return (
            f"AuthResponse(user_id={self.user_id!r}, access_token=<redacted>, "
            f"refresh_token=<redacted>, monitors={self.monitors!r})"
        )


class MfaChallenge(WireModel, frozen=True):
    """The 401 body of /authenticate (MFARequired schema); `status` says whether MFA is asked."""

    status: str = ""
    mfa_token: str = ""
    mfa_type: str = ""
    error_reason: str = ""

    def __repr__(self) -> str:
        return f"MfaChallenge(status={self.status!r}, error_reason={self.error_reason!r})"


# --- monitors -----------------------------------------------------------------------------------


class MonitorDetail(WireModel, frozen=True):
    """MonitorDetail schema: the monitor with its firmware version."""

    id: str | int = ""
    serial_number: str = ""
    time_zone: str = ""
    solar_configured: bool = False
    version: str = ""
    signal_check_capable: bool = False


class MonitorOverview(WireModel, frozen=True):
    monitor: MonitorDetail | None = None


class MonitorOverviewResponse(WireModel, frozen=True):
    """/app/monitors/{id}/overview."""

    monitor_overview: MonitorOverview = MonitorOverview()


class MonitorInfo(WireModel, frozen=True):
    """monitor_info of the status body: the real cloud sends `wifi_strength` as a positive
    number without a unit (86), older bodies `signal` as text with one ("-44 dBm")."""

    version: str = ""
    wifi_strength: float | None = None
    signal_or_null: str | None = msgspec.field(default=None, name="signal")  # 2024: null
    ndevices_found: int | None = None
    detection_running: bool | None = None

    @property
    def signal(self) -> str:
        return self.signal_or_null or ""


class DeviceDetection(WireModel, frozen=True):
    """device_detection of the status body: devices being learned, found, and their count."""

    in_progress: tuple[Any, ...] = ()
    found: tuple[Any, ...] = ()
    num_detected: int | None = None


class MonitorStatus(WireModel, frozen=True):
    """/app/monitors/{id}/status: firmware, wifi and detection progress."""

    monitor_info: MonitorInfo = MonitorInfo()
    device_detection: DeviceDetection | None = None


# --- devices ------------------------------------------------------------------------------------


class Device(WireModel, frozen=True):
    """A device Sense has learned (Device schema)."""

    id: str = ""
    name: str = ""
    icon: str = ""
    is_on: bool = False
    power_w: float | None = None
    tags: dict[str, Any] = {}  # noqa: RUF012 - a msgspec Struct copies mutable defaults


class DevicesOverview(WireModel, frozen=True):
    """/app/monitors/{id}/devices/overview."""

    devices: tuple[Device, ...] = ()
    total_count: int | None = None
    device_data_checksum: str = ""


class DeviceDetail(WireModel, frozen=True):
    """/app/monitors/{id}/devices/{device_id}: a device with its energy per scale."""

    id: str = ""
    name: str = ""
    icon: str = ""
    is_on: bool = False
    power_w: float | None = None
    tags: dict[str, Any] = {}  # noqa: RUF012 - a msgspec Struct copies mutable defaults
    energy_kwh: dict[str, float] = {}  # noqa: RUF012 - copied, as above


class AlwaysOnComponent(WireModel, frozen=True):
    name: str = ""
    watts: float = 0.0


class AlwaysOn(WireModel, frozen=True):
    """/app/monitors/{id}/devices/always_on."""

    always_on: float = 0.0
    components: tuple[AlwaysOnComponent, ...] = ()


# --- history ------------------------------------------------------------------------------------


class UsageConsumption(WireModel, frozen=True):
    usage_total_kwh: float = 0.0
    usage_breakdown_kwh: tuple[float, ...] | None = None


class DeviceUsage(WireModel, frozen=True):
    id: str = ""
    name: str = ""
    icon: str = ""
    consumption: UsageConsumption = UsageConsumption()


class UsageHistory(WireModel, frozen=True):
    """/app/monitors/{id}/history/usage (UsageHistoryResponse)."""

    start: str = ""
    consumption: UsageConsumption = UsageConsumption()
    device_breakdown: tuple[DeviceUsage, ...] = ()


class TrendDevice(WireModel, frozen=True):
    """One device of a trends body's consumption breakdown."""

    id: str = ""
    name: str = ""
    icon: str = ""
    total_kwh: float = 0.0


class TrendTotal(WireModel, frozen=True):
    """consumption / production of a trends body: the period's kWh, and per device."""

    total: float = 0.0
    devices: tuple[TrendDevice, ...] = ()


class Trends(WireModel, frozen=True):
    """/app/history/trends?monitor_id=…&scale=…&start=…: what every public Sense client reads.

    One body carries usage and solar alike; `start` is the period's start as Sense chose it.
    """

    start: str = ""
    consumption: TrendTotal = TrendTotal()
    production: TrendTotal | None = None
    to_grid: float | None = None
    from_grid: float | None = None
    net_production: float | None = None
    production_pct: float | None = None
    solar_powered: float | None = None


class SolarTotal(WireModel, frozen=True):
    production_kwh: float = 0.0
    from_grid_kwh: float = 0.0
    to_grid_kwh: float = 0.0
    net_kwh: float = 0.0
    solar_percentage: float = 0.0


class SolarHistory(WireModel, frozen=True):
    """/app/monitors/{id}/history/usage/solar (SolarHistoryResponse)."""

    total: SolarTotal = SolarTotal()


class TimelineItem(WireModel, frozen=True):
    type: str = ""
    time: str = ""
    device_id: str = ""
    device_name: str = ""
    user_device_type: str = ""


class Timeline(WireModel, frozen=True):
    """/users/{user_id}/timeline."""

    items: tuple[TimelineItem, ...] = ()
    total_items: int | None = None
