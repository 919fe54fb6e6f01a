"""Daily kWh: one request per past day once, today again when due, errors named and retried."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sense_energy_driver.errors import SenseConnectionError
from sense_energy_driver.web.daily import DailyUsage


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2027, 1, 15, 18, 0).astimezone().timestamp()

    def __call__(self) -> float:
        return self.now


class Usage:
    """A stand-in for driver.command: kWh = the requested day of the month; can fail."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.fail = 0

    async def __call__(self, cmd: Mapping[str, object]) -> object:
        assert cmd["action"] == "get_usage" and cmd["scale"] == "DAY"
        if self.fail:
            self.fail -= 1
            raise SenseConnectionError("cannot reach Sense: connection refused")
        start = str(cmd["start"])
        self.asked.append(start)
        day = datetime.fromisoformat(start).astimezone().day
        return {"usage_kwh": float(day)}


Updates = asyncio.Queue[dict[str, object]]


@asynccontextmanager
async def started(
    command: Usage, ready: Callable[[], bool] = lambda: True, **options: Any
) -> AsyncIterator[tuple[DailyUsage, Updates]]:
    """A running DailyUsage over the stand-in command, and the queue of what it announces."""
    updates: Updates = asyncio.Queue()
    daily = DailyUsage(command, ready=ready, on_update=updates.put_nowait, **options)
    daily.ensure_started()
    try:
        yield daily, updates
    finally:
        await daily.stop()


async def test_thirty_days_once_then_only_today_when_it_is_due() -> None:
    clock, command = Clock(), Usage()
    async with started(command, clock=clock, today_every=300) as (daily, updates):
        first = await asyncio.wait_for(updates.get(), 5)
        assert first["complete"] is True and first["error"] == ""
        days = first["days"]
        assert isinstance(days, list) and len(days) == 30
        assert days[-1] == {"date": "2027-01-15", "kwh": 15.0}
        assert days[0] == {"date": "2026-12-17", "kwh": 17.0}
        assert len(command.asked) == 30

        clock.now += 301  # today is due again; the past days are not
        daily.poke()
        again = await asyncio.wait_for(updates.get(), 5)
        assert len(command.asked) == 31
        assert again["days"] == days


async def test_a_failed_fetch_is_reported_and_retried() -> None:
    clock, command = Clock(), Usage()
    command.fail = 1
    async with started(command, clock=clock, retry=3600) as (daily, updates):
        failed = await asyncio.wait_for(updates.get(), 5)
        assert failed["complete"] is False
        assert failed["error"] == "daily kWh: cannot reach Sense: connection refused"
        daily.poke()  # the driver connected again: look now, not after the retry wait
        done = await asyncio.wait_for(updates.get(), 5)
        assert done["complete"] is True and done["error"] == ""


async def test_nothing_is_asked_before_the_driver_is_connected() -> None:
    command = Usage()
    connected = False
    looked = asyncio.Event()

    def ready() -> bool:
        looked.set()
        return connected

    async with started(command, ready, clock=Clock(), retry=3600) as (daily, updates):
        await asyncio.wait_for(looked.wait(), 5)  # it looked, and found the driver not ready
        assert command.asked == [] and daily.snapshot()["complete"] is False
        connected = True
        daily.poke()
        await asyncio.wait_for(updates.get(), 5)
        assert len(command.asked) == 30
