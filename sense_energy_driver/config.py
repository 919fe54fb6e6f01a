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
from .redact import shown
from .totp import totp_code
from .transport.tls import client_ssl_context

__all__ = ["DriverConfig", "read_config"]

GetAttribute = Callable[[str], object | None]
Log = Callable[[int, str], None]

# Longest interval accepted (a day); a larger one is a typo, and 10**400 would overflow a float.
_MAX_INTERVAL_MS = 86_400_000


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
            f"attribute '{name}' must be an integer (milliseconds), got {shown(value)}"
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
        f"attribute '{name}' must be an integer number of milliseconds, got {shown(value)}"
    )


def _clamped_ms(get: GetAttribute, log: Log, name: str, default: int, minimum: int) -> float:
    value = _integer(get, name, default)
    if value > _MAX_INTERVAL_MS:
        raise SenseConfigError(
            f"attribute '{name}' must be at most {_MAX_INTERVAL_MS} ms (a day), got {shown(value)}"
        )
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
    raise SenseConfigError(f"attribute '{name}' must be true or false, got {shown(value)}")


def _url(get: GetAttribute, name: str, default: str, schemes: tuple[str, ...]) -> str:
    value = _text(get, name) or default
    kinds = " or ".join(s + "://" for s in schemes)
    try:
        parts = urlsplit(value)
        valid = parts.scheme in schemes and bool(parts.hostname)
        _ = parts.port  # a port that is not a number (or out of range) raises here
    except ValueError as err:
        raise SenseConfigError(
            f"attribute '{name}' is not a valid URL ({err}): {shown(value)}"
        ) from None
    if not valid or any(c.isspace() for c in value):
        raise SenseConfigError(f"attribute '{name}' must be a {kinds} URL, got {shown(value)}")
    return value.rstrip("/")


def _totp(get: GetAttribute) -> str | None:
    secret = _text(get, "totp_secret")
    if secret is not None:
        totp_code(secret, at=0)  # raises SenseConfigError naming totp_secret if not base32
    return secret


def _ca_file(get: GetAttribute) -> str | None:
    path = _text(get, "ca_file")
    if path is not None:
        client_ssl_context(path)  # raises SenseConfigError naming ca_file if it cannot load
    return path


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
        totp_secret=_totp(get),
        follow_retraining=_flag(get, "follow_retraining"),
        realtime_poll_s=_clamped_ms(
            get,
            log,
            "realtime_poll_interval",
            int(REALTIME_POLL_DEFAULT_S * 1000),
            int(REALTIME_POLL_MIN_S * 1000),
        ),
        ca_file=_ca_file(get),
        refresh_token=_text(get, "refresh_token"),
        user_id=_text(get, "user_id"),
        installation_id=_text(get, "installation_id"),
        selected_monitor_id=_text(get, "selected_monitor_id"),
        # --- proxy devices (issue 17) ---
        proxy_devices=parse_proxy_devices(get("proxy_devices")),
        kasa_bind=parse_bind(get("kasa_bind")),
    )
