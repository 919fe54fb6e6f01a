"""Typed wire models for the Sense cloud, decoded at the boundary and never handled as raw dicts.

Every field has a default and unknown fields are ignored, so an older or newer payload still
decodes; a field of the wrong type is a `msgspec.ValidationError` at the boundary. Shapes follow
the Sense Client API (sense_energy_driver/simulator/openapi.yml) and the realtime feed.
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = [
    "AlwaysOn",
    "AlwaysOnComponent",
    "AuthResponse",
    "DataChange",
    "Device",
    "DeviceDetail",
    "DeviceDetection",
    "DeviceState",
    "DeviceStates",
    "DeviceUsage",
    "DevicesOverview",
    "FeedError",
    "Hello",
    "MfaChallenge",
    "MonitorDetail",
    "MonitorInfo",
    "MonitorOverview",
    "MonitorOverviewResponse",
    "MonitorStatus",
    "MonitorSummary",
    "RealtimeDevice",
    "RealtimePayload",
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


class _Model(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Base of every wire model: immutable, keyword-built, tolerant of missing fields."""


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


class MonitorSummary(_Model, frozen=True):
    """A monitor as listed in the authenticate response (MonitorSummary schema)."""

    id: str | int = ""
    serial_number: str = ""
    time_zone: str = ""
    solar_configured: bool = False

    @property
    def monitor_id(self) -> str:
        return _id(self.id)


class AuthResponse(_Model, frozen=True):
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


class MfaChallenge(_Model, frozen=True):
    """The 401 body of /authenticate (MFARequired schema); `status` says whether MFA is asked."""

    status: str = ""
    mfa_token: str = ""
    mfa_type: str = ""
    error_reason: str = ""

    def __repr__(self) -> str:
        return f"MfaChallenge(status={self.status!r}, error_reason={self.error_reason!r})"


# --- monitors -----------------------------------------------------------------------------------


class MonitorDetail(_Model, frozen=True):
    """MonitorDetail schema: the monitor with its firmware version."""

    id: str | int = ""
    serial_number: str = ""
    time_zone: str = ""
    solar_configured: bool = False
    version: str = ""
    signal_check_capable: bool = False


class MonitorOverview(_Model, frozen=True):
    monitor: MonitorDetail | None = None


class MonitorOverviewResponse(_Model, frozen=True):
    """/app/monitors/{id}/overview."""

    monitor_overview: MonitorOverview = MonitorOverview()


class MonitorInfo(_Model, frozen=True):
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


class DeviceDetection(_Model, frozen=True):
    """device_detection of the status body: devices being learned, found, and their count."""

    in_progress: tuple[Any, ...] = ()
    found: tuple[Any, ...] = ()
    num_detected: int | None = None


class MonitorStatus(_Model, frozen=True):
    """/app/monitors/{id}/status: firmware, wifi and detection progress."""

    monitor_info: MonitorInfo = MonitorInfo()
    device_detection: DeviceDetection | None = None


# --- devices ------------------------------------------------------------------------------------


class Device(_Model, frozen=True):
    """A device Sense has learned (Device schema)."""

    id: str = ""
    name: str = ""
    icon: str = ""
    is_on: bool = False
    power_w: float | None = None
    tags: dict[str, Any] = {}


class DevicesOverview(_Model, frozen=True):
    """/app/monitors/{id}/devices/overview."""

    devices: tuple[Device, ...] = ()
    total_count: int | None = None
    device_data_checksum: str = ""


class DeviceDetail(_Model, frozen=True):
    """/app/monitors/{id}/devices/{device_id}: a device with its energy per scale."""

    id: str = ""
    name: str = ""
    icon: str = ""
    is_on: bool = False
    power_w: float | None = None
    tags: dict[str, Any] = {}
    energy_kwh: dict[str, float] = {}


class AlwaysOnComponent(_Model, frozen=True):
    name: str = ""
    watts: float = 0.0


class AlwaysOn(_Model, frozen=True):
    """/app/monitors/{id}/devices/always_on."""

    always_on: float = 0.0
    components: tuple[AlwaysOnComponent, ...] = ()


# --- history ------------------------------------------------------------------------------------


class UsageConsumption(_Model, frozen=True):
    usage_total_kwh: float = 0.0
    usage_breakdown_kwh: tuple[float, ...] | None = None


class DeviceUsage(_Model, frozen=True):
    id: str = ""
    name: str = ""
    icon: str = ""
    consumption: UsageConsumption = UsageConsumption()


class UsageHistory(_Model, frozen=True):
    """/app/monitors/{id}/history/usage (UsageHistoryResponse)."""

    start: str = ""
    consumption: UsageConsumption = UsageConsumption()
    device_breakdown: tuple[DeviceUsage, ...] = ()


class TrendDevice(_Model, frozen=True):
    """One device of a trends body's consumption breakdown."""

    id: str = ""
    name: str = ""
    icon: str = ""
    total_kwh: float = 0.0


class TrendTotal(_Model, frozen=True):
    """consumption / production of a trends body: the period's kWh, and per device."""

    total: float = 0.0
    devices: tuple[TrendDevice, ...] = ()


class Trends(_Model, frozen=True):
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


class SolarTotal(_Model, frozen=True):
    production_kwh: float = 0.0
    from_grid_kwh: float = 0.0
    to_grid_kwh: float = 0.0
    net_kwh: float = 0.0
    solar_percentage: float = 0.0


class SolarHistory(_Model, frozen=True):
    """/app/monitors/{id}/history/usage/solar (SolarHistoryResponse)."""

    total: SolarTotal = SolarTotal()


class TimelineItem(_Model, frozen=True):
    type: str = ""
    time: str = ""
    device_id: str = ""
    device_name: str = ""
    user_device_type: str = ""


class Timeline(_Model, frozen=True):
    """/users/{user_id}/timeline."""

    items: tuple[TimelineItem, ...] = ()
    total_items: int | None = None


# --- realtime feed ------------------------------------------------------------------------------


class RealtimeDevice(_Model, frozen=True, gc=False):
    """One active device in a realtime_update: only what the driver reads is decoded.

    Decoded dozens of times per frame, so untracked by the garbage collector (gc=False is safe:
    a string and a float cannot form a reference cycle).
    """

    id: str = ""
    w: float = 0.0


class RealtimePayload(_Model, frozen=True, gc=False):
    """The realtime_update payload, from the feed or /app/{id}/realtime_update (RealtimePayload).

    Untracked by the garbage collector like its devices: numbers and tuples of structs only.
    """

    w: float = 0.0
    solar_w: float | None = None
    grid_w: float | None = None
    hz: float | None = None
    voltage: tuple[float, ...] | None = None
    epoch: float | None = None
    frame: int | None = None
    devices: tuple[RealtimeDevice, ...] = ()


class DataChange(_Model, frozen=True):
    """data_change: a new checksum means the device list changed."""

    device_data_checksum: str = ""
    partner_checksum: str = ""
    monitor_overview_checksum: str = ""


class DeviceState(_Model, frozen=True):
    device_id: str = ""
    mode: str = ""
    state: str = ""


class DeviceStates(_Model, frozen=True):
    """device_states: the cloud's idea of each device's on/off state."""

    states: tuple[DeviceState, ...] = ()


class Hello(_Model, frozen=True):
    """hello, the feed's first message: `online` false means the monitor itself is offline."""

    online: bool = True


class FeedError(_Model, frozen=True):
    """error: `authorized` false means the token was rejected."""

    authorized: bool = True
    error_reason: str = ""
