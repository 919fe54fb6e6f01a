"""A respx cloud serving real-cloud-shaped bodies, a loopback feed, and drivers wired to both."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from sense_energy_driver import SenseEnergyDriver, Timing
from tests.feed_server import FeedServer, json_frame
from tests.recording_host import RecordingHost
from tests.sim_fixtures import FAST
from tests.unit import real_bodies as real

BASE = real.BASE
MON = str(real.MONITOR)
AUTHENTICATE = f"{BASE}/authenticate"
RENEW = f"{BASE}/renew"
MONITOR_OVERVIEW = f"{BASE}/app/monitors/{MON}/overview"
DEVICES = f"{BASE}/app/monitors/{MON}/devices/overview"
STATUS = f"{BASE}/app/monitors/{MON}/status"
TRENDS = f"{BASE}/app/history/trends"
USAGE = f"{BASE}/app/monitors/{MON}/history/usage"
SOLAR = f"{BASE}/app/monitors/{MON}/history/usage/solar"


@pytest.fixture
def cloud() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        ok, missing = httpx.Response, httpx.Response(404, json={"status": "error"})
        router.post(AUTHENTICATE, name="authenticate").mock(
            return_value=ok(200, json=real.authenticate())
        )
        router.post(RENEW, name="renew").mock(return_value=ok(200, json=real.renew()))
        router.get(MONITOR_OVERVIEW, name="monitor_overview").mock(
            return_value=ok(200, json=real.MONITOR_OVERVIEW)
        )
        router.get(DEVICES, name="devices").mock(return_value=ok(200, json=real.DEVICES_OVERVIEW))
        router.get(STATUS, name="status").mock(return_value=ok(200, json=real.STATUS))
        router.get(TRENDS, name="trends").mock(return_value=ok(200, json=real.trends()))
        router.get(USAGE, name="usage").mock(return_value=missing)
        router.get(SOLAR, name="solar").mock(return_value=missing)
        yield router


@pytest.fixture
async def feed() -> AsyncIterator[FeedServer]:
    hello = json_frame("hello", {"online": True})
    async with FeedServer(preamble=[hello]) as server:
        yield server


@pytest.fixture
async def drivers() -> AsyncIterator[list[SenseEnergyDriver]]:
    made: list[SenseEnergyDriver] = []
    yield made
    for driver in made:
        await driver.disconnect()


def host_for(feed: FeedServer, **attrs: object) -> RecordingHost:
    base: dict[str, object] = {
        "username": "@".join(("owner", "example.com")),
        "password": "canary-PW-5d1e9b",
        "api_url": BASE,
        "realtime_url": feed.url,
    }
    return RecordingHost(attributes=base | attrs)


async def started(
    drivers: list[SenseEnergyDriver], host: RecordingHost, timing: Timing = FAST
) -> SenseEnergyDriver:
    driver = SenseEnergyDriver(host, timing=timing)
    drivers.append(driver)
    await driver.connect()
    return driver


STORED = {"refresh_token": "refresh-1", "user_id": str(real.USER), "selected_monitor_id": MON}


class Calls:
    """Counts a respx route's calls and lets a test await the n-th (respx routes tell no one)."""

    def __init__(self, route: respx.Route) -> None:
        self.count = 0
        self._answer = route.return_value
        self._reached: dict[int, asyncio.Event] = {}
        route.side_effect = self._hit

    def _hit(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        for n, event in self._reached.items():
            if self.count >= n:
                event.set()
        assert self._answer is not None
        return self._answer

    async def reach(self, n: int, timeout: float = 10.0) -> None:
        event = self._reached.setdefault(n, asyncio.Event())
        if self.count >= n:
            event.set()
        async with asyncio.timeout(timeout):
            await event.wait()
