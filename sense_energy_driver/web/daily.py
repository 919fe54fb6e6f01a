"""kWh per day for the last 30 days, from the history Sense already keeps (driver `get_usage`).

Sense has every past day from the start, while the local store only has the days this host ran,
so the dashboard asks the driver: one `get_usage` DAY request per day, asked at local noon of that
day, oldest first, each past day once per process and today again every few minutes. Nothing is
fetched until a page or an API client first asks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime, timedelta

from ..errors import SenseError

__all__ = ["DailyUsage"]

_LOGGER = logging.getLogger(__name__)

DAYS = 30
TODAY_EVERY_S = 300.0
RETRY_S = 30.0
CONNECTED = frozenset({"connected", "polling"})

Command = Callable[[Mapping[str, object]], Awaitable[object]]


def _local_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12).astimezone()


class DailyUsage:
    """Fetches and keeps the last `days` days' kWh; tells a listener whenever they change."""

    def __init__(
        self,
        command: Command,
        *,
        ready: Callable[[], bool],
        days: int = DAYS,
        today_every: float = TODAY_EVERY_S,
        retry: float = RETRY_S,
        clock: Callable[[], float] = time.time,
        on_update: Callable[[dict[str, object]], None] | None = None,
    ) -> None:
        self._command = command
        self._ready = ready
        self._days = days
        self._today_every = today_every
        self._retry = retry
        self._clock = clock
        self._on_update = on_update
        self._kwh: dict[date, float] = {}
        self._today_at: float | None = None
        self._error = ""
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def ensure_started(self) -> None:
        """Start fetching (once); later calls do nothing."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="sense-web-daily")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def poke(self) -> None:
        """Look again now (the driver just connected)."""
        self._wake.set()

    def _today(self) -> date:
        return datetime.fromtimestamp(self._clock()).astimezone().date()

    def snapshot(self) -> dict[str, object]:
        """{"days": [{"date", "kwh"}...] oldest first (kwh null until fetched), "error"}."""
        today = self._today()
        days = [today - timedelta(days=back) for back in range(self._days - 1, -1, -1)]
        return {
            "days": [{"date": d.isoformat(), "kwh": self._kwh.get(d)} for d in days],
            "complete": all(d in self._kwh for d in days),
            "error": self._error,
        }

    async def _run(self) -> None:
        while True:
            try:
                delay = await self._fetch_due() if self._ready() else self._retry
            except SenseError as err:
                self._error = f"daily kWh: {err}"
                _LOGGER.info("daily kWh not fetched: %s", err)
                delay = self._retry
                self._announce()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()

    async def _fetch_due(self) -> float:
        """Fetch the days not known yet and a stale today; seconds until today is due again."""
        today = self._today()
        changed = False
        for back in range(self._days - 1, 0, -1):
            day = today - timedelta(days=back)
            if day not in self._kwh:
                self._kwh[day] = await self._fetch(_local_noon(day))
                changed = True
        now = self._clock()
        if self._today_at is None or now - self._today_at >= self._today_every:
            self._kwh[today] = await self._fetch(datetime.fromtimestamp(now, UTC))
            self._today_at = now
            changed = True
        for day in [d for d in self._kwh if (today - d).days >= self._days]:
            del self._kwh[day]
        if changed or self._error:
            self._error = ""
            self._announce()
        return max(1.0, self._today_every - (self._clock() - (self._today_at or now)))

    async def _fetch(self, when: datetime) -> float:
        result = await self._command(
            {"action": "get_usage", "scale": "DAY", "start": when.astimezone(UTC).isoformat()}
        )
        kwh = result.get("usage_kwh") if isinstance(result, dict) else None
        return round(float(kwh), 3) if isinstance(kwh, int | float) else 0.0

    def _announce(self) -> None:
        if self._on_update is not None:
            self._on_update(self.snapshot())
