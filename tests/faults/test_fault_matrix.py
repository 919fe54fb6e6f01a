"""The fault matrix: one test per row, the driver against the simulator over loopback.

Each test asserts what the host sees (attributes, zone states, log lines) and how many requests
reached the simulator.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import socket
import time
import tracemalloc

import pytest

from sense_energy_driver import SenseConnectionError, SenseEnergyDriver
from sense_energy_driver.backoff import Backoff
from sense_energy_driver.errors import SenseEndpointError
from sense_energy_driver.session import RetryPolicy
from sense_energy_driver.simulator import SenseSimulator
from tests.recording_host import RecordingHost
from tests.sim_fixtures import FAST, MakeDriver, attributes_for


def fridge_of(sim: SenseSimulator) -> str:
    return next(i for i, name in sim.device_ids().items() if name == "Fridge")


async def test_feed_dropped_mid_stream(sim: SenseSimulator, make_driver: MakeDriver) -> None:
    _, host = await make_driver(sim)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    accepted = sim.feed_counts["accepted"]
    sim.drop_feed_connections(code=1006, reason="")
    await sim.wait_for_feed_event("accepted", accepted + 1)
    accepted_at = time.monotonic()
    writes = len(host.writes)
    await host.wait_for(lambda: any(w[1] == "power" for w in host.writes[writes:]), timeout=2.0)
    assert time.monotonic() - accepted_at < 2.0
    assert host.logged("realtime close") == 1
    assert host.logged("realtime open") == 2
    assert sim.requests["authenticate"] == 1


async def test_app_in_foreground_backs_off_and_recovers(make_driver: MakeDriver) -> None:
    async with SenseSimulator(interval=0.05, speed=60.0) as sim:  # 2 simulated min = 2 s
        timing = dataclasses.replace(FAST, backoff=Backoff(initial=0.05, maximum=0.4, jitter=0.0))
        driver, host = await make_driver(sim, timing=timing)
        await host.wait_for(lambda: host.device.get("feed_status") == "connected")
        opened = sim.feed_counts["opened"]
        sim.app_in_foreground(120.0, close_after=0.02)
        await host.wait_for(lambda: host.logged("realtime close") >= 4, timeout=10)
        assert ("device", "feed_status", "paused") in host.writes
        await host.wait_for(lambda: host.device.get("feed_status") == "connected", timeout=15)
        cycles = sim.feed_counts["opened"] - opened
        # 2 s of pause at 0.05 → 0.4 s capped backoff is about 8 attempts; a tight loop is hundreds
        assert 3 <= cycles <= 20
        assert host.logged("realtime open") >= 4
        assert sim.requests["authenticate"] == 1
        await driver.disconnect()


async def test_feed_stall_detected(sim: SenseSimulator, make_driver: MakeDriver) -> None:
    _, host = await make_driver(sim)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    sim.stall_feed(None)
    await host.wait_for(lambda: host.logged("silent") >= 1, timeout=5)
    sim.resume_feed()
    await host.wait_for(lambda: host.logged("realtime open") >= 2)
    writes = len(host.writes)
    await host.wait_for(lambda: any(w[1] == "power" for w in host.writes[writes:]))


async def test_access_token_expires_mid_session(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    sim.expire_access_tokens(drop_feeds=True)
    await host.wait_for(lambda: host.logged("realtime open") >= 2)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    await driver.command({"action": "get_devices"})
    assert sim.requests["renew"] == 1
    assert sim.requests["authenticate"] == 1


async def test_refresh_token_revoked_too(sim: SenseSimulator, make_driver: MakeDriver) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    sim.revoke_refresh_tokens()
    sim.expire_access_tokens(drop_feeds=True)
    await host.wait_for(lambda: host.logged("realtime open") >= 2)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    await driver.command({"action": "get_monitor_status"})
    assert sim.requests["authenticate"] == 2
    assert sim.requests["renew"] == 1


async def test_wrong_password_one_attempt(sim: SenseSimulator, make_driver: MakeDriver) -> None:
    driver, host = await make_driver(sim, password="nope")
    await sim.wait_for_frames(10)
    for _ in range(3):
        with pytest.raises(Exception, match="without mfa_required"):
            await driver.command({"action": "get_monitor_status"})
    assert sim.requests["authenticate"] == 1
    assert host.logged("authenticate http 401 without mfa_required") == 1
    assert host.device["feed_status"] == "auth_failed"
    assert sim.feed_counts["opened"] == 0


async def test_mfa_required_one_attempt(make_driver: MakeDriver) -> None:
    async with SenseSimulator(interval=0.05, mfa_secret="JBSWY3DPEHPK3PXP") as sim:
        driver, host = await make_driver(sim)
        await sim.wait_for_frames(10)
        assert sim.requests["authenticate"] == 1
        assert sim.requests["authenticate_mfa"] == 0
        assert host.logged("authenticate http 401 with mfa_required") == 1
        assert host.device["feed_status"] == "auth_failed"
        await driver.disconnect()


async def test_rate_limited_device_list_waits_retry_after(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    await sim.wait_for_request("devices_overview", 1)
    sim.rate_limit_requests(1, retry_after=1.0, endpoint="devices_overview")
    await driver.command({"action": "get_devices"})  # fine: uses the loaded list
    poller = driver.parts().devices  # the fault is on the poll: drive one now
    assert poller is not None
    poller.trigger()
    await sim.wait_for_request("devices_overview", 3, timeout=5)
    log = [r for r in sim.request_log if r.endpoint == "devices_overview"]
    limited = next(r for r in log if r.status == 429)
    after = log[log.index(limited) + 1]
    assert after.time - limited.time >= 1.0
    assert after.status == 200


async def test_burst_of_5xx_retried(sim: SenseSimulator, make_driver: MakeDriver) -> None:
    timing = dataclasses.replace(
        FAST, retry=RetryPolicy(attempts=5, initial=0.01, max_wait=0.1, jitter=0.02)
    )
    driver, host = await make_driver(sim, timing=timing)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    for status in (500, 502, 503):
        sim.fail_requests(1, status=status, endpoint="monitor_status")
    result = await driver.command({"action": "get_monitor_status"})
    assert result["firmware"]  # type: ignore[index]
    statuses = [r.status for r in sim.request_log if r.endpoint == "monitor_status"]
    assert statuses == [500, 502, 503, 200]


@pytest.mark.parametrize("kind", ["invalid", "wrong_types", "truncated", "unknown_type"])
async def test_malformed_frames_skipped(
    sim: SenseSimulator, make_driver: MakeDriver, kind: str
) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    counters = driver.feed_counters
    assert counters is not None
    skipped = counters.skipped
    assert sim.send_malformed(kind) == 1
    await sim.wait_for_frames(5)
    writes = len(host.writes)
    await host.wait_for(lambda: any(w[1] == "power" for w in host.writes[writes:]))
    if kind != "unknown_type":  # an unknown type is ignored, not malformed
        assert counters.skipped >= skipped + 1
    assert counters.opens == 1


async def test_oversized_frame_skipped_memory_bounded(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    counters = driver.feed_counters
    assert counters is not None
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(3):
            sim.send_malformed("oversized", size=10_000_000)
            await host.wait_for(lambda: counters.skipped >= 1, timeout=10)
        writes = len(host.writes)
        await host.wait_for(lambda: any(w[1] == "power" for w in host.writes[writes:]))
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert counters.skipped >= 1
    assert retained < 5_000_000  # no 10 MB frame kept around


async def test_device_retrained(sim: SenseSimulator, make_driver: MakeDriver) -> None:
    fridge = fridge_of(sim)
    sim.force_device(None, fridge, 120.0)
    driver, host = await make_driver(sim, zones=[fridge])
    await host.wait_for(lambda: host.zone_values.get(fridge, {}).get("state") == "on")
    polls = sim.requests["devices_overview"]
    new_id = sim.retrain_device(None, fridge)
    await host.wait_for(lambda: host.zone_values[fridge]["state"] == "off")
    await host.wait_for(lambda: host.logged(f"id {fridge} -> {new_id}") == 1, timeout=5)
    assert sim.requests["devices_overview"] > polls
    mapping = await driver.command({"action": "get_zone_mapping"})
    assert mapping == [
        {
            "zone_address": fridge,
            "device_name": "Fridge",
            "current_id": fridge,
            "suggested_id": new_id,
            "following": False,
        }
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_connection_refused_at_connect_names_api_url_at_once(
    make_driver: MakeDriver,
) -> None:
    """Nothing listens at api_url: a configuration mistake, not a glitch to retry for ever."""
    port = _free_port()
    sim = SenseSimulator(interval=0.05, port=port)
    driver, host = await make_driver(
        sim,
        connect=False,
        api_url=f"http://127.0.0.1:{port}/apiservice/api/v1",
        realtime_url=f"ws://127.0.0.1:{port}",
    )
    with pytest.raises(SenseEndpointError, match="connection refused") as refused:
        await driver.connect()
    assert refused.value.attribute == "api_url"
    assert host.logged("check api_url") == 1
    assert not driver.running  # and no login retried behind the caller's back
    assert host.device["feed_status"] == "stopped"
    async with sim:  # once something listens there, connect() works
        await driver.connect()
        await host.wait_for(lambda: host.device.get("feed_status") == "connected", timeout=10)
        assert sim.requests["authenticate"] == 1
        await driver.disconnect()


async def test_disconnect_during_reconnect_wait(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    timing = dataclasses.replace(FAST, backoff=Backoff(initial=60.0, maximum=60.0))
    driver, host = await make_driver(sim, timing=timing)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    sim.drop_feed_connections()
    await host.wait_for(lambda: host.device.get("feed_status") == "reconnecting")
    async with asyncio.timeout(1.0):
        await driver.disconnect()
    assert sim.feed_clients == 0


async def test_disconnect_during_login(make_driver: MakeDriver) -> None:
    """A server that accepts the connection and never answers: login hangs until disconnect."""
    hung: list[asyncio.StreamWriter] = []
    arrived, hung_up = asyncio.Event(), asyncio.Event()

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hung.append(writer)
        arrived.set()
        while await reader.read(65536):  # the request; then EOF once the client lets go
            pass
        hung_up.set()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    sim = SenseSimulator()
    try:
        driver, _ = await make_driver(
            sim,
            connect=False,
            api_url=f"http://127.0.0.1:{port}/apiservice/api/v1",
            realtime_url=f"ws://127.0.0.1:{port}",
        )
        connecting = asyncio.create_task(driver.connect())
        async with asyncio.timeout(5):
            await arrived.wait()
        async with asyncio.timeout(1.0):
            await driver.disconnect()
            await connecting
            await hung_up.wait()  # the driver closed its HTTP connection, not just the task
    finally:
        for writer in hung:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_disconnect_during_frames(sim: SenseSimulator, make_driver: MakeDriver) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    await sim.wait_for_frames(1)
    async with asyncio.timeout(1.0):
        await driver.disconnect()
    await sim.wait_for_feed_clients(0)


async def test_get_realtime_while_disconnected_says_so(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    timing = dataclasses.replace(FAST, backoff=Backoff(initial=60.0, maximum=60.0))
    driver, host = await make_driver(sim, timing=timing)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    sim.drop_feed_connections()
    await host.wait_for(lambda: host.device.get("feed_status") == "reconnecting")
    result = await driver.command({"action": "get_realtime"})
    assert isinstance(result, dict)
    assert result["stale"] is True
    assert result["feed_status"] == "reconnecting"


async def test_reconnect_while_sense_down_fails_within_bound(make_driver: MakeDriver) -> None:
    async with SenseSimulator(interval=0.05) as sim:
        timing = dataclasses.replace(FAST, reconnect_timeout=1.0)
        driver, host = await make_driver(sim, timing=timing)
        await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    # the simulator is gone now
    started = time.monotonic()
    with pytest.raises(SenseConnectionError):
        await driver.command({"action": "reconnect"})
    assert time.monotonic() - started < 3.0
    await driver.disconnect()


class BrokenHost(RecordingHost):
    """A host whose log always fails and which refuses one attribute and one zone's writes."""

    def log(self, level: int, message: str) -> None:
        super().log(level, message)
        raise OSError("device log disk full")

    async def set_device_attribute(self, name: str, value: object) -> None:
        if name == "voltage":
            raise ValueError("voltage: value out of range for this host")
        await super().set_device_attribute(name, value)

    async def set_zone_attribute(self, address: str, name: str, value: object) -> None:
        if address == "broken-zone":
            raise KeyError(address)
        await super().set_zone_attribute(address, name, value)


async def test_a_failing_host_does_not_stop_the_driver(
    sim: SenseSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    fridge = fridge_of(sim)
    sim.force_device(None, fridge, 150.0)
    host = BrokenHost(attributes=attributes_for(sim), zones=["broken-zone", fridge])
    driver = SenseEnergyDriver(host, timing=FAST)
    await driver.connect()
    try:
        await host.wait_for(lambda: host.zone_values.get(fridge) == {"state": "on", "power": 150})
        await host.wait_for(lambda: host.device.get("feed_status") == "connected")
        sim.force_device(None, fridge, 300.0)  # later samples are still written
        await host.wait_for(lambda: host.zone_values[fridge] == {"state": "on", "power": 300})
        assert "voltage" not in host.device and "power" in host.device
        assert host.logged("realtime open") == 1  # the log raised, the line still reached it
        rejected = caplog.text
        assert "host call failed (voltage): ValueError" in rejected
        assert "host call failed (broken-zone/state): KeyError" in rejected
        warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert sum("host call failed (log)" in m for m in warned) == 1  # once, not every line
        assert sum("host call failed (broken-zone/power)" in m for m in warned) == 1
    finally:
        await driver.disconnect()
