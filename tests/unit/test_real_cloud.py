"""The driver against real-cloud-shaped bodies: respx for REST, a loopback feed for frames."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
import respx

from sense_energy_driver import SenseEnergyDriver
from sense_energy_driver.poller import DeviceCatalog, tag_flag
from sense_energy_driver.restmodels import Device, MonitorSummary
from tests.feed_server import FeedServer, json_frame
from tests.unit import real_bodies as real
from tests.unit.real_cloud import (
    MON,
    STORED,
    Calls,
    cloud,
    drivers,
    feed,
    host_for,
    started,
)

__all__ = ["cloud", "drivers", "feed"]  # fixtures


async def test_a_restart_renews_and_follows_the_stored_monitor_without_a_password_login(
    cloud: respx.MockRouter, feed: FeedServer, drivers: list[SenseEnergyDriver]
) -> None:
    host = host_for(feed, **STORED)
    await started(drivers, host)
    await feed.wait_for(lambda: feed.open_now == 1)
    feed.send(json_frame("realtime_update", real.realtime(850.4), epoch=1_781_352_000))
    await host.wait_for(lambda: host.device.get("power") == 850)

    assert cloud.routes["authenticate"].call_count == 0  # /authenticate: never
    assert cloud.routes["renew"].call_count == 1  # /renew, whose body lists no monitors
    assert (
        cloud.routes["monitor_overview"].call_count == 1
    )  # the stored monitor looked up by its overview
    assert feed.paths == [f"/monitors/{MON}/realtimefeed?access_token=t1.v2.access-2"]
    assert host.attributes["refresh_token"] == "refresh-2"
    assert host.attributes["selected_monitor_id"] == MON
    assert host.device["solar_power"] == 1480  # solar_configured came from the overview


async def test_a_configured_monitor_id_is_enough_to_skip_the_password_login(
    cloud: respx.MockRouter, feed: FeedServer, drivers: list[SenseEnergyDriver]
) -> None:
    host = host_for(feed, refresh_token="refresh-1", user_id=str(real.USER), monitor_id=MON)
    driver = await started(drivers, host)
    assert cloud.routes["authenticate"].call_count == 0
    monitors = await driver.command({"action": "get_monitors"})
    assert monitors == [
        {
            "id": MON,
            "serial_number": "N327000123",
            "time_zone": "America/New_York",
            "solar_configured": True,
        }
    ]
    assert cloud.routes["authenticate"].call_count == 0


async def test_without_a_known_monitor_the_renewed_session_logs_in_once_to_list_monitors(
    cloud: respx.MockRouter, feed: FeedServer, drivers: list[SenseEnergyDriver]
) -> None:
    host = host_for(feed, refresh_token="refresh-1", user_id=str(real.USER))
    await started(drivers, host)
    assert cloud.routes["renew"].call_count == 1
    assert (
        cloud.routes["authenticate"].call_count == 1
    )  # the only way to learn which monitors there are
    assert host.attributes["selected_monitor_id"] == MON


async def test_a_renew_body_without_user_id_keeps_the_stored_one(
    cloud: respx.MockRouter, feed: FeedServer, drivers: list[SenseEnergyDriver]
) -> None:
    cloud.routes["renew"].mock(
        return_value=httpx.Response(200, json=real.renew(with_user_id=False))
    )
    host = host_for(feed, **STORED)
    await started(drivers, host)
    assert host.attributes["user_id"] == str(real.USER)
    assert ("device", "user_id", "") not in host.writes
    assert host.attributes["refresh_token"] == "refresh-2"


async def test_get_devices_leaves_out_hidden_deleted_revoked_and_solar(
    cloud: respx.MockRouter, feed: FeedServer, drivers: list[SenseEnergyDriver]
) -> None:
    driver = await started(drivers, host_for(feed, **STORED))
    devices = await driver.command({"action": "get_devices"})
    assert isinstance(devices, list)
    assert [d["id"] for d in devices] == real.LISTED_IDS
    fridge = next(d for d in devices if d["id"] == "a1b2c3d4")
    # avg_monthly_kwh from the YEAR trends body's consumption.devices
    assert isinstance(fridge["avg_monthly_kwh"], float) and fridge["avg_monthly_kwh"] > 0


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        ("false", True, False),
        ("False", True, False),
        ("true", False, True),
        (" TRUE ", False, True),
        (False, True, False),
        (True, False, True),
        (None, True, True),
        ("maybe", False, False),
        (0, True, False),
    ],
)
def test_one_tag_reader_for_strings_and_booleans(
    value: object, default: bool, expected: bool
) -> None:
    assert tag_flag({"Flag": value}, "Flag", default) is expected


def test_merged_devices_tag_names_the_survivor_of_a_retraining() -> None:
    catalog = DeviceCatalog()
    dryer = Device(id="e0f1a2b3", name="Dryer", tags={"DeviceListAllowed": "true"})
    fridge = Device(id="a1b2c3d4", name="Fridge", tags={"DeviceListAllowed": "true"})
    assert catalog.update([dryer, fridge]) == []
    survivor = Device(
        id="5f3KqZx2",
        name="Dryer motor",  # renamed: the name match alone would miss it
        tags={"DeviceListAllowed": "true", "MergedDevices": "e0f1a2b3,9c8d7e6f"},
    )
    changes = catalog.update([survivor, fridge])
    assert [(c.old_id, c.new_id, c.name) for c in changes] == [("e0f1a2b3", "5f3KqZx2", "Dryer")]


def test_a_renamed_successor_without_merge_tags_is_not_guessed() -> None:
    catalog = DeviceCatalog()
    catalog.update([Device(id="e0f1a2b3", name="Dryer")])
    assert catalog.update([Device(id="5f3KqZx2", name="Washer")]) == []


async def test_history_reads_trends_and_never_the_openapi_paths(
    cloud: respx.MockRouter, feed: FeedServer, drivers: list[SenseEnergyDriver]
) -> None:
    host = host_for(feed, **STORED)
    driver = await started(drivers, host)
    await host.wait_for(lambda: "usage_today_kwh" in host.device)
    assert host.device["usage_today_kwh"] == 12.5
    assert host.device["production_today_kwh"] == 20.1
    assert host.device["to_grid_today_kwh"] == 9.1
    assert host.device["from_grid_today_kwh"] == 1.5
    usage = await driver.command({"action": "get_usage", "scale": "DAY"})
    assert isinstance(usage, dict)
    assert usage["usage_kwh"] == 12.5
    assert usage["period_start"] == "2026-06-13T04:00:00.000Z"
    assert {d["id"]: d["kwh"] for d in usage["devices"]} == {"a1b2c3d4": 1.25, "always_on": 3.5}
    solar = await driver.command({"action": "get_solar", "scale": "DAY"})
    assert isinstance(solar, dict)
    assert (solar["production_kwh"], solar["to_grid_kwh"], solar["solar_pct"]) == (20.1, 9.1, 88)
    request = cloud.routes["trends"].calls.last.request
    assert request.url.params["monitor_id"] == MON
    assert request.url.params["scale"] == "DAY"
    assert cloud.routes["usage"].call_count == 0 and cloud.routes["solar"].call_count == 0


async def test_history_falls_back_to_the_openapi_path_on_404_and_remembers_it(
    cloud: respx.MockRouter, feed: FeedServer, drivers: list[SenseEnergyDriver]
) -> None:
    cloud.routes["trends"].mock(return_value=httpx.Response(404, json={"status": "error"}))
    cloud.routes["usage"].mock(
        return_value=httpx.Response(
            200,
            json={
                "start": "2026-06-13T00:00:00Z",
                "consumption": {"usage_total_kwh": 7.25},
                "device_breakdown": [
                    {"id": "a1b2c3d4", "name": "Fridge", "consumption": {"usage_total_kwh": 1.0}}
                ],
            },
        )
    )
    cloud.routes["solar"].mock(
        return_value=httpx.Response(200, json={"total": {"production_kwh": 4.5}})
    )
    host = host_for(feed, **STORED, monitor_id=MON)
    driver = await started(drivers, host)
    await host.wait_for(lambda: "production_today_kwh" in host.device)
    assert host.device["usage_today_kwh"] == 7.25
    assert host.device["production_today_kwh"] == 4.5
    for _ in range(3):
        usage = await driver.command({"action": "get_usage", "scale": "MONTH"})
        assert isinstance(usage, dict) and usage["usage_kwh"] == 7.25
    assert cloud.routes["trends"].call_count == 1  # trends tried once, then remembered as missing
    assert cloud.routes["usage"].call_count >= 3


async def test_failing_history_warns_once_not_on_every_get_devices(
    cloud: respx.MockRouter, feed: FeedServer, drivers: list[SenseEnergyDriver]
) -> None:
    cloud.routes["trends"].mock(return_value=httpx.Response(404, json={"status": "error"}))
    host = host_for(feed, **STORED)
    driver = await started(drivers, host)
    for _ in range(3):
        devices = await driver.command({"action": "get_devices"})
        assert isinstance(devices, list) and devices[0]["avg_monthly_kwh"] is None
    warnings = [m for lvl, m in host.logs if lvl == logging.WARNING and "avg_monthly_kwh" in m]
    assert len(warnings) == 1


@pytest.mark.parametrize(
    ("info", "strength", "unit"),
    [
        ({"signal": "-44 dBm", "wifi_strength": 86}, -44, "dBm"),
        ({"wifi_strength": 86}, 86, None),
        ({"signal": "-61dBm"}, -61, "dBm"),
        ({"signal": "weak"}, None, None),
        ({}, None, None),
    ],
)
async def test_monitor_status_reports_the_signal_as_sense_gives_it(
    cloud: respx.MockRouter,
    feed: FeedServer,
    drivers: list[SenseEnergyDriver],
    info: dict[str, Any],
    strength: int | None,
    unit: str | None,
) -> None:
    body = real.STATUS | {"monitor_info": {"version": "1.40.2856-11f4a8b", **info}}
    cloud.routes["status"].mock(return_value=httpx.Response(200, json=body))
    driver = await started(drivers, host_for(feed, **STORED))
    status = await driver.command({"action": "get_monitor_status"})
    assert status == {
        "firmware": "1.40.2856-11f4a8b",
        "wifi_strength": strength,
        "wifi_unit": unit,
        "devices_found": 25,
        "detection_running": True,
    }


def test_numeric_ids_and_integer_epochs_decode() -> None:
    import msgspec

    from sense_energy_driver.frames import FrameDecoder
    from sense_energy_driver.models import RealtimePayload
    from sense_energy_driver.restmodels import AuthResponse

    auth = msgspec.json.decode(msgspec.json.encode(real.authenticate()), type=AuthResponse)
    assert auth.user_id_str == str(real.USER)
    assert auth.monitors[0].monitor_id == MON
    assert MonitorSummary(id=real.MONITOR).monitor_id == MON
    (message,) = FrameDecoder().decode(json_frame("realtime_update", real.realtime(9.0), 17))
    payload = message.payload
    assert isinstance(payload, RealtimePayload)
    assert payload.epoch == 1_781_352_000 and message.epoch == 17
    assert [d.id for d in payload.devices] == ["a1b2c3d4", "solar"]


async def test_the_overviews_checksum_spares_a_second_device_list_fetch(
    cloud: respx.MockRouter, feed: FeedServer, drivers: list[SenseEnergyDriver]
) -> None:
    fetches = Calls(cloud.routes["devices"])
    host = host_for(feed, **STORED)
    driver = await started(drivers, host)
    await feed.wait_for(lambda: feed.open_now == 1)
    await fetches.reach(1)
    feed.send(json_frame("realtime_update", real.realtime(400.0)))
    await host.wait_for(lambda: host.device.get("power") == 400)
    # the list arrived over REST before this frame over the socket
    assert driver.parts().devices.catalog.loaded
    feed.send(json_frame("data_change", {"device_data_checksum": real.CHECKSUM}))
    feed.send(json_frame("realtime_update", real.realtime(500.0)))
    await host.wait_for(lambda: host.device.get("power") == 500)
    assert host.logged("device list changed") == 0
    assert cloud.routes["devices"].call_count == 1
    feed.send(json_frame("data_change", {"device_data_checksum": "0" * 32}))
    feed.send(json_frame("realtime_update", real.realtime(600.0)))
    await host.wait_for(lambda: host.device.get("power") == 600)
    assert host.logged("device list changed") == 1
    await fetches.reach(2, timeout=5)


async def test_hello_offline_says_the_monitor_is_offline_until_samples_flow(
    cloud: respx.MockRouter, drivers: list[SenseEnergyDriver]
) -> None:
    async with FeedServer(preamble=[json_frame("hello", {"online": False})]) as feed:
        host = host_for(feed, **STORED)
        await started(drivers, host)
        await host.wait_for(lambda: host.device.get("feed_status") == "offline")
        assert "offline" in str(host.device["last_error"])
        assert host.logged("monitor is offline") == 1
        feed.send(json_frame("realtime_update", real.realtime(42.0)))
        await host.wait_for(lambda: host.device.get("feed_status") == "connected")
        assert host.device["last_error"] == ""
