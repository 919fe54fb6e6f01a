"""Exponential backoff with jitter: the one formula every reconnect and retry wait uses.

tenacity is the one retry engine: `Backoff.wait()` is a tenacity wait strategy, used as it is by
the REST retries (session.py, under tenacity's AsyncRetrying), and `Backoff.delay()` asks that
same strategy for the reconnect loops (feed, login, supervisor). Those loops keep their own
`while` because they are unbounded and stateful: a connection that delivered a sample resets the
count, a paused feed is told apart from a broken one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tenacity import RetryCallState, Retrying
from tenacity.wait import wait_base, wait_exponential

from .const import BACKOFF_INITIAL_S, BACKOFF_MAX_S, BACKOFF_MULTIPLIER

__all__ = ["Backoff"]

_LOOP = Retrying()  # only as the owner of the call states `delay()` hands to the strategy


class _Jittered(wait_base):
    """tenacity's exponential wait plus up to `jitter` of itself, from an injectable rng."""

    def __init__(self, backoff: Backoff, rng: random.Random | None) -> None:
        self._backoff = backoff
        self._rng = rng
        self._base = wait_exponential(
            multiplier=backoff.initial, exp_base=backoff.multiplier, max=backoff.maximum
        )

    def __call__(self, retry_state: RetryCallState) -> float:
        b = self._backoff
        if retry_state.attempt_number <= 0 or b.initial <= 0:
            return 0.0
        base = min(b.maximum, float(self._base(retry_state)))
        spread = (self._rng or random).random() * b.jitter * base
        return min(b.maximum, base + spread)


@dataclass(frozen=True, slots=True)
class Backoff:
    """initial × multiplier^(n−1), capped, plus up to `jitter` of itself so clients spread out.

    Tests pass `Backoff(initial=0)` (or a small scale) so that no test waits on real time.
    """

    initial: float = BACKOFF_INITIAL_S
    maximum: float = BACKOFF_MAX_S
    multiplier: float = BACKOFF_MULTIPLIER
    jitter: float = 0.25

    def wait(self, rng: random.Random | None = None) -> wait_base:
        """This backoff as a tenacity wait strategy."""
        return _Jittered(self, rng)

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after `failures` consecutive failures (0 failures: no wait)."""
        state = RetryCallState(_LOOP, None, (), {})
        state.attempt_number = max(0, min(failures, 64))  # past the cap already: no overflow
        return float(self.wait(rng)(state))
