"""The driver against the simulator's `real` profile: what only the recorded cloud does.

A renew body without monitors, string tags with hidden, deleted and solar devices, MergedDevices
on a retrained device, hello `online: false`, the overview's checksum equal to the first
data_change's, new_timeline_event messages. Real driver, real simulator, loopback.
"""

from __future__ import annotations

import dataclasses

import pytest

from sense_energy_driver.simulator import SenseSimulator
from tests.sim_fixtures import FAST, MakeDriver


@pytest.fixture(params=["real"], autouse=True)
def sim_profile(request: pytest.FixtureRequest) -> str:
    """Only the real profile here (the rest of the suite runs both)."""
    return str(request.param)


async def test_restart_with_stored_refresh_token_user_and_monitor_never_logs_in(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    first, host = await make_driver(sim)
    await host.wait_for(lambda: "power" in host.device)
    await first.disconnect()
    assert sim.requests["authenticate"] == 1
    stored = {
        "refresh_token": host.device["refresh_token"],
        "user_id": host.device["user_id"],
        "monitor_id": sim.monitor_ids()[0],
    }
    writes = len(host.writes)
    restarted, host2 = await make_driver(sim, **stored)
    await host2.wait_for(lambda: "power" in host2.device)
    await host2.wait_for(lambda: host2.device.get("feed_status") == "connected")
    assert sim.requests["authenticate"] == 1, "a restart with stored credentials logged in"
    assert sim.requests["renew"] == 1
    assert isinstance(host2.device["power"], int)
    assert writes > 0
    await restarted.disconnect()


async def test_get_devices_hides_solar_deleted_and_merged_devices(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: "power" in host.device)
    tv, dryer = sim.device_id("TV"), sim.device_id("Dryer")
    fetched = sim.requests["devices_overview"]
    sim.remove_device(None, tv)
    new_dryer = sim.retrain_device(None, dryer)
    # both changes precede the data_change that makes the driver fetch the list again
    await sim.wait_for(lambda: sim.requests["devices_overview"] > fetched)
    devices = await driver.command({"action": "get_devices"})
    assert isinstance(devices, list)
    ids = {d["id"] for d in devices}
    assert "solar" not in ids
    assert tv not in ids, "a device the user deleted (UserDeleted 'true') is listed"
    assert dryer not in ids and new_dryer in ids
    assert {"always_on", sim.device_id("Fridge")} <= ids
    await driver.disconnect()


async def test_retrained_device_is_followed_through_merged_devices(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    dryer = sim.device_id("Dryer")
    driver, host = await make_driver(sim, zones=[dryer], follow_retraining=True)
    await host.wait_for(lambda: "power" in host.device)
    await driver.command({"action": "get_devices"})
    new_id = sim.retrain_device(None, dryer)
    sim.force_device(None, new_id, 4321.0)
    await host.wait_for(lambda: host.zone_values.get(dryer, {}).get("power") == 4321)
    mapping = await driver.command({"action": "get_zone_mapping"})
    assert isinstance(mapping, list)
    assert [(m["zone_address"], m["suggested_id"]) for m in mapping] == [(dryer, new_id)]
    await driver.disconnect()


async def test_hello_offline_sets_feed_status_offline_then_recovers(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    sim.set_monitor_online(False)
    await host.wait_for(lambda: host.device.get("feed_status") == "offline")
    assert "offline" in str(host.device["last_error"])
    sim.set_monitor_online(True)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    assert host.device["last_error"] == ""
    await driver.disconnect()


async def test_no_second_device_list_fetch_when_the_checksums_agree(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    # status_interval at its real 60 s: any other fetch would be the checksum's doing
    driver, host = await make_driver(sim, timing=dataclasses.replace(FAST, interval_scale=1.0))
    await host.wait_for(lambda: "power" in host.device)
    await sim.wait_for_frames(3)  # the preamble's data_change has long been handled
    assert sim.requests["devices_overview"] == 1
    sim.add_device(None, "Kettle", "constant")  # a new checksum: fetched again at once
    await sim.wait_for(lambda: sim.requests["devices_overview"] == 2)
    await driver.disconnect()


async def test_timeline_events_on_the_feed_do_not_disturb_samples(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    dryer = sim.device_id("Dryer")
    driver, host = await make_driver(sim, zones=[dryer])
    await host.wait_for(lambda: "power" in host.device)
    sim.force_device_off(None, dryer)
    await host.wait_for(lambda: host.zone_values.get(dryer, {}).get("state") == "off")
    sim.force_device(None, dryer, 3000.0)  # a DeviceOn event: new_timeline_event on the feed
    await host.wait_for(lambda: host.zone_values.get(dryer, {}).get("power") == 3000)
    assert host.device["feed_status"] == "connected"
    await driver.disconnect()
