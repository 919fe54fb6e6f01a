"""The driver end to end against the simulated Sense cloud over loopback."""

from __future__ import annotations

import asyncio
import logging

import pytest

from sense_energy_driver import SenseCommandError, SenseConfigError
from sense_energy_driver.simulator import MonitorSpec, SenseSimulator
from tests.sim_fixtures import FAST, MakeDriver


async def test_connect_writes_whole_home_values(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    _driver, host = await make_driver(sim)
    await host.wait_for(lambda: "power" in host.device and "voltage" in host.device)
    sample = sim.latest_sample()
    assert isinstance(host.device["power"], int)
    assert isinstance(host.device["voltage"], float)
    assert isinstance(host.device["frequency"], float)
    assert isinstance(host.device["solar_power"], int)  # monitor 0 has solar
    assert 100 < host.device["voltage"] < 140  # type: ignore[operator]
    assert sample is not None
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    assert sim.requests["authenticate"] == 1
    assert host.logged("realtime open") == 1


async def test_feed_asks_for_msgpack(sim: SenseSimulator, make_driver: MakeDriver) -> None:
    _, host = await make_driver(sim)
    await host.wait_for(lambda: "power" in host.device)
    assert sim.feed_counts["msgpack"] >= 1 or sim.feed_counts["accepted"] >= 1


async def test_zones_flip_on_and_off(sim: SenseSimulator, make_driver: MakeDriver) -> None:
    fridge = next(i for i, name in sim.device_ids().items() if name == "Fridge")
    sim.force_device(None, fridge, 150.0)
    _, host = await make_driver(sim, zones=[fridge, "not-a-device"])
    await host.wait_for(lambda: host.zone_values.get(fridge, {}).get("state") == "on")
    assert host.zone_values[fridge]["power"] == 150
    assert host.zone_values["not-a-device"] == {"state": "off", "power": 0}
    sim.force_device_off(None, fridge)
    await host.wait_for(lambda: host.zone_values[fridge]["state"] == "off")
    assert host.zone_values[fridge]["power"] == 0
    sim.force_device(None, fridge, 99.0)
    await host.wait_for(lambda: host.zone_values[fridge] == {"state": "on", "power": 99})


async def test_zone_added_while_running_is_written(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    _, host = await make_driver(sim)
    await host.wait_for(lambda: "power" in host.device)
    host.zones.append("late-zone")
    await host.wait_for(lambda: host.zone_values.get("late-zone", {}).get("state") == "off")


async def test_only_changes_are_written(sim: SenseSimulator, make_driver: MakeDriver) -> None:
    fridge = next(i for i, name in sim.device_ids().items() if name == "Fridge")
    sim.force_device(None, fridge, 150.0)
    _, host = await make_driver(sim, zones=[fridge])
    await host.wait_for(lambda: host.zone_values.get(fridge, {}).get("state") == "on")
    await sim.wait_for_frames(10)
    zone_writes = [w for w in host.writes if w[0] == fridge]
    assert zone_writes == [(fridge, "state", "on"), (fridge, "power", 150)]


async def test_wrong_password_logged_once_and_not_retried(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim, password="wrong-password")
    assert host.logged("authenticate http 401 without mfa_required") == 1
    assert host.device["feed_status"] == "auth_failed"
    with pytest.raises(Exception, match="401"):
        await driver.command({"action": "get_devices"})
    await driver.command({"action": "get_realtime"})
    assert sim.requests["authenticate"] == 1
    # new credentials: logs in again without a restart
    host.attributes["password"] = sim.password
    await driver.attribute_changed("password")
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    assert sim.requests["authenticate"] == 2


async def test_mfa_required_without_secret(make_driver: MakeDriver) -> None:
    async with SenseSimulator(interval=0.05, mfa_secret="JBSWY3DPEHPK3PXP") as sim:
        driver, host = await make_driver(sim)
        assert host.logged("authenticate http 401 with mfa_required") == 1
        assert host.device["feed_status"] == "auth_failed"
        assert sim.requests["authenticate"] == 1
        result = await driver.command({"action": "submit_mfa", "code": sim.totp_code()})
        assert result == {"authenticated": True, "monitor_id": sim.monitor_ids()[0]}
        await host.wait_for(lambda: host.device.get("feed_status") == "connected")
        assert sim.requests["authenticate"] == 1
        await driver.disconnect()


async def test_mfa_with_totp_secret(make_driver: MakeDriver) -> None:
    secret = "JBSWY3DPEHPK3PXP"
    async with SenseSimulator(interval=0.05, mfa_secret=secret) as sim:
        driver, host = await make_driver(sim, totp_secret=secret)
        await host.wait_for(lambda: "power" in host.device)
        assert host.logged("mfa_required") == 0
        # a restart renews with the kept refresh token: no login, no code
        await driver.disconnect()
        logins = sim.requests["authenticate"]
        assert isinstance(host.attributes.get("refresh_token"), str)
        del host.attributes["totp_secret"]
        restarted, host2 = await make_driver(
            sim,
            refresh_token=host.attributes["refresh_token"],
            user_id=host.attributes["user_id"],
            installation_id=host.attributes["installation_id"],
            # the real /renew lists no monitors: the one the driver kept is needed too
            selected_monitor_id=host.attributes["selected_monitor_id"],
        )
        await host2.wait_for(lambda: "power" in host2.device)
        assert sim.requests["authenticate"] == logins
        assert sim.requests["renew"] >= 1
        await restarted.disconnect()


async def test_renew_on_expired_token(sim: SenseSimulator, make_driver: MakeDriver) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: "power" in host.device)
    sim.expire_access_tokens()
    devices = await driver.command({"action": "get_monitor_status"})
    assert devices["firmware"]  # type: ignore[index]
    assert sim.requests["renew"] == 1
    assert sim.requests["authenticate"] == 1


async def test_reconnect_after_drop(sim: SenseSimulator, make_driver: MakeDriver) -> None:
    _, host = await make_driver(sim)
    await host.wait_for(lambda: "power" in host.device)
    writes = len(host.writes)
    sim.drop_feed_connections(code=1011, reason="server restart")
    await host.wait_for(lambda: host.logged("realtime open") >= 2)
    await host.wait_for(lambda: len(host.writes) > writes + 1)
    assert host.logged("realtime close code=1011") == 1


async def test_status_interval_clamped(sim: SenseSimulator, make_driver: MakeDriver) -> None:
    _, host = await make_driver(sim, status_interval=1000)
    warnings = [m for level, m in host.logs if level == logging.WARNING]
    assert any(
        "status_interval 1000 ms is below the minimum; using 30000 ms" in m for m in warnings
    )


async def test_status_interval_not_integer(sim: SenseSimulator, make_driver: MakeDriver) -> None:
    with pytest.raises(SenseConfigError, match="status_interval"):
        await make_driver(sim, status_interval="abc")
    assert sim.requests["authenticate"] == 0


async def test_several_monitors_need_monitor_id(make_driver: MakeDriver) -> None:
    async with SenseSimulator(interval=0.05, monitors=2) as sim:
        ids = sim.monitor_ids()
        with pytest.raises(SenseConfigError, match=f"{ids[0]}, {ids[1]}"):
            await make_driver(sim)
        with pytest.raises(SenseConfigError, match="not on this account"):
            await make_driver(sim, monitor_id="nope")
        driver, host = await make_driver(sim, monitor_id=ids[1])
        await host.wait_for(lambda: "power" in host.device)
        assert "voltage" not in host.device  # monitor 1 runs old firmware
        await driver.disconnect()


async def test_commands(sim: SenseSimulator, make_driver: MakeDriver) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: "power" in host.device)
    monitors = await driver.command({"action": "get_monitors"})
    assert monitors == [
        {
            "id": sim.monitor_ids()[0],
            "serial_number": monitors[0]["serial_number"],  # type: ignore[index]
            "time_zone": "America/New_York",
            "solar_configured": True,
        }
    ]
    devices = await driver.command({"action": "get_devices"})
    assert isinstance(devices, list)
    assert {d["name"] for d in devices} >= {"Fridge", "Dryer"}
    for d in devices:
        assert set(d) == {"id", "name", "icon", "is_on", "power", "avg_monthly_kwh"}
    realtime = await driver.command({"action": "get_realtime"})
    assert isinstance(realtime, dict)
    assert set(realtime) >= {
        "power",
        "solar_power",
        "voltage",
        "frequency",
        "active_devices",
        "epoch",
        "age_s",
    }
    assert realtime["stale"] is False
    result = await driver.command({"action": "reconnect"})
    assert result == {"reconnected": True, "monitor_id": sim.monitor_ids()[0]}
    assert sim.requests["authenticate"] == 2


async def test_bad_commands(sim: SenseSimulator, make_driver: MakeDriver) -> None:
    driver, _ = await make_driver(sim)
    with pytest.raises(SenseCommandError, match=r"valid actions: .*get_devices"):
        await driver.command({"action": "explode"})
    with pytest.raises(SenseCommandError, match=r"scale.*DAY, WEEK"):
        await driver.command({"action": "get_usage", "scale": "DECADE"})
    with pytest.raises(SenseCommandError, match="unknown argument"):
        await driver.command({"action": "get_devices", "verbose": True})
    with pytest.raises(SenseCommandError, match="n_items"):
        await driver.command({"action": "get_timeline", "n_items": "many"})


async def test_get_realtime_before_first_sample_is_null(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, _ = await make_driver(sim, connect=False)
    assert await driver.command({"action": "get_realtime"}) is None


async def test_disconnect_is_idempotent_and_prompt(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: "power" in host.device)
    async with asyncio.timeout(2):
        await driver.disconnect()
        await driver.disconnect()
    await sim.wait_for_feed_clients(0)
    assert host.device["feed_status"] == "stopped"


async def test_old_firmware_without_voltage(make_driver: MakeDriver) -> None:
    spec = MonitorSpec(firmware="1.52.1234-gabc")
    async with SenseSimulator(interval=0.05, monitors=[spec]) as sim:
        driver, host = await make_driver(sim)
        await host.wait_for(lambda: "power" in host.device)
        await sim.wait_for_frames(3)
        assert "voltage" not in host.device
        assert "frequency" not in host.device
        await driver.disconnect()


async def test_attribute_changes_apply_without_restart(make_driver: MakeDriver) -> None:
    async with SenseSimulator(interval=0.05, monitors=2) as sim:
        ids = sim.monitor_ids()
        driver, host = await make_driver(sim, monitor_id=ids[1])
        await host.wait_for(lambda: "power" in host.device)
        assert "voltage" not in host.device  # monitor 1 runs old firmware
        # monitor_id: the feed moves to the other monitor (new firmware: voltage appears)
        host.attributes["monitor_id"] = ids[0]
        await driver.attribute_changed("monitor_id")
        await host.wait_for(lambda: "voltage" in host.device)
        await sim.wait_for_feed_clients(1)
        feeds = [r.path for r in sim.request_log if r.endpoint == "realtimefeed"]
        assert ids[0] in feeds[-1]
        assert sim.requests["authenticate"] == 1  # a monitor switch needs no new login
        # status_interval: the poller is rescheduled in place
        poller = driver.parts().devices
        assert poller is not None
        host.attributes["status_interval"] = 120_000
        await driver.attribute_changed("status_interval")
        assert poller.interval == pytest.approx(120 * FAST.interval_scale)
        # a bad new value is refused with a clear error and the running configuration is kept
        host.attributes["status_interval"] = "abc"
        with pytest.raises(SenseConfigError, match="status_interval"):
            await driver.attribute_changed("status_interval")
        assert poller.interval == pytest.approx(120 * FAST.interval_scale)
        writes = len(host.writes)
        await host.wait_for(lambda: any(w[1] == "power" for w in host.writes[writes:]))
        # realtime_poll_interval: the REST fallback's rate, clamped to its 5 s minimum
        fallback = driver.parts().realtime.fallback
        assert fallback is not None
        host.attributes["status_interval"] = 120_000
        host.attributes["realtime_poll_interval"] = 20_000
        await driver.attribute_changed("realtime_poll_interval")
        assert fallback.interval == pytest.approx(20 * FAST.interval_scale)
        host.attributes["realtime_poll_interval"] = 1_000
        await driver.attribute_changed("realtime_poll_interval")
        assert fallback.interval == pytest.approx(5 * FAST.interval_scale)
        assert host.logged("realtime_poll_interval 1000 ms is below the minimum") == 1
        # an attribute the driver does not read is logged and ignored
        await driver.attribute_changed("colour")
        assert host.logged("attribute 'colour' is not one this driver reads") == 1
        # api_url: a full reconnect to the (same) cloud; the stored refresh token spares a login
        accepted = sim.feed_counts["accepted"]
        host.attributes["api_url"] = sim.api_url + "/"
        await driver.attribute_changed("api_url")
        assert host.logged("api_url changed; reconnecting") == 1
        assert host.logged("'api_url' is not one this driver reads") == 0  # it is, and it was
        await sim.wait_for_feed_event("accepted", accepted + 1)
        writes = len(host.writes)
        await host.wait_for(lambda: any(w[1] == "power" for w in host.writes[writes:]))
        assert sim.requests["authenticate"] == 1
