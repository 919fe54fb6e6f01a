"""Replay fixtures: the recorded REST bodies behind respx, and a driver started against them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
import respx

from sense_energy_driver import SenseEnergyDriver
from tests.feed_server import FeedServer
from tests.recording_host import RecordingHost
from tests.replay.corpus import fixtures
from tests.sim_fixtures import FAST

BASE = "https://api.replay.test/apiservice/api/v1"
MON = "200001"
USER = "100001"

StartDriver = Callable[..., Awaitable[tuple[SenseEnergyDriver, RecordingHost]]]


def load(name: str) -> Any:
    """A corpus file by its index name."""
    return next(f for f in fixtures() if f.file == name).load()


@pytest.fixture
def cloud() -> Iterator[respx.MockRouter]:
    """The 2024 openHAB account's recorded bodies; tests swap in other recordings by route."""
    auth = load("rest/authenticate.openhab-2024.json")
    overview = load("rest/monitor_overview.openhab-2024.json")
    devices = load("rest/devices.openhab-2024.json")
    ok = httpx.Response
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{BASE}/authenticate", name="authenticate").mock(
            return_value=ok(200, json=auth)
        )
        router.get(f"{BASE}/app/monitors/{MON}/overview").mock(return_value=ok(200, json=overview))
        # no recording of devices/overview: the recorded list with the overview's checksum
        listing = {"devices": devices, "device_data_checksum": overview["device_data_checksum"]}
        router.get(f"{BASE}/app/monitors/{MON}/devices/overview", name="devices").mock(
            return_value=ok(200, json=listing)
        )
        router.get(f"{BASE}/app/monitors/{MON}/status", name="status").mock(
            return_value=ok(200, json=load("rest/monitor_status.openhab-2024.json"))
        )
        router.get(f"{BASE}/app/history/trends", name="trends").mock(
            return_value=ok(200, json=load("rest/history_trends.openhab-2024-day.json"))
        )
        router.get(f"{BASE}/users/{USER}/timeline", name="timeline").mock(
            return_value=ok(200, json=load("rest/timeline.unofficial-sense-2018.json"))
        )
        yield router


@pytest.fixture
async def driver_on(cloud: respx.MockRouter) -> AsyncIterator[StartDriver]:
    """start(feed, zones) -> (driver, host), connected to `cloud` and the given feed server."""
    made: list[SenseEnergyDriver] = []

    async def start(feed: FeedServer, zones: list[str]) -> tuple[SenseEnergyDriver, RecordingHost]:
        attrs = {"username": "u@example.invalid", "password": "pw", "api_url": BASE}
        host = RecordingHost(attributes=attrs | {"realtime_url": feed.url}, zones=zones)
        driver = SenseEnergyDriver(host, timing=FAST)
        made.append(driver)
        await driver.connect()
        return driver, host

    yield start
    for driver in made:
        await driver.disconnect()
