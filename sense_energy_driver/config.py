"""The driver's configuration, read from host attributes and checked once, with clear errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .const import (
    DEFAULT_API_URL,
    DEFAULT_REALTIME_URL,
    REALTIME_POLL_DEFAULT_S,
    REALTIME_POLL_MIN_S,
    STATUS_INTERVAL_DEFAULT_MS,
    STATUS_INTERVAL_MIN_MS,
)
from .errors import SenseConfigError
from .proxy import BindAddress, ProxyDevice, parse_bind, parse_proxy_devices  # proxy devices

__all__ = ["DriverConfig", "read_config"]

GetAttribute = Callable[[str], object | None]
Log = Callable[[int, str], None]


@dataclass(frozen=True, slots=True)
class DriverConfig:
    """Validated configuration; secrets are kept out of the repr."""

    username: str
    password: str = field(repr=False)
    monitor_id: str | None = None
    status_interval_s: float = STATUS_INTERVAL_DEFAULT_MS / 1000
    api_url: str = DEFAULT_API_URL
    realtime_url: str = DEFAULT_REALTIME_URL
    totp_secret: str | None = field(default=None, repr=False)
    follow_retraining: bool = False
    realtime_poll_s: float = REALTIME_POLL_DEFAULT_S
    ca_file: str | None = None
    refresh_token: str | None = field(default=None, repr=False)
    user_id: str | None = None
    installation_id: str | None = None
    selected_monitor_id: str | None = None
    # --- proxy devices (issue 17) ---
    proxy_devices: tuple[ProxyDevice, ...] = ()
    kasa_bind: BindAddress = field(default_factory=lambda: parse_bind(None))


def _text(
    get: GetAttribute, name: str, *, required: bool = False, strip: bool = True
) -> str | None:
    value = get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise SenseConfigError(f"attribute '{name}' is required and not set")
        return None
    if not isinstance(value, str):
        raise SenseConfigError(f"attribute '{name}' must be a string, got {type(value).__name__}")
    return value.strip() if strip else value


def _integer(get: GetAttribute, name: str, default: int) -> int:
    """An int attribute; whole numbers written as float or text are accepted, anything else not."""
    value = get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise SenseConfigError(
            f"attribute '{name}' must be an integer (milliseconds), got {value!r}"
        )
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise SenseConfigError(
        f"attribute '{name}' must be an integer number of milliseconds, got {value!r}"
    )


def _clamped_ms(get: GetAttribute, log: Log, name: str, default: int, minimum: int) -> float:
    value = _integer(get, name, default)
    if value < minimum:
        log(logging.WARNING, f"{name} {value} ms is below the minimum; using {minimum} ms")
        value = minimum
    return value / 1000


def _flag(get: GetAttribute, name: str) -> bool:
    value = get(name)
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    raise SenseConfigError(f"attribute '{name}' must be true or false, got {value!r}")


def _url(get: GetAttribute, name: str, default: str, schemes: tuple[str, ...]) -> str:
    value = _text(get, name) or default
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        raise SenseConfigError(
            f"attribute '{name}' must be a {' or '.join(s + '://' for s in schemes)} URL, "
            f"got {value!r}"
        )
    return value.rstrip("/")


def read_config(get: GetAttribute, log: Log) -> DriverConfig:
    """Read and check every configuration attribute; raise SenseConfigError naming the bad one."""
    return DriverConfig(
        username=_text(get, "username", required=True) or "",
        password=_text(get, "password", required=True, strip=False) or "",
        monitor_id=_text(get, "monitor_id"),
        status_interval_s=_clamped_ms(
            get, log, "status_interval", STATUS_INTERVAL_DEFAULT_MS, STATUS_INTERVAL_MIN_MS
        ),
        api_url=_url(get, "api_url", DEFAULT_API_URL, ("https", "http")),
        realtime_url=_url(get, "realtime_url", DEFAULT_REALTIME_URL, ("wss", "ws")),
        totp_secret=_text(get, "totp_secret"),
        follow_retraining=_flag(get, "follow_retraining"),
        realtime_poll_s=_clamped_ms(
            get,
            log,
            "realtime_poll_interval",
            int(REALTIME_POLL_DEFAULT_S * 1000),
            int(REALTIME_POLL_MIN_S * 1000),
        ),
        ca_file=_text(get, "ca_file"),
        refresh_token=_text(get, "refresh_token"),
        user_id=_text(get, "user_id"),
        installation_id=_text(get, "installation_id"),
        selected_monitor_id=_text(get, "selected_monitor_id"),
        # --- proxy devices (issue 17) ---
        proxy_devices=parse_proxy_devices(get("proxy_devices")),
        kasa_bind=parse_bind(get("kasa_bind")),
    )
