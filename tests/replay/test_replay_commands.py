"""Recorded REST bodies through the driver's commands: what a user sees from each recording."""

from __future__ import annotations

import re

import httpx
import pytest
import respx

from tests.feed_server import FeedServer
from tests.replay.conftest import StartDriver, load
from tests.replay.corpus import Fixture, fixtures, shown_by_the_app


@pytest.mark.parametrize("fx", fixtures("rest", "devices"), ids=lambda f: f.file)
async def test_get_devices_lists_what_the_app_lists(
    fx: Fixture, cloud: respx.MockRouter, driver_on: StartDriver
) -> None:
    body = fx.load()
    listing = {"devices": body, "device_data_checksum": "C0FFEE"}
    cloud.routes["devices"].mock(return_value=httpx.Response(200, json=listing))
    async with FeedServer() as feed:
        driver, _ = await driver_on(feed, [])
        got = await driver.command({"action": "get_devices"})
    assert isinstance(got, list)
    shown = {d["name"] for d in got}
    # One device per id, the later entry winning: the 2018 README masked ids as x's, so its
    # Microwave and its hidden "Stove 2" share one id there.
    by_id = {d["id"]: d for d in body}
    assert shown == {d["name"] for d in by_id.values() if shown_by_the_app(d["tags"])}
    assert shown, "every recording has at least one visible device"
    hidden = {d["name"] for d in body if not shown_by_the_app(d["tags"])}
    assert not shown & hidden


@pytest.mark.parametrize("fx", fixtures("rest", "monitor_status"), ids=lambda f: f.file)
async def test_get_monitor_status_reports_the_signal_as_sense_gives_it(
    fx: Fixture, cloud: respx.MockRouter, driver_on: StartDriver
) -> None:
    body = fx.load()
    cloud.routes["status"].mock(return_value=httpx.Response(200, json=body))
    async with FeedServer() as feed:
        driver, _ = await driver_on(feed, [])
        got = await driver.command({"action": "get_monitor_status"})
    assert isinstance(got, dict)
    info = body["monitor_info"]
    if info.get("wifi_strength") is not None:  # 2024: a positive figure without a unit
        assert (got["wifi_strength"], got["wifi_unit"]) == (info["wifi_strength"], None)
    elif info.get("signal"):  # 2018: text with its unit
        number, unit = re.fullmatch(r"(-?\d+) (\w+)", info["signal"]).groups()  # type: ignore[union-attr]
        assert (got["wifi_strength"], got["wifi_unit"]) == (int(number), unit)
    else:  # 2017: neither (the stored page ends before it)
        assert (got["wifi_strength"], got["wifi_unit"]) == (None, None)
    assert got["devices_found"] == body["device_detection"]["num_detected"]
    assert got["firmware"] == info.get("version", "")


@pytest.mark.parametrize("fx", fixtures("rest", "history_trends"), ids=lambda f: f.file)
async def test_get_usage_and_get_solar_from_the_recorded_trends(
    fx: Fixture, cloud: respx.MockRouter, driver_on: StartDriver
) -> None:
    trends = fx.load()
    cloud.routes["trends"].mock(return_value=httpx.Response(200, json=trends))
    async with FeedServer() as feed:
        driver, _ = await driver_on(feed, [])
        usage = await driver.command({"action": "get_usage", "scale": "DAY"})
        solar = await driver.command({"action": "get_solar", "scale": "DAY"})
    assert isinstance(usage, dict) and isinstance(solar, dict)
    assert usage["usage_kwh"] == trends["consumption"]["total"]
    assert [(d["id"], d["name"], d["kwh"]) for d in usage["devices"]] == [
        (d["id"], d["name"], d["total_kwh"]) for d in trends["consumption"]["devices"]
    ]
    # `start` echoes the asked time; Sense's own period start is `period_start` (None when the
    # recording has no start, as the totals one)
    assert usage["period_start"] == trends.get("start")
    assert solar["period_start"] == trends.get("start")
    assert solar["production_kwh"] == trends["production"]["total"]
    # get_solar reports null for what the body does not carry (the totals recording's grid
    # flows), never a made-up 0.0
    assert (solar["to_grid_kwh"], solar["from_grid_kwh"], solar["solar_pct"]) == (
        trends.get("to_grid"),
        trends.get("from_grid"),
        trends.get("solar_powered"),
    )


async def test_get_usage_reports_the_recorded_trends_device_entry(
    cloud: respx.MockRouter, driver_on: StartDriver
) -> None:
    (fx,) = fixtures("fragment", "history_trends.consumption.devices")
    entries = fx.load()["devices"]
    body = {"consumption": {"devices": entries}}  # the fragment in the body it was cut from
    cloud.routes["trends"].mock(return_value=httpx.Response(200, json=body))
    async with FeedServer() as feed:
        driver, _ = await driver_on(feed, [])
        usage = await driver.command({"action": "get_usage", "scale": "DAY"})
    assert isinstance(usage, dict)
    assert usage["devices"] == [
        {"id": d["id"], "name": d["name"], "icon": d["icon"], "kwh": d["total_kwh"]}
        for d in entries
    ]
    assert usage["devices"][0]["kwh"] == 2.6450672  # Wine Cooler's day, as recorded


async def test_get_monitor_status_from_the_recorded_monitor_info(
    cloud: respx.MockRouter, driver_on: StartDriver
) -> None:
    (fx,) = fixtures("fragment", "monitor_status.monitor_info")
    info = fx.load()["monitor_info"]
    cloud.routes["status"].mock(return_value=httpx.Response(200, json={"monitor_info": info}))
    async with FeedServer() as feed:
        driver, _ = await driver_on(feed, [])
        got = await driver.command({"action": "get_monitor_status"})
    assert got == {
        "firmware": info["version"],
        "wifi_strength": info["wifi_strength"],  # 86, a figure without a unit
        "wifi_unit": None,
        "devices_found": None,  # no device_detection member: unknown, not 0
        "detection_running": None,
    }


async def test_get_timeline_from_the_recorded_timeline(driver_on: StartDriver) -> None:
    timeline = load("rest/timeline.unofficial-sense-2018.json")
    async with FeedServer() as feed:
        driver, _ = await driver_on(feed, [])
        got = await driver.command({"action": "get_timeline", "n_items": 30})
    assert isinstance(got, dict)
    assert [(i["type"], i["device_name"]) for i in got["items"]] == [
        (i["type"], i["device_name"]) for i in timeline["items"]
    ]
