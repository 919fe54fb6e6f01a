"""A simulated Sense cloud on loopback: REST API, realtime feed, scenarios and faults.

`async with SenseSimulator() as sim:` serves both on 127.0.0.1; see docs/simulator.md.
"""

from __future__ import annotations

from .layout import (
    DEFAULT_EMAIL,
    DEFAULT_PASSWORD,
    NEW_FIRMWARE,
    OLD_FIRMWARE,
    OTHER_EMAIL,
    OTHER_PASSWORD,
    DeviceSpec,
    MonitorSpec,
    RateLimit,
)
from .meter import Sample
from .observe import RequestRecord
from .profiles import KINDS
from .server import SenseSimulator
from .wire import MALFORMED_KINDS

__all__ = [
    "DEFAULT_EMAIL",
    "DEFAULT_PASSWORD",
    "KINDS",
    "MALFORMED_KINDS",
    "NEW_FIRMWARE",
    "OLD_FIRMWARE",
    "OTHER_EMAIL",
    "OTHER_PASSWORD",
    "DeviceSpec",
    "MonitorSpec",
    "RateLimit",
    "RequestRecord",
    "Sample",
    "SenseSimulator",
]
