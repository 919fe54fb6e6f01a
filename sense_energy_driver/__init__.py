"""sense_energy_driver: a home-automation host driver for Sense energy monitors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    SenseAuthError,
    SenseBadRequestError,
    SenseCommandError,
    SenseConfigError,
    SenseConnectionError,
    SenseEndpointError,
    SenseError,
    SenseFeedClosedError,
    SenseForbiddenError,
    SenseMfaRequiredError,
    SenseNotFoundError,
    SenseProtocolError,
    SenseRateLimitError,
    SenseServerError,
    SenseTimeoutError,
    SenseTokenExpiredError,
)
from .host import Host

if TYPE_CHECKING:
    from .driver import SenseEnergyDriver, Timing
    from .realtime import FeedStatus

__version__ = "0.1.0"

__all__ = [
    "FeedStatus",
    "Host",
    "SenseAuthError",
    "SenseBadRequestError",
    "SenseCommandError",
    "SenseConfigError",
    "SenseConnectionError",
    "SenseEndpointError",
    "SenseEnergyDriver",
    "SenseError",
    "SenseFeedClosedError",
    "SenseForbiddenError",
    "SenseMfaRequiredError",
    "SenseNotFoundError",
    "SenseProtocolError",
    "SenseRateLimitError",
    "SenseServerError",
    "SenseTimeoutError",
    "SenseTokenExpiredError",
    "Timing",
    "__version__",
]


def __getattr__(name: str) -> Any:
    """Import the driver on first use, so `sense_energy_driver.simulator` stays light."""
    if name in ("SenseEnergyDriver", "Timing"):
        from . import driver

        return getattr(driver, name)
    if name == "FeedStatus":
        from .realtime import FeedStatus

        return FeedStatus
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
