"""What the user guide promises beyond the basic feed, shown end to end against the simulator.

MFA (totp_secret and submit_mfa), a restart that renews without a code, the REST fallback, a
retrained device, every history command against the simulator's own numbers, and the sequence of
feed_status values. Real driver, real simulator, loopback, no mocks; every wait is on a condition.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sense_energy_driver import SenseCommandError, Timing
from sense_energy_driver.errors import SenseAuthError
from sense_energy_driver.simulator import OLD_FIRMWARE, MonitorSpec, SenseSimulator
from sense_energy_driver.simulator.history import period
from sense_energy_driver.simulator.views import always_on_body
from sense_energy_driver.totp import totp_code
from tests.integration import profile_expect as expect
from tests.recording_host import RecordingHost
from tests.sim_fixtures import FAST, MakeDriver

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.json"
SECRET = "JBSWY3DPEHPK3PXP"
MFA_PENDING = "authenticate http 401 with mfa_required"

# The REST fallback after two failed feed attempts, polling every 10 s x 0.005 = 50 ms.
FALLBACK = Timing(
    backoff=FAST.backoff,
    retry=FAST.retry,
    inactivity_timeout=FAST.inactivity_timeout,
    interval_scale=0.005,
    fallback_after=2,
    reconnect_timeout=FAST.reconnect_timeout,
)


def statuses(host: RecordingHost) -> list[object]:
    """Every feed_status the driver wrote, in order."""
    return [
        value for target, name, value in host.writes if (target, name) == ("device", "feed_status")
    ]


def zone_writes(host: RecordingHost, address: str) -> list[tuple[str, object]]:
    return [(name, value) for target, name, value in host.writes if target == address]


def force_total(sim: SenseSimulator, watts: dict[str, float]) -> float:
    """Pin every active device (the rest at 0 W) so the monitor's total is exactly known."""
    for device_id in sim.device_ids():
        sim.force_device(None, device_id, watts.get(device_id, 0.0))
    return sim.latest_sample().w


def wrong_code(secret: str) -> str:
    """A six-digit code valid for none of the steps the simulator accepts (now, ±30 s)."""
    now = datetime.now().timestamp()
    valid = {totp_code(secret, at=now + skew) for skew in (-60, -30, 0, 30, 60)}
    return next(code for n in range(10) if (code := f"{n}{n}{n}{n}{n}{n}") not in valid)


# --- 1. MFA ------------------------------------------------------------------------------------


async def test_totp_secret_as_an_app_shows_it_logs_in_through_authenticate_mfa(
    make_driver: MakeDriver,
) -> None:
    async with SenseSimulator(interval=0.05, mfa_secret=SECRET) as sim:
        # Authenticator apps show the secret lower-case in groups of four.
        shown = " ".join(SECRET[i : i + 4].lower() for i in range(0, len(SECRET), 4))
        driver, host = await make_driver(sim, totp_secret=shown)
        await host.wait_for(lambda: "power" in host.device)
        await host.wait_for(lambda: host.device.get("feed_status") == "connected")
        assert sim.requests["authenticate"] == 1  # answered mfa_required ...
        assert sim.requests["authenticate_mfa"] == 1  # ... and the driver's own code was taken
        assert [r.status for r in sim.request_log if r.endpoint == "authenticate_mfa"] == [200]
        assert host.logged("mfa_required") == 0
        assert "auth_failed" not in statuses(host)
        assert shown not in host.log_text() and SECRET not in host.log_text()
        await driver.disconnect()


async def test_submit_mfa_with_a_code_made_from_the_accounts_secret(
    make_driver: MakeDriver,
) -> None:
    async with SenseSimulator(interval=0.05, mfa_secret=SECRET) as sim:
        driver, host = await make_driver(sim)
        # Pending: the log says so, the status says so, and nothing else is asked of Sense.
        assert host.logged(MFA_PENDING) == 1
        assert "submit_mfa" in host.log_text()
        assert host.device["feed_status"] == "auth_failed"
        assert "power" not in host.device
        assert sim.requests["authenticate_mfa"] == 0
        secret = sim.state.primary.mfa_secret
        assert secret is not None
        # A wrong code is refused and leaves the challenge open.
        with pytest.raises(SenseAuthError, match=r"MFA code rejected .*http 401"):
            await driver.command({"action": "submit_mfa", "code": wrong_code(secret)})
        assert host.device["feed_status"] == "auth_failed"
        code = totp_code(secret)
        result = await driver.command({"action": "submit_mfa", "code": code})
        assert result == {"authenticated": True, "monitor_id": sim.monitor_ids()[0]}
        await host.wait_for(lambda: "power" in host.device)
        await host.wait_for(lambda: host.device.get("feed_status") == "connected")
        assert sim.requests["authenticate"] == 1  # the challenge was answered, not re-asked
        assert sim.requests["authenticate_mfa"] == 2
        assert statuses(host) == ["connecting", "auth_failed", "connecting", "connected"]
        await driver.disconnect()


# --- 2. a restart renews without a code --------------------------------------------------------


async def test_restart_after_mfa_login_renews_and_asks_for_no_code(
    make_driver: MakeDriver,
) -> None:
    manifest = {a["name"]: a for a in json.loads(MANIFEST.read_text())["attributes"]}
    assert manifest["refresh_token"]["secure"] is True
    assert manifest["refresh_token"]["written_by_driver"] is True
    async with SenseSimulator(interval=0.05, mfa_secret=SECRET) as sim:
        driver, host = await make_driver(sim)
        assert host.logged(MFA_PENDING) == 1
        await driver.command({"action": "submit_mfa", "code": sim.totp_code()})
        await host.wait_for(lambda: "power" in host.device)
        stored = {name: host.device.get(name) for name in ("refresh_token", "user_id")}
        assert stored["refresh_token"] in sim.issued_tokens()
        assert stored["user_id"] == "200001"
        assert str(stored["refresh_token"]) not in host.log_text()
        await driver.disconnect()
        assert host.device["feed_status"] == "stopped"
        logins, mfa, renews = (
            sim.requests["authenticate"],
            sim.requests["authenticate_mfa"],
            sim.requests["renew"],
        )
        assert renews == 0

        # The host kept what the driver wrote; no totp_secret and nobody to type a code.
        # The real /renew lists no monitors: the monitor kept from the login is needed too.
        kept = {
            name: host.attributes[name]
            for name in ("refresh_token", "user_id", "installation_id", "selected_monitor_id")
        }
        assert "totp_secret" not in host.attributes
        restarted, host2 = await make_driver(sim, **kept)
        await host2.wait_for(lambda: "power" in host2.device)
        await host2.wait_for(lambda: host2.device.get("feed_status") == "connected")
        assert sim.requests["renew"] == renews + 1
        assert sim.requests["authenticate"] == logins
        assert sim.requests["authenticate_mfa"] == mfa
        assert host2.logged("mfa_required") == 0
        # /renew hands out a new refresh token, which is kept in turn.
        assert host2.device["refresh_token"] != kept["refresh_token"]
        assert host2.device["refresh_token"] in sim.issued_tokens()
        assert "installation_id" not in host2.device  # the stored one was reused
        await restarted.disconnect()


async def test_restart_with_a_revoked_refresh_token_asks_for_mfa_again(
    make_driver: MakeDriver,
) -> None:
    async with SenseSimulator(interval=0.05, mfa_secret=SECRET) as sim:
        driver, host = await make_driver(sim, totp_secret=SECRET)
        await host.wait_for(lambda: "power" in host.device)
        await driver.disconnect()
        sim.revoke_refresh_tokens()
        kept = {n: host.attributes[n] for n in ("refresh_token", "user_id", "installation_id")}
        logins = sim.requests["authenticate"]
        _, host2 = await make_driver(sim, **kept)
        assert [r.status for r in sim.request_log if r.endpoint == "renew"] == [401]
        assert sim.requests["authenticate"] == logins + 1  # one password login, no storm
        assert host2.logged(MFA_PENDING) == 1
        assert host2.device["feed_status"] == "auth_failed"


# --- 3. REST fallback --------------------------------------------------------------------------


async def test_rest_fallback_while_the_feed_is_refused_then_back_to_the_feed(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    assert not sim.monitor().old_firmware  # 1.65
    sim.refuse_feed_upgrades()
    first = force_total(sim, {"always_on": 200.0, "unknown": 100.0})
    assert first == 300.0
    driver, host = await make_driver(sim, timing=FALLBACK)
    await host.wait_for(lambda: host.device.get("feed_status") == "polling")
    assert host.logged("polling realtime_update every 0.05 s") == 1
    await host.wait_for(lambda: host.device.get("power") == 300)
    assert sim.feed_counts["accepted"] == 0 and sim.feed_counts["rejected"] >= 2
    assert sim.requests["realtime_update"] >= 1

    # Polling follows the simulator's truth, and keeps polling.
    polls = sim.requests["realtime_update"]
    fridge = sim.device_id("Fridge")
    sim.force_device(None, fridge, 1234.0)
    await host.wait_for(lambda: host.device.get("power") == 1534)
    await sim.wait_for_request("realtime_update", polls + 3)
    assert sim.feed_counts["accepted"] == 0
    realtime = await driver.command({"action": "get_realtime"})
    assert isinstance(realtime, dict)
    assert realtime["power"] == 1534
    assert realtime["feed_status"] == "polling"
    assert realtime["stale"] is False

    # The feed is accepted again: the driver goes back to it and stops polling.
    sim.refuse_feed_upgrades(False)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    assert sim.feed_counts["accepted"] == 1
    assert host.logged("REST polling stopped") == 1
    await sim.wait_for_frames(2)
    polls = sim.requests["realtime_update"]
    sim.force_device(None, fridge, 999.0)
    await host.wait_for(lambda: host.device.get("power") == 1299)  # now from the feed
    await sim.wait_for_frames(5)
    assert sim.requests["realtime_update"] == polls
    assert statuses(host) == ["connecting", "reconnecting", "polling", "connected"]


async def test_old_firmware_does_not_fall_back_and_the_log_says_why(
    make_driver: MakeDriver,
) -> None:
    spec = MonitorSpec(firmware=OLD_FIRMWARE)
    async with SenseSimulator(interval=0.05, monitors=[spec]) as sim:
        sim.refuse_feed_upgrades()
        driver, host = await make_driver(sim, timing=FALLBACK)
        await host.wait_for(lambda: host.logged("older than 1.64") >= 1)
        why = [m for level, m in host.logs if "older than 1.64" in m]
        assert why == [
            "realtime feed unavailable and monitor firmware 1.52 is older than 1.64, which has "
            "no realtime_update endpoint: only the device list is polled"
        ]
        assert [lvl for lvl, m in host.logs if "older than 1.64" in m] == [logging.WARNING]
        # It keeps trying the feed and polling the device list, but never realtime_update.
        rejected, listed = sim.feed_counts["rejected"], sim.requests["devices_overview"]
        await sim.wait_for(
            lambda: (
                sim.feed_counts["rejected"] >= rejected + 2
                and sim.requests["devices_overview"] >= listed + 2
            )
        )
        assert sim.requests["realtime_update"] == 0
        assert host.logged("older than 1.64") == 1  # said once, not per attempt
        assert "power" not in host.device
        assert "polling" not in statuses(host)
        assert host.device["feed_status"] == "reconnecting"
        await driver.disconnect()


# --- 4. retrained devices ----------------------------------------------------------------------


async def test_retrained_device_is_followed_and_reported(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    dryer = sim.device_id("Dryer")
    sim.force_device(None, dryer, 4321.0)
    driver, host = await make_driver(sim, zones=[dryer], follow_retraining=True)
    await host.wait_for(lambda: host.zone_values.get(dryer) == {"state": "on", "power": 4321})
    await driver.command({"action": "get_devices"})  # the device list is loaded
    assert await driver.command({"action": "get_zone_mapping"}) == []

    before = len(host.writes)
    new_id = sim.retrain_device(None, dryer)
    assert new_id != dryer
    line = f"device 'Dryer' retrained by Sense: id {dryer} -> {new_id} (a zone is bound to it)"
    await host.wait_for(lambda: host.logged(line) == 1)
    mapping = await driver.command({"action": "get_zone_mapping"})
    assert mapping == [
        {
            "zone_address": dryer,
            "device_name": "Dryer",
            "current_id": dryer,
            "suggested_id": new_id,
            "following": True,
        }
    ]
    # Followed without a flicker: the zone never went off between the retraining and the refresh.
    await host.wait_for(lambda: len(host.writes) > before)
    assert (dryer, "state", "off") not in host.writes[before:]
    # The zone is now written from the new id: it follows the simulator's truth for it.
    sim.force_device(None, new_id, 777.0)
    assert sim.truth()[new_id] == 777.0 and dryer not in sim.truth()
    await host.wait_for(lambda: host.zone_values[dryer] == {"state": "on", "power": 777})
    sim.force_device_off(None, new_id)
    await host.wait_for(lambda: host.zone_values[dryer] == {"state": "off", "power": 0})
    sim.force_device(None, new_id, 2500.0)
    await host.wait_for(lambda: host.zone_values[dryer] == {"state": "on", "power": 2500})
    devices = await driver.command({"action": "get_devices"})
    assert isinstance(devices, list)
    assert [d["id"] for d in devices if d["name"] == "Dryer"] == [new_id]


async def test_retrained_device_reported_but_zone_goes_off_without_following(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    dryer = sim.device_id("Dryer")
    sim.force_device(None, dryer, 4321.0)
    driver, host = await make_driver(sim, zones=[dryer])
    await host.wait_for(lambda: host.zone_values.get(dryer) == {"state": "on", "power": 4321})
    await driver.command({"action": "get_devices"})

    new_id = sim.retrain_device(None, dryer)
    line = f"device 'Dryer' retrained by Sense: id {dryer} -> {new_id} (a zone is bound to it)"
    await host.wait_for(lambda: host.logged(line) == 1)
    await host.wait_for(lambda: host.zone_values[dryer] == {"state": "off", "power": 0})
    assert await driver.command({"action": "get_zone_mapping"}) == [
        {
            "zone_address": dryer,
            "device_name": "Dryer",
            "current_id": dryer,
            "suggested_id": new_id,
            "following": False,
        }
    ]
    # The new id runs, but the zone is not fed from it.
    writes = len(zone_writes(host, dryer))
    sim.force_device(None, new_id, 777.0)
    await sim.wait_for_frames(5)
    assert sim.truth()[new_id] == 777.0
    assert host.zone_values[dryer] == {"state": "off", "power": 0}
    assert len(zone_writes(host, dryer)) == writes


async def test_retraining_announced_by_the_first_data_change_is_noticed_at_once(
    make_driver: MakeDriver,
) -> None:
    # No routine data_change: the retraining's own announcement is the first one the driver sees.
    async with SenseSimulator(interval=0.05, seed=3, data_change_every=0) as sim:
        dryer = sim.device_id("Dryer")
        sim.force_device(None, dryer, 4321.0)
        slow_poll = dataclasses.replace(FAST, interval_scale=1.0)  # status_interval: 60 s
        driver, host = await make_driver(
            sim, zones=[dryer], follow_retraining=True, timing=slow_poll
        )
        await host.wait_for(lambda: host.zone_values.get(dryer, {}).get("state") == "on")
        await driver.command({"action": "get_devices"})
        new_id = sim.retrain_device(None, dryer)
        try:
            # "A data_change with a new device checksum refreshes the device list at once."
            await host.wait_for(lambda: host.logged(f"-> {new_id}") == 1, timeout=2.0)
        finally:
            await driver.disconnect()
        assert host.zone_values[dryer] == {"state": "on", "power": 4321}


# --- 5. history commands against the simulator's own numbers -----------------------------------


def _usage_numbers(body: dict[str, Any]) -> tuple[float, dict[str, float]]:
    devices = {d["id"]: d["consumption"]["usage_total_kwh"] for d in body["device_breakdown"]}
    return body["consumption"]["usage_total_kwh"], devices


def _within(low: float, value: object, high: float) -> bool:
    return isinstance(value, float | int) and low <= value <= high


async def test_usage_agrees_with_the_simulator(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: "power" in host.device)
    mon = sim.monitor()

    # Periods that include now: the simulator integrates up to the instant it answers, so the
    # driver's numbers lie between what it says just before and just after the command.
    for scale in ("DAY", "WEEK"):
        at = sim.clock.now()
        p = period(scale, at, mon)
        before = _usage_numbers(expect.history_usage(sim, p, sim.clock.now_ts()))
        got = await driver.command({"action": "get_usage", "scale": scale, "start": at.isoformat()})
        after = _usage_numbers(expect.history_usage(sim, p, sim.clock.now_ts()))
        assert isinstance(got, dict)
        assert got["scale"] == scale
        assert datetime.fromisoformat(str(got["start"])).timestamp() == p.start
        assert _within(before[0], got["usage_kwh"], after[0]), (scale, before[0], got, after[0])
        kwh = {d["id"]: d["kwh"] for d in got["devices"]}
        assert set(kwh) == set(before[1]) == set(after[1])
        for device_id, value in kwh.items():
            assert _within(before[1][device_id], value, after[1][device_id]), device_id
        assert before[0] > 0
        names = {d["id"]: d["name"] for d in got["devices"]}
        assert names["always_on"] == "Always On" and "Dryer" in names.values()

    # Periods that ended before the simulator started are fixed: equal to the last digit.
    for scale, start in (
        ("DAY", sim.clock.now() - timedelta(days=1)),
        ("MONTH", sim.clock.now() - timedelta(days=35)),
    ):
        body = expect.history_usage(sim, period(scale, start, mon), sim.clock.now_ts())
        got = await driver.command(
            {"action": "get_usage", "scale": scale, "start": start.isoformat()}
        )
        assert got == {
            "scale": scale,
            "start": body["start"],
            "usage_kwh": body["consumption"]["usage_total_kwh"],
            "devices": [
                {
                    "id": d["id"],
                    "name": d["name"],
                    "icon": d["icon"],
                    "kwh": d["consumption"]["usage_total_kwh"],
                }
                for d in body["device_breakdown"]
            ],
        }
        assert body["consumption"]["usage_total_kwh"] > 0


async def test_solar_agrees_with_the_simulator(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: "power" in host.device)
    mon = sim.monitor()
    keys = ("production_kwh", "from_grid_kwh", "to_grid_kwh")
    pct_step = 0.06 if sim.profile == "spec" else 0.51  # the real cloud's solar % is whole

    # Today: production and both grid directions only grow while the simulator integrates.
    at = sim.clock.now()
    p = period("DAY", at, mon)
    before = expect.history_solar_total(sim, p, sim.clock.now_ts())
    got = await driver.command({"action": "get_solar", "scale": "DAY", "start": at.isoformat()})
    after = expect.history_solar_total(sim, p, sim.clock.now_ts())
    assert isinstance(got, dict)
    for key in keys:
        assert _within(before[key], got[key], after[key]), (key, before, got, after)
    assert got["net_kwh"] == pytest.approx(got["to_grid_kwh"] - got["from_grid_kwh"], abs=1e-5)
    used = got["from_grid_kwh"] + got["production_kwh"] - got["to_grid_kwh"]
    own = got["production_kwh"] - got["to_grid_kwh"]
    assert got["solar_pct"] == pytest.approx(100 * own / used, abs=pct_step)

    # Yesterday is over: every number equal to the simulator's.
    start = at - timedelta(days=1)
    total = expect.history_solar_total(sim, period("DAY", start, mon), sim.clock.now_ts())
    got = await driver.command({"action": "get_solar", "scale": "DAY", "start": start.isoformat()})
    assert isinstance(got, dict)
    assert {k: got[k] for k in (*keys, "net_kwh")} == {k: total[k] for k in (*keys, "net_kwh")}
    assert got["solar_pct"] == total["solar_percentage"]
    assert total["production_kwh"] > 0


async def test_solar_on_a_monitor_without_solar_is_a_clear_error(
    make_driver: MakeDriver,
) -> None:
    async with SenseSimulator(interval=0.05, monitors=[MonitorSpec(solar=False)]) as sim:
        driver, host = await make_driver(sim)
        await host.wait_for(lambda: "power" in host.device)
        monitor_id = sim.monitor_ids()[0]
        with pytest.raises(
            SenseCommandError, match=f"get_solar: monitor {monitor_id} has no solar configured"
        ):
            await driver.command({"action": "get_solar", "scale": "DAY"})
        assert sim.requests["solar_history"] == 0
        assert "production_today_kwh" not in host.device
        await driver.disconnect()


async def test_monitor_status_and_always_on_agree_with_the_simulator(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: "power" in host.device)
    mon = sim.monitor()
    learned = [i for i in sim.device_ids() if i not in ("always_on", "unknown")]
    status = await driver.command({"action": "get_monitor_status"})
    strength, unit = expect.wifi(sim)
    assert status == {
        "firmware": mon.spec.firmware,
        "wifi_strength": strength,
        "wifi_unit": unit,
        "devices_found": len(learned),
        # the spec's detection_running; the real body's device_detection.in_progress is empty
        "detection_running": sim.profile == "spec",
    }
    sim.add_device(None, "Space Heater", "constant", watts=1500.0)
    status = await driver.command({"action": "get_monitor_status"})
    assert isinstance(status, dict)
    assert status["devices_found"] == len(learned) + 1

    # Always On with the device pinned, so the number the simulator holds is exact.
    sim.force_device(None, "always_on", 187.3)
    expected = always_on_body(mon, sim.latest_sample())
    got = await driver.command({"action": "get_always_on"})
    assert sim.truth()["always_on"] == 187.3
    assert got == {
        "always_on_w": 187.3,
        "components": [{"name": c["name"], "watts": c["watts"]} for c in expected["components"]],
    }
    assert isinstance(got, dict)
    assert sum(c["watts"] for c in got["components"]) == pytest.approx(187.3, abs=0.05)


async def test_timeline_agrees_with_the_simulator(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: "power" in host.device)
    dryer = sim.device_id("Dryer")
    # A known event now: the dryer pinned off, then on (pinned, so no further events).
    sim.force_device_off(None, dryer)
    await sim.wait_for_frames(1)  # so the "on" is strictly the newest event
    sim.force_device(None, dryer, 5000.0)
    items, total_items = expect.timeline(sim, 5, dryer)
    got = await driver.command({"action": "get_timeline", "n_items": 5, "device_id": dryer})
    assert got == {"items": items, "total_items": total_items}
    assert isinstance(got, dict)
    newest = got["items"][0]
    turned_on = "DeviceWentOn" if sim.profile == "spec" else "DeviceOn"
    assert (newest["type"], newest["device_name"]) == (turned_on, "Dryer")
    happened = datetime.fromisoformat(newest["time"].replace("Z", "+00:00"))
    assert abs(happened.timestamp() - sim.latest_sample().ts) < 1.0
    assert len(got["items"]) == min(5, len(sim.rest.timeline.events([sim.monitor()], dryer, None)))

    # Unfiltered: the newest items across all devices, as many as asked for.
    got = await driver.command({"action": "get_timeline", "n_items": 3})
    assert isinstance(got, dict)
    assert len(got["items"]) == 3
    times = [item["time"] for item in got["items"]]
    assert times == sorted(times, reverse=True)
    assert all(item["device_name"] == sim.device_ids()[item["device_id"]] for item in got["items"])


# --- 6. feed_status through a drop and a recovery ----------------------------------------------


async def test_feed_status_through_drops_and_disconnect(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    assert statuses(host) == ["connecting", "connected"]

    sim.drop_feed_connections(code=1011, reason="server restart")
    await host.wait_for(lambda: statuses(host)[-1:] == ["connected"] and len(statuses(host)) > 2)
    assert statuses(host) == ["connecting", "connected", "reconnecting", "connected"]

    sim.drop_feed_connections(code=1006)  # the TCP connection lost without a close frame
    await host.wait_for(lambda: len(statuses(host)) == 6)
    assert statuses(host)[4:] == ["reconnecting", "connected"]
    assert sim.feed_counts["accepted"] == 3

    await driver.disconnect()
    assert statuses(host) == [
        "connecting",
        "connected",
        "reconnecting",
        "connected",
        "reconnecting",
        "connected",
        "stopped",
    ]
    await sim.wait_for_feed_clients(0)
