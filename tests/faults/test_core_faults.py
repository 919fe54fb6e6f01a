"""A driver core that no input can stop: poison frames, failing hosts, overlapping lifecycle calls,
bad configuration, checksum storms, silent servers, bad arguments, forged log lines.

Each test asserts what the host and the cloud (simulator, loopback feed, respx) saw.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
from collections.abc import AsyncIterator

import msgpack
import pytest

from sense_energy_driver import SenseEnergyDriver
from sense_energy_driver.errors import (
    SenseCommandError,
    SenseConfigError,
    SenseEndpointError,
    SenseError,
)
from sense_energy_driver.simulator import SenseSimulator
from tests.feed_server import FeedServer, json_frame
from tests.recording_host import RecordingHost
from tests.sim_fixtures import FAST, MakeDriver, attributes_for
from tests.unit import real_bodies as real
from tests.unit.real_cloud import MON, STORED, Calls, cloud, drivers, feed, host_for, started

__all__ = ["cloud", "drivers", "feed"]  # fixtures


def msgpack_frame(kind: str, epoch: float, payload: object) -> bytes:
    """A (type, epoch, payload) msgpack triple, as the feed sends binary frames."""
    return b"".join(msgpack.packb(part) for part in (kind, epoch, payload))


def deeply_nested_payload(depth: int) -> bytes:
    """{"w": 8.0, "aux": [[[...1...]]]} with `depth` levels, packed by hand (msgpack's packer
    refuses to nest that deep; a hostile feed does not ask it)."""
    aux = b"\x91" * depth + b"\x01"  # fixarray of one element, `depth` times
    return b"\x82" + msgpack.packb("w") + msgpack.packb(8.0) + msgpack.packb("aux") + aux


POISON = {
    "nan watts": msgpack_frame("realtime_update", 1_781_352_000, {"w": math.nan}),
    "+inf watts": msgpack_frame("realtime_update", 1_781_352_000, {"w": math.inf}),
    "-inf device watts": msgpack_frame(
        "realtime_update", 1_781_352_000, {"w": 5.0, "devices": [{"id": "a", "w": -math.inf}]}
    ),
    "epoch 1e308": msgpack_frame("realtime_update", 1e308, {"w": 7.0, "epoch": 1e308}),
    "1000 levels of nesting": msgpack.packb("realtime_update")
    + msgpack.packb(1_781_352_000)
    + deeply_nested_payload(1000),
}


# --- poison frames through the real loop ----------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(POISON))
async def test_a_poison_frame_is_skipped_and_the_next_applied(
    kind: str, cloud: object, feed: FeedServer, drivers: list[SenseEnergyDriver]
) -> None:
    host = host_for(feed, **STORED)
    host.zones = ["a"]
    driver = await started(drivers, host)
    await feed.wait_for(lambda: feed.open_now == 1)
    feed.send(json_frame("realtime_update", real.realtime(100.0)))
    await host.wait_for(lambda: host.device.get("power") == 100)
    feed.send(POISON[kind])
    feed.send(json_frame("realtime_update", real.realtime(200.0)))
    await host.wait_for(lambda: host.device.get("power") == 200)
    counters = driver.feed_counters
    assert counters is not None
    assert counters.skipped == 1 and counters.opens == 1  # skipped, no reconnect
    assert host.device["feed_status"] == "connected"
    assert feed.opened == 1 and feed.open_now == 1
    powers = [v for target, name, v in host.writes if (target, name) == ("device", "power")]
    assert powers == [100, 200]  # nothing of the poison frame reached the host
    assert host.zone_values["a"] == {"state": "off", "power": 0}
    snapshot = await driver.command({"action": "get_realtime"})
    assert isinstance(snapshot, dict) and snapshot["power"] == 200
    assert host.logged("realtime frame skipped (1 so far)") == 1


# --- a host that raises from each of its methods --------------------------------------------------


class FailingHost(RecordingHost):
    """Raises from one Host method (with a secret in the text), as a buggy host would."""

    failing: str = ""

    def _maybe_fail(self, method: str) -> None:
        if method == self.failing:
            raise RuntimeError(f"{method} broke; password was {self.attributes['password']}")

    def get_attribute(self, name: str) -> object | None:
        if name == "follow_retraining":
            self._maybe_fail("get_attribute")
        return super().get_attribute(name)

    async def set_device_attribute(self, name: str, value: object) -> None:
        if name == "power":
            self._maybe_fail("set_device_attribute")
        await super().set_device_attribute(name, value)

    async def set_zone_attribute(self, address: str, name: str, value: object) -> None:
        self._maybe_fail("set_zone_attribute")
        await super().set_zone_attribute(address, name, value)

    def zone_addresses(self) -> list[str]:  # type: ignore[override]
        self._maybe_fail("zone_addresses")
        return list(super().zone_addresses())

    def log(self, level: int, message: str) -> None:
        self._maybe_fail("log")
        super().log(level, message)


@pytest.mark.parametrize(
    ("method", "failed_call"),
    [
        ("set_device_attribute", "power"),
        ("set_zone_attribute", "/state"),
        ("zone_addresses", "zone_addresses"),
        ("log", "log"),
    ],
)
async def test_a_host_raising_from_a_method_never_stops_the_feed(
    method: str, failed_call: str, sim: SenseSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="sense_energy_driver")
    fridge = sim.device_id("Fridge")
    sim.force_device(None, fridge, 150.0)
    host = FailingHost(attributes=attributes_for(sim), zones=[fridge])
    host.failing = method
    driver = SenseEnergyDriver(host, timing=FAST)
    await driver.connect()
    try:
        await host.wait_for(lambda: host.device.get("feed_status") == "connected")
        sim.force_device(None, fridge, 300.0)  # later samples still flow
        if method in ("set_zone_attribute", "zone_addresses"):
            await host.wait_for(lambda: host.device.get("power") is not None)
            assert fridge not in host.zone_values  # the zone writes failed, nothing else did
        else:
            await host.wait_for(lambda: host.zone_values.get(fridge, {}).get("power") == 300)
        if method == "set_device_attribute":
            assert "power" not in host.device and "voltage" in host.device
        if method == "log":
            assert host.logs == []
        assert sim.feed_clients == 1
    finally:
        await driver.disconnect()
    assert sim.feed_clients == 0
    warned = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "host call failed" in r.getMessage()
    ]
    assert len([m for m in warned if failed_call in m]) == 1  # once, then DEBUG
    assert all("RuntimeError" in m for m in warned)
    assert sim.password not in caplog.text  # the host's own exception text, redacted


async def test_a_host_whose_get_attribute_raises_gets_a_config_error(sim: SenseSimulator) -> None:
    host = FailingHost(attributes=attributes_for(sim))
    host.failing = "get_attribute"
    driver = SenseEnergyDriver(host, timing=FAST)
    with pytest.raises(SenseConfigError, match=r"follow_retraining.*could not be read") as err:
        await driver.connect()
    assert sim.password not in str(err.value)
    assert sim.requests["authenticate"] == 0
    await driver.disconnect()


# --- overlapping lifecycle calls ------------------------------------------------------------------


async def _no_writes_after(host: RecordingHost, witness: RecordingHost) -> None:
    """After disconnect: the simulator keeps streaming (the witness keeps getting samples), the
    disconnected host gets nothing."""
    before = len(host.writes)
    seen = len(witness.writes)
    await witness.wait_for(lambda: len(witness.writes) >= seen + 10)
    assert len(host.writes) == before


async def test_twenty_concurrent_reconnects_leave_one_feed(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim)
    _, witness = await make_driver(sim)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    results = await asyncio.gather(
        *(driver.command({"action": "reconnect"}) for _ in range(20)), return_exceptions=True
    )
    assert all(isinstance(r, dict) and r["reconnected"] for r in results), results
    await sim.wait_for_feed_clients(2)  # this driver's one feed, and the witness's
    assert sim.feed_clients == 2
    await driver.disconnect()
    await sim.wait_for_feed_clients(1)
    assert host.device["feed_status"] == "stopped"
    await _no_writes_after(host, witness)
    assert not [t for t in asyncio.all_tasks() if t.get_name() in ("sense-realtime",)][1:]


@pytest.mark.parametrize("name", ["monitor_id", "password", "api_url"])
async def test_concurrent_attribute_changes_leave_one_feed(
    name: str, sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim)
    _, witness = await make_driver(sim)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    await asyncio.gather(*(driver.attribute_changed(name) for _ in range(10)))
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    await sim.wait_for_feed_clients(2)
    assert sim.feed_clients == 2
    await driver.disconnect()
    await sim.wait_for_feed_clients(1)
    await _no_writes_after(host, witness)


async def test_disconnect_while_reconnects_and_changes_overlap(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    calls = [driver.command({"action": "reconnect"}) for _ in range(5)]
    calls += [driver.attribute_changed("password") for _ in range(5)]
    pending = [asyncio.ensure_future(c) for c in calls]  # disconnect() meets them mid-way
    await driver.disconnect()
    async with asyncio.timeout(3):  # less than FAST.reconnect_timeout: none waits it out
        outcomes = await asyncio.gather(*pending, return_exceptions=True)
    assert all(o is None or isinstance(o, dict | SenseError) for o in outcomes), outcomes
    await sim.wait_for_feed_clients(0)
    assert not driver.running


# --- bad configuration changes on a running driver ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("ca_file", "/nonexistent/ca.pem", "ca_file"),
        ("totp_secret", "not base32 !!", "totp_secret"),
        ("monitor_id", "424242", "monitor_id '424242' is not on this account"),
        ("api_url", "https://[abc", "api_url"),
        ("status_interval", 10**400, "status_interval"),
        ("realtime_url", "http://not-a-websocket", "realtime_url"),
    ],
)
async def test_a_bad_configuration_change_keeps_the_running_one(
    name: str, value: object, says: str, sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    logins = sim.requests["authenticate"]
    host.attributes[name] = value
    with pytest.raises(SenseConfigError, match=says):
        await driver.attribute_changed(name)
    assert host.logged("new value rejected, the running configuration stays") == 1
    writes = len(host.writes)
    await host.wait_for(lambda: any(w[1] == "power" for w in host.writes[writes:]))
    assert host.device["feed_status"] == "connected"
    assert sim.feed_clients == 1 and sim.requests["authenticate"] == logins


# --- a checksum storm ---


async def test_a_checksum_storm_costs_one_device_list_fetch(
    cloud: object, feed: FeedServer, drivers: list[SenseEnergyDriver]
) -> None:
    import respx

    assert isinstance(cloud, respx.MockRouter)
    fetches = Calls(cloud.routes["devices"])
    host = host_for(feed, **STORED)
    slow = dataclasses.replace(FAST, interval_scale=1.0)  # the device-list rate limit: 5 s
    await started(drivers, host, timing=slow)
    await feed.wait_for(lambda: feed.open_now == 1)
    await fetches.reach(1)
    feed.send(json_frame("realtime_update", real.realtime(1.0)))
    await host.wait_for(lambda: host.device.get("power") == 1)
    for n in range(200):
        feed.send(json_frame("data_change", {"device_data_checksum": f"{n:032x}"}))
    feed.send(json_frame("realtime_update", real.realtime(2.0)))
    await host.wait_for(lambda: host.device.get("power") == 2)
    await fetches.reach(2)
    feed.send(json_frame("realtime_update", real.realtime(3.0)))  # a round trip later ...
    await host.wait_for(lambda: host.device.get("power") == 3)
    assert fetches.count == 2  # ... still: the rest wait for the gap


# --- a silent and a dripping REST server ----------------------------------------------------------


@pytest.fixture
async def slow_server() -> AsyncIterator[tuple[str, list[str]]]:
    """A loopback HTTP server that never answers (`silent`) or drips one byte per 0.2 s."""
    mode: list[str] = ["silent"]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            if mode[0] == "drip":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                while True:
                    writer.write(b"{")
                    await writer.drain()
                    await asyncio.sleep(0.2)  # the fault itself: a server that drips
            await reader.read()  # silent: wait for the client to give up
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}/apiservice/api/v1", mode
        server.close()


@pytest.mark.parametrize("kind", ["silent", "drip"])
async def test_connect_and_commands_are_bounded_against_a_slow_server(
    kind: str, slow_server: tuple[str, list[str]], feed: FeedServer
) -> None:
    url, mode = slow_server
    mode[0] = kind
    host = host_for(feed, api_url=url, monitor_id=MON)
    timing = dataclasses.replace(FAST, connect_deadline=0.5, command_deadline=0.5)
    driver = SenseEnergyDriver(host, timing=timing)
    try:
        async with asyncio.timeout(5):
            await driver.connect()  # returns at its deadline; the login goes on in the background
        assert host.logged("still logging in to Sense after 0.5 s") == 1
        assert host.device["feed_status"] == "connecting"
        async with asyncio.timeout(5):
            with pytest.raises(SenseCommandError, match=r"no answer within 0\.5 s"):
                await driver.command({"action": "get_monitors"})
    finally:
        async with asyncio.timeout(5):
            await driver.disconnect()
    assert host.device["feed_status"] == "stopped"


# --- bad command arguments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cmd", "says"),
    [
        ({"action": "get_timeline", 7: "x"}, "argument names must be strings"),
        ({"action": "get_usage", "scale": "DAY", "start": "0001-01-01T00:00:00+01:00"}, "start"),
        ({"action": "get_usage", "scale": "DAY", "start": "yesterday"}, "ISO 8601"),
        ({"action": "get_timeline", "device_id": "x" * 100_000}, "device_id"),
        ({"action": "get_timeline", "device_id": "../../users"}, "device_id"),
        ({"action": "get_timeline", "n_items": 10**400}, "n_items"),
        ({"action": "get_timeline", "n_items": True}, "n_items"),
        ({"action": "get_usage", "scale": 3}, "scale"),
        ({"action": 12}, "unknown action"),
        ({"action": "submit_mfa", "code": "1" * 1000}, "code"),
    ],
)
async def test_bad_command_arguments_are_refused_naming_the_argument(
    cmd: dict[object, object], says: str, sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    asked = dict(sim.requests)
    with pytest.raises(SenseCommandError, match=says) as err:
        await driver.command(cmd)  # type: ignore[arg-type]
    assert len(str(err.value)) < 400  # the bad value is quoted short, not echoed whole
    assert dict(sim.requests) == asked  # nothing reached the cloud


async def test_a_naive_start_is_a_local_day_of_the_monitor(
    cloud: object, feed: FeedServer, drivers: list[SenseEnergyDriver]
) -> None:
    import respx

    assert isinstance(cloud, respx.MockRouter)
    driver = await started(drivers, host_for(feed, **STORED))
    usage = await driver.command({"action": "get_usage", "scale": "DAY", "start": "2030-01-01"})
    assert isinstance(usage, dict)
    assert usage["start"] == "2030-01-01T00:00:00-05:00"  # America/New_York, echoed
    request = cloud.routes["trends"].calls.last.request
    assert request.url.params["start"] == "2030-01-01T05:00:00"  # that local midnight, in UTC
    solar = await driver.command({"action": "get_solar", "scale": "DAY", "start": "2030-01-01"})
    assert isinstance(solar, dict) and solar["start"] == usage["start"]


# --- log forging ---


async def test_a_device_name_cannot_forge_or_colour_device_log_lines(
    cloud: object, feed: FeedServer, drivers: list[SenseEnergyDriver]
) -> None:
    import httpx
    import respx

    assert isinstance(cloud, respx.MockRouter)
    evil = "Dryer\nWARNING fake line: password reset\x1b[31m\r"
    first = {"devices": [real.device("e0f1a2b3", evil, "dryer")]}
    second = {"devices": [real.device("5f3KqZx2", evil, "dryer")]}
    answers = iter([httpx.Response(200, json=first), httpx.Response(200, json=second)])
    fetched = asyncio.Event()

    def fetch(request: httpx.Request) -> httpx.Response:
        fetched.set()
        return next(answers)

    cloud.routes["devices"].side_effect = fetch
    host = host_for(feed, **STORED)
    driver = await started(drivers, host)
    async with asyncio.timeout(10):
        await fetched.wait()  # the poller has the first list
    await driver.parts().devices.poll_once()  # the second: the dryer's id changed
    await host.wait_for(lambda: host.logged("retrained by Sense") == 1)
    for _, line in host.logs:
        assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert host.logged("Dryer\\nWARNING fake line: password reset\\x1b[31m\\r") == 1


def test_control_characters_are_escaped_not_obeyed() -> None:
    from sense_energy_driver.hostport import printable

    assert printable("a\nb\x1b[2Jc\u2028d\x85") == "a\\nb\\x1b[2Jc\\u2028d\\x85"
    assert printable("plain ünïcode") == "plain ünïcode"


def test_secrets_are_removed_before_controls_are_escaped() -> None:
    from sense_energy_driver.hostport import HostPort

    host = RecordingHost()
    port = HostPort(host, lambda: ["p\nwd-secret-1"])
    port.log(logging.WARNING, "text with p\nwd-secret-1 in it\n")
    assert host.logs == [(logging.WARNING, "text with <redacted> in it\\n")]
    port.close()
    port.log(logging.WARNING, "after close")
    assert len(host.logs) == 1


# --- configuration-shaped failures at connect -----------------------------------------------------


@pytest.mark.parametrize(
    ("wrong", "attribute", "says"),
    [
        ("https", "api_url", "does not speak TLS"),
        ("path", "api_url", "does not point at the Sense API"),
    ],
)
async def test_a_wrong_api_url_is_named_at_once(
    wrong: str, attribute: str, says: str, sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    url = sim.api_url
    if wrong == "https":
        url = url.replace("http://", "https://", 1)  # TLS against the plain-http simulator
    else:
        url = url.rsplit("/apiservice", 1)[0] + "/api/v9"  # the server is there, the API is not
    driver, host = await make_driver(sim, connect=False, api_url=url)
    with pytest.raises(SenseEndpointError, match=says) as err:
        await driver.connect()
    assert err.value.attribute == attribute
    assert not driver.running and sim.feed_clients == 0
    assert sim.requests["authenticate"] == 0  # the right endpoint was never asked
    assert host.device["feed_status"] == "stopped"


def test_a_rest_sample_with_poison_values_is_unusable() -> None:
    from sense_energy_driver.models import RealtimeDevice, RealtimePayload
    from sense_energy_driver.writer import unusable

    assert unusable(RealtimePayload(w=5.0, epoch=1_781_352_000)) is None
    assert unusable(RealtimePayload(w=math.nan)) is not None
    assert unusable(RealtimePayload(w=1.0, devices=(RealtimeDevice(id="a", w=math.inf),)))
    assert unusable(RealtimePayload(w=1.0, voltage=(120.0, -math.inf))) is not None
    assert unusable(RealtimePayload(w=1.0, epoch=1e308)) is not None


async def test_a_fixed_configuration_connects_a_refused_driver_but_not_a_disconnected_one(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim, connect=False)
    host.attributes.pop("password")
    with pytest.raises(SenseConfigError, match="password"):
        await driver.connect()
    host.attributes["password"] = sim.password
    await driver.attribute_changed("password")  # the host's connect() is still wanted
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    await driver.disconnect()
    writes = len(host.writes)
    await driver.attribute_changed("status_interval")  # after disconnect(): stays down
    assert not driver.running and sim.feed_clients == 0 and len(host.writes) == writes


async def test_zones_bound_while_running_are_seen_even_from_a_host_that_reuses_its_list() -> None:
    from sense_energy_driver.hostport import HostPort

    host = RecordingHost(zones=["a"])
    host.zone_addresses = lambda: host.zones  # type: ignore[method-assign]  # its own list
    port = HostPort(host, lambda: ())
    assert port.zone_addresses() == ["a"]
    host.zones.append("b")  # mutated in place: the same object as last time
    assert port.zone_addresses() == ["a", "b"]
    host.zones.append(7)  # type: ignore[arg-type]  # not an address: left out
    assert port.zone_addresses() == ["a", "b"]


def _refused_url(scheme: str, path: str = "") -> str:
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"{scheme}://127.0.0.1:{port}{path}"


@pytest.mark.parametrize(
    ("name", "value", "attribute"),
    [
        ("api_url", _refused_url("http", "/apiservice/api/v1"), "api_url"),
        ("realtime_url", _refused_url("ws"), "realtime_url"),
    ],
)
async def test_new_endpoints_that_refuse_are_rejected_and_the_old_ones_keep_running(
    name: str, value: str, attribute: str, sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim)
    await host.wait_for(lambda: host.device.get("feed_status") == "connected")
    host.attributes[name] = value
    with pytest.raises(SenseEndpointError, match="connection refused") as err:
        await driver.attribute_changed(name)
    assert err.value.attribute == attribute
    assert host.logged("new value rejected, the running configuration stays") == 1
    writes = len(host.writes)
    await host.wait_for(lambda: any(w[1] == "power" for w in host.writes[writes:]))
    assert host.device["feed_status"] == "connected" and sim.feed_clients == 1


async def test_a_background_task_that_crashes_is_reported_once_and_restarted(
    cloud: object,
    feed: FeedServer,
    drivers: list[SenseEnergyDriver],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import respx

    from sense_energy_driver.poller import DevicePoller

    assert isinstance(cloud, respx.MockRouter)
    real_poll = DevicePoller.poll_once
    crashes = 0

    async def poll_with_a_bug(self: DevicePoller) -> None:
        nonlocal crashes
        if crashes < 2:
            crashes += 1
            raise KeyError("a bug nobody foresaw, with password canary-PW-5d1e9b")
        await real_poll(self)

    monkeypatch.setattr(DevicePoller, "poll_once", poll_with_a_bug)
    fetched = asyncio.Event()
    answer = cloud.routes["devices"].return_value

    def fetch(request: object) -> object:
        fetched.set()
        return answer

    cloud.routes["devices"].side_effect = fetch
    host = host_for(feed, **STORED)
    await started(drivers, host)
    async with asyncio.timeout(10):
        await fetched.wait()  # restarted (twice), then it ran
    errors = [m for level, m in host.logs if level == logging.ERROR]
    assert sum("internal error in sense-poller (restarting it): KeyError" in m for m in errors) == 1
    assert "canary-PW-5d1e9b" not in host.log_text()  # the exception text is redacted
    assert "internal error in sense-poller" in str(host.device["last_error"])
    await feed.wait_for(lambda: feed.open_now == 1)  # the feed never noticed
