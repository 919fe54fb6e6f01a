"""How loud a failure that keeps repeating is: heard once, then summarised, never a flood.

The first failure of an outage is a WARNING; the retries after it are DEBUG; every `summary_every`
failures a WARNING again says how long it has lasted. A success ends the outage, so the next
failure is a WARNING again. Time is injectable.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["RepeatedFailure"]


class RepeatedFailure:
    """The log level and the outage so far for each failure of one kind (a connection, a poll)."""

    def __init__(
        self, *, summary_every: int = 12, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if summary_every < 1:
            raise ValueError(f"summary_every must be 1 or more, got {summary_every}")
        self.summary_every = summary_every
        self._clock = clock
        self.count = 0
        self._since: float | None = None

    def failed(self) -> int:
        """Count one failure; its level: WARNING for the first and every summary, else DEBUG."""
        if self._since is None:
            self._since = self._clock()
        self.count += 1
        first_or_summary = self.count == 1 or self.count % self.summary_every == 0
        return logging.WARNING if first_or_summary else logging.DEBUG

    @property
    def seconds(self) -> float:
        """How long the outage has lasted (0 while none)."""
        return 0.0 if self._since is None else self._clock() - self._since

    def recovered(self) -> bool:
        """A success: the outage is over. True if there was one (worth an INFO line)."""
        was = self.count > 0
        self.count = 0
        self._since = None
        return was
