"""The task runtime: the supervisor, the periodic loop, escalation, and the configuration reader
against values no host should send."""

from __future__ import annotations

import asyncio
import logging
import math

import pytest

from sense_energy_driver.backoff import Backoff
from sense_energy_driver.config import read_config
from sense_energy_driver.errors import SenseConfigError, SenseConnectionError
from sense_energy_driver.loops import Escalation, Periodic
from sense_energy_driver.supervisor import Supervisor


async def test_a_crashing_task_is_reported_once_per_crash_and_restarted() -> None:
    crashes: list[tuple[str, str, int]] = []
    runs = 0
    third = asyncio.Event()

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        if runs < 3:
            raise ValueError(f"bad value {runs}")
        third.set()
        await asyncio.Event().wait()  # then runs for good

    async def on_crash(name: str, err: BaseException, n: int) -> None:
        crashes.append((name, str(err), n))

    supervisor = Supervisor(on_crash=on_crash, backoff=Backoff(initial=0))
    supervisor.spawn("sense-test", flaky)
    async with asyncio.timeout(5):
        await third.wait()
    assert crashes == [("sense-test", "bad value 1", 1), ("sense-test", "bad value 2", 2)]
    assert supervisor.names == ["sense-test"]
    await supervisor.stop()
    assert supervisor.names == []


async def test_a_failing_crash_reporter_does_not_end_the_watch() -> None:
    runs = 0
    again = asyncio.Event()

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise RuntimeError("first")
        again.set()

    async def broken_report(name: str, err: BaseException, n: int) -> None:
        raise OSError("the host's log is gone")

    supervisor = Supervisor(on_crash=broken_report, backoff=Backoff(initial=0))
    supervisor.spawn("sense-test", flaky)
    async with asyncio.timeout(5):
        await again.wait()
    await supervisor.stop()


async def test_stop_re_raises_the_callers_own_cancellation() -> None:
    release = asyncio.Event()

    async def stubborn() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await release.wait()  # cleanup that takes a while

    async def report(name: str, err: BaseException, n: int) -> None:
        raise AssertionError("no crash expected")

    supervisor = Supervisor(on_crash=report)
    supervisor.spawn("sense-stubborn", stubborn)
    await asyncio.sleep(0)  # let it start (not synchronisation: the task has no other way in)
    stopper = asyncio.create_task(supervisor.stop())
    await asyncio.sleep(0)
    stopper.cancel()  # the caller of stop() is cancelled while stop() waits
    with pytest.raises(asyncio.CancelledError):
        await stopper
    release.set()


async def test_woken_runs_are_rate_limited_but_the_first_is_immediate() -> None:
    now = [100.0]
    runs: list[float] = []
    gaps: list[float] = []
    ran = asyncio.Event()

    async def body() -> None:
        runs.append(now[0])
        ran.set()

    async def sleep(seconds: float) -> None:  # the rate limit's wait, on the fake clock
        gaps.append(seconds)
        now[0] += seconds

    loop = Periodic(
        body,
        interval=lambda: 3600.0,
        escalation=Escalation("test", lambda level, message: None),
        min_gap=5.0,
        clock=lambda: now[0],
        sleep=sleep,
    )
    task = asyncio.create_task(loop.run())
    try:
        async with asyncio.timeout(5):
            await ran.wait()  # the initial run
            ran.clear()
            now[0] += 1.0
            loop.wake()  # the first wake: at once
            await ran.wait()
            ran.clear()
            for _ in range(100):
                loop.wake()  # a storm: one run, after the gap
            await ran.wait()
    finally:
        task.cancel()
        await asyncio.wait([task])
    assert runs == [100.0, 101.0, 106.0]
    assert gaps == [5.0]


def test_escalation_warns_once_then_debug_then_a_summary_then_recovery() -> None:
    lines: list[tuple[int, str]] = []
    escalation = Escalation("poll", lambda level, message: lines.append((level, message)))
    for n in range(13):
        escalation.failed(SenseConnectionError(f"down {n}"))
    escalation.succeeded()
    levels = [level for level, _ in lines]
    assert levels[0] == logging.WARNING
    assert levels[1:11] == [logging.DEBUG] * 10
    assert levels[11] == logging.WARNING and "still failing after 12 attempts" in lines[11][1]
    assert levels[12] == logging.DEBUG
    assert lines[13] == (logging.INFO, "poll: recovered after 13 failure(s)")


ODD_VALUES: list[object] = [
    10**400,
    -(10**400),
    math.nan,
    math.inf,
    1.5,
    True,
    [],
    {},
    b"bytes",
    "x" * 100_000,
    "\x00\n\x1b[31m",
    "https://[abc",
    "1e400",
]
ATTRIBUTES = [
    "username",
    "password",
    "monitor_id",
    "status_interval",
    "api_url",
    "realtime_url",
    "totp_secret",
    "follow_retraining",
    "realtime_poll_interval",
    "ca_file",
]


@pytest.mark.parametrize("name", ATTRIBUTES)
def test_every_odd_value_is_accepted_or_a_config_error(name: str) -> None:
    refused: list[str] = []
    for value in ODD_VALUES:
        attrs: dict[str, object] = {"username": "u@example.com", "password": "pw", name: value}
        try:  # anything but a SenseConfigError fails the test
            read_config(attrs.get, lambda level, message: None)
        except SenseConfigError as err:
            refused.append(str(err))
    assert refused  # every attribute refuses some of these
    assert all(name in text and len(text) < 400 for text in refused), refused
