"""The one task runtime: every background task of a driver runs here, watched and restarted.

A task that raises anything (a bug, a value nobody foresaw) is reported once per crash through
`on_crash` (which logs it redacted and writes feed_status/last_error), then started again after a
backoff that grows with crashes in a row. `stop()` cancels everything and waits for it; the
caller's own cancellation is never swallowed.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from .backoff import Backoff

__all__ = ["Supervisor"]

_LOGGER = logging.getLogger(__name__)

# A task that ran this long before crashing starts its backoff over.
_HEALTHY_AFTER_S = 60.0

Factory = Callable[[], Coroutine[Any, Any, None]]
OnCrash = Callable[[str, BaseException, int], Awaitable[None]]


class Supervisor:
    """Named background tasks, each restarted with backoff when it raises."""

    def __init__(
        self,
        *,
        on_crash: OnCrash,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._on_crash = on_crash
        self._backoff = backoff or Backoff()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._sleep = sleep
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.crashes = 0

    @property
    def names(self) -> list[str]:
        """Names of the tasks running now."""
        return [name for name, task in self._tasks.items() if not task.done()]

    def running(self, name: str) -> bool:
        task = self._tasks.get(name)
        return task is not None and not task.done()

    def spawn(self, name: str, factory: Factory, *, restart: bool = True) -> None:
        """Run `factory()` as task `name` (no-op if it runs already); restart it when it raises."""
        if self.running(name):
            return
        task = asyncio.get_running_loop().create_task(
            self._watch(name, factory, restart), name=name
        )
        self._tasks[name] = task

    async def cancel(self, name: str) -> None:
        """Stop one task and wait until it has stopped."""
        task = self._tasks.pop(name, None)
        if task is not None:
            await _stop([task])

    async def stop(self) -> None:
        """Stop every task and wait for all of them; re-raises the caller's own cancellation."""
        tasks = list(self._tasks.values())
        self._tasks.clear()
        await _stop(tasks)

    async def _watch(self, name: str, factory: Factory, restart: bool) -> None:
        crashes = 0
        while True:
            started = time.monotonic()
            try:
                await factory()
                return
            except Exception as err:  # the point of a supervisor
                if time.monotonic() - started >= _HEALTHY_AFTER_S:
                    crashes = 0
                crashes += 1
                self.crashes += 1
                try:
                    await self._on_crash(name, err, crashes)
                except Exception:  # a failing reporter must not end the watch
                    _LOGGER.debug("crash report for %s failed", name, exc_info=True)
            if not restart:
                return
            await self._sleep(self._backoff.delay(crashes, self._rng))


async def _stop(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel and await tasks. If the caller itself is cancelled meanwhile, that propagates."""
    current = asyncio.current_task()
    tasks = [t for t in tasks if t is not current]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks)
