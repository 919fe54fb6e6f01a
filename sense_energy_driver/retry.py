"""REST retries: tenacity's AsyncRetrying with the Backoff formula, Retry-After, escalation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_random,
)
from tenacity.wait import wait_base

from .backoff import Backoff
from .const import BACKOFF_MAX_S, REST_RETRY_ATTEMPTS, REST_RETRY_MAX_WAIT_S
from .errors import (
    SenseConnectionError,
    SenseEndpointError,
    SenseRateLimitError,
    SenseServerError,
)

__all__ = ["Retrier", "RetryPolicy", "transient"]

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

# A 429 asking for a longer wait than this goes to the caller instead of holding one call open.
_RATE_LIMIT_WAIT_MAX_S = BACKOFF_MAX_S


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff for transient REST failures: the Backoff formula from `initial`, capped at
    `max_wait`, plus up to `jitter` seconds."""

    attempts: int = REST_RETRY_ATTEMPTS
    initial: float = 1.0
    max_wait: float = REST_RETRY_MAX_WAIT_S
    multiplier: float = 2.0
    jitter: float = 1.0

    def wait(self) -> wait_base:
        """The tenacity wait strategy of this policy."""
        formula = Backoff(
            initial=self.initial, maximum=self.max_wait, multiplier=self.multiplier, jitter=0.0
        )
        return formula.wait() + wait_random(0, self.jitter)


def transient(err: BaseException) -> bool:
    """Worth asking again: the network, a 5xx, or a 429 with a wait short enough to sit out."""
    if isinstance(err, SenseRateLimitError):
        return err.retry_after <= _RATE_LIMIT_WAIT_MAX_S
    if isinstance(err, SenseEndpointError):
        return False  # refused, TLS, not the API: configuration, not a glitch
    return isinstance(err, SenseConnectionError | SenseServerError)


class Retrier:
    """Runs one operation with retries; the first failure of a kind per operation is a WARNING,
    repeats DEBUG, and "succeeded again" an INFO."""

    def __init__(
        self, policy: RetryPolicy, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    ) -> None:
        self._retry = policy
        self._sleep = sleep
        self._warned: set[tuple[str, str]] = set()

    def forget_warnings(self) -> None:
        self._warned.clear()

    async def run(self, name: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """`attempt()` until it succeeds, fails for good, or the attempts are used up."""
        policy = self._retry
        attempts = max(1, policy.attempts)
        backoff = policy.wait()

        def wait(state: RetryCallState) -> float:
            delay = min(float(backoff(state)), policy.max_wait)
            err = state.outcome.exception() if state.outcome is not None else None
            if isinstance(err, SenseRateLimitError):
                return max(delay, err.retry_after)  # never sooner than Sense asked
            return delay

        def before_sleep(state: RetryCallState) -> None:
            err = state.outcome.exception() if state.outcome is not None else None
            delay = state.next_action.sleep if state.next_action is not None else 0.0
            kind = (name, type(err).__name__)
            level = logging.DEBUG if kind in self._warned else logging.WARNING
            self._warned.add(kind)
            _LOGGER.log(
                level,
                "%s failed (attempt %d of %d): %s; retrying in %.2f s",
                name,
                state.attempt_number,
                attempts,
                err,
                delay,
            )

        retrying = AsyncRetrying(
            sleep=self._sleep,
            stop=stop_after_attempt(attempts),
            wait=wait,
            retry=retry_if_exception(transient),
            before_sleep=before_sleep,
            reraise=True,
        )
        async for step in retrying:
            with step:
                result = await attempt()
        if any(kind[0] == name for kind in self._warned):
            self._warned = {kind for kind in self._warned if kind[0] != name}
            _LOGGER.info("%s succeeded again", name)
        return result
