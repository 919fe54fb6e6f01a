"""Proxy devices: loads Sense cannot see, reported to its monitor as Kasa energy-monitoring plugs.

devices.py (what is declared), readings.py (what each reads now), codec.py (the XOR wire form),
answers.py (what the plugs say), ratelimit.py and server.py (the sockets), service.py (the whole,
as the driver uses it). See docs/proxy-devices.md.
"""

from __future__ import annotations

from .devices import (
    DEFAULT_KASA_BIND,
    MAX_WATTS,
    BindAddress,
    ProxyDevice,
    Source,
    SourceKind,
    parse_bind,
    parse_proxy_devices,
)
from .ratelimit import RateLimit
from .server import KasaCounters
from .service import ProxyService

__all__ = [
    "DEFAULT_KASA_BIND",
    "MAX_WATTS",
    "BindAddress",
    "KasaCounters",
    "ProxyDevice",
    "ProxyService",
    "RateLimit",
    "Source",
    "SourceKind",
    "parse_bind",
    "parse_proxy_devices",
]
