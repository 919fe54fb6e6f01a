"""Exponential backoff with jitter: the one formula every reconnect and retry wait uses."""

from __future__ import annotations

import random
from dataclasses import dataclass

from .const import BACKOFF_INITIAL_S, BACKOFF_MAX_S, BACKOFF_MULTIPLIER

__all__ = ["Backoff"]


@dataclass(frozen=True, slots=True)
class Backoff:
    """initial × multiplier^(n−1), capped, plus up to `jitter` of itself so clients spread out.

    Tests pass `Backoff(initial=0)` (or a small scale) so that no test waits on real time.
    """

    initial: float = BACKOFF_INITIAL_S
    maximum: float = BACKOFF_MAX_S
    multiplier: float = BACKOFF_MULTIPLIER
    jitter: float = 0.25

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after `failures` consecutive failures (0 failures: no wait)."""
        if failures <= 0 or self.initial <= 0:
            return 0.0
        exponent = min(failures - 1, 64)  # past the cap already; never overflow a float
        base = min(self.maximum, self.initial * self.multiplier**exponent)
        spread = (rng or random).random() * self.jitter * base
        return min(self.maximum, base + spread)
