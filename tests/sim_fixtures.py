"""Shared fixtures: a simulated Sense cloud on loopback and a driver wired to a recording host."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from sense_energy_driver import SenseEnergyDriver, Timing
from sense_energy_driver.backoff import Backoff
from sense_energy_driver.session import RetryPolicy
from sense_energy_driver.simulator import SenseSimulator
from sense_energy_driver.simulator import server as simulator_server
from tests.recording_host import RecordingHost

FAST = Timing(
    backoff=Backoff(initial=0.05, maximum=0.4, jitter=0.1),
    retry=RetryPolicy(attempts=4, initial=0.01, max_wait=0.05, jitter=0.0),
    inactivity_timeout=1.0,
    interval_scale=0.001,
    reconnect_timeout=5.0,
)


def attributes_for(sim: SenseSimulator, **extra: object) -> dict[str, object]:
    return {
        "username": sim.email,
        "password": sim.password,
        "api_url": sim.api_url,
        "realtime_url": sim.realtime_url,
        **extra,
    }


# The loopback suites run against both simulator profiles: "real" answers as the recorded Sense
# cloud (tests/fixtures/real), "spec" as the OpenAPI document; the driver must work with either.
PROFILES = ("real", "spec")


@pytest.fixture(params=PROFILES, autouse=True)
def sim_profile(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every simulator a test starts, with or without this fixture, uses this profile."""
    profile = str(request.param)
    monkeypatch.setattr(simulator_server, "DEFAULT_PROFILE", profile)
    return profile


@pytest.fixture
async def sim() -> AsyncIterator[SenseSimulator]:
    """A simulator in the suite's profile (autouse `sim_profile` sets it first; default real)."""
    async with SenseSimulator(interval=0.05, seed=3) as simulator:
        yield simulator


MakeDriver = Callable[..., Awaitable[tuple[SenseEnergyDriver, RecordingHost]]]


@pytest.fixture
async def make_driver() -> AsyncIterator[MakeDriver]:
    """Build (and at the end disconnect) drivers; checks that nothing is left running."""
    made: list[SenseEnergyDriver] = []
    before = set(asyncio.all_tasks())

    async def make(
        sim: SenseSimulator,
        *,
        zones: list[str] | None = None,
        timing: Timing = FAST,
        connect: bool = True,
        **attrs: Any,
    ) -> tuple[SenseEnergyDriver, RecordingHost]:
        host = RecordingHost(attributes=attributes_for(sim, **attrs), zones=list(zones or []))
        driver = SenseEnergyDriver(host, timing=timing)
        made.append(driver)
        if connect:
            await driver.connect()
        return driver, host

    yield make
    for driver in made:
        await driver.disconnect()
    await asyncio.sleep(0)  # let cancelled tasks finish unwinding
    left = {t for t in asyncio.all_tasks() - before if not t.done()}
    left.discard(asyncio.current_task())  # type: ignore[arg-type]
    assert not [t.get_name() for t in left if t.get_name().startswith("sense-")]
