"""start_eagerly: a coroutine run at once, and the rest of it finished by whoever awaits it."""

from __future__ import annotations

import asyncio

import pytest

from sense_energy_driver.eager import start_eagerly


async def test_a_coroutine_that_never_waits_is_done_on_return() -> None:
    seen: list[str] = []

    async def store() -> None:
        seen.append("stored")

    assert start_eagerly(store()) is None
    assert seen == ["stored"]


async def test_what_it_raises_before_waiting_is_raised_at_once() -> None:
    async def broken() -> None:
        raise ValueError("host cannot store")

    with pytest.raises(ValueError, match="host cannot store"):
        start_eagerly(broken())


async def test_the_rest_runs_when_awaited_and_sees_what_it_waited_for() -> None:
    gate: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    steps: list[object] = []

    async def slow() -> None:
        steps.append("before")
        steps.append(await gate)
        await asyncio.sleep(0)  # a bare yield to the loop, then go on
        steps.append("after")

    rest = start_eagerly(slow())
    assert rest is not None
    assert steps == ["before"]  # the first step ran in the caller, then it waited
    task = asyncio.create_task(_await(rest))
    await asyncio.sleep(0)
    assert not task.done()
    gate.set_result(42)
    await asyncio.wait_for(task, 5)
    assert steps == ["before", 42, "after"]


async def test_an_error_after_waiting_reaches_the_awaiting_task() -> None:
    gate = asyncio.Event()

    async def fails_later() -> None:
        await gate.wait()
        raise RuntimeError("disk full")

    rest = start_eagerly(fails_later())
    assert rest is not None
    task = asyncio.create_task(_await(rest))
    gate.set()
    with pytest.raises(RuntimeError, match="disk full"):
        await asyncio.wait_for(task, 5)


async def test_cancelling_the_awaiting_task_cancels_the_coroutine_inside() -> None:
    cleaned = asyncio.Event()

    async def waits_forever() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cleaned.set()

    rest = start_eagerly(waits_forever())
    assert rest is not None
    task = asyncio.create_task(_await(rest))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned.is_set()


async def test_closing_the_rest_midway_closes_the_coroutine() -> None:
    closed = asyncio.Event()

    async def waits() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            closed.set()

    rest = start_eagerly(waits())
    assert rest is not None
    generator = rest.__await__()
    next(generator)  # as a task would start it
    generator.close()
    assert closed.is_set()


async def _await(rest: object) -> None:
    await rest  # type: ignore[misc]
