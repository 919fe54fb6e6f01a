"""Every wait the driver makes, in one injectable place so tests run fast."""

from __future__ import annotations

from dataclasses import dataclass, field

from .backoff import Backoff
from .const import COMMAND_DEADLINE_S, CONNECT_DEADLINE_S, FEED_INACTIVITY_TIMEOUT_S
from .session import RetryPolicy

__all__ = ["Timing"]


@dataclass(frozen=True, slots=True)
class Timing:
    """The driver's waits and deadlines.

    `interval_scale` multiplies the driver's own periods (status_interval, the REST fallback's
    rate, the history refresh, the device-list rate limit); 1.0 in production.
    """

    backoff: Backoff = field(default_factory=Backoff)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    inactivity_timeout: float = FEED_INACTIVITY_TIMEOUT_S
    interval_scale: float = 1.0
    fallback_after: int = 3
    reconnect_timeout: float = 30.0
    connect_deadline: float = CONNECT_DEADLINE_S
    command_deadline: float = COMMAND_DEADLINE_S
