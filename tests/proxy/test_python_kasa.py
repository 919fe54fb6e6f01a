"""python-kasa, the library Home Assistant drives real Kasa plugs with, as the client of our plugs.

Every test here talks to real sockets on loopback: UDP discovery, then python-kasa's TCP queries.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from kasa import Module
from kasa.transports.xortransport import XorEncryption

from sense_energy_driver.proxy import ProxyDevice, ProxyService, Source, SourceKind, parse_bind
from sense_energy_driver.proxy.server import (
    MAX_DATAGRAM_BYTES,
    MAX_TCP_CONNECTIONS,
    MAX_TCP_REQUEST_BYTES,
    KasaServer,
)
from tests.proxy.conftest import StartProxies
from tests.proxy.kasa_client import (
    SENSE_POLL,
    FakeClock,
    UdpClient,
    datagram,
    discover_strip,
    read_watts,
    watts_by_alias,
)

COMMAND = Source(SourceKind.COMMAND)


@pytest.fixture
async def pump_at_700(start_proxies: StartProxies) -> tuple[ProxyService, int]:
    """One plug reading 700 W, and the port it answers on."""
    service = await start_proxies(fixed={"Pool pump": 700})
    assert service.address is not None
    return service, service.address.port


async def test_python_kasa_discovers_each_plug_and_reads_its_power(
    start_proxies: StartProxies,
) -> None:
    service = await start_proxies(fixed={"Pool pump": 1200.5, "Dimmer": 40, "Heat pump": 0})
    assert service.address is not None
    strip = await discover_strip(service.address.port)
    try:
        assert watts_by_alias(strip) == {"Pool pump": 1200.5, "Dimmer": 40.0, "Heat pump": 0.0}
        by_alias = {child.alias: child for child in strip.children}
        assert by_alias["Pool pump"].is_on and not by_alias["Heat pump"].is_on
        ids = {child.device_id.rpartition("_")[2] for child in strip.children}
        assert ids == {d.device_id for d in service.devices}
        status = by_alias["Pool pump"].modules[Module.Energy].status
        assert status.voltage == 120.0
        assert status.current == pytest.approx(1200.5 / 120.0, abs=1e-3)
        # The strip as a whole is the sum of its outlets, as for a real HS300.
        assert strip.modules[Module.Energy].current_consumption == pytest.approx(1240.5)
    finally:
        await strip.disconnect()


async def test_set_proxy_power_is_what_python_kasa_reads_next(
    start_proxies: StartProxies,
) -> None:
    service = await start_proxies(ProxyDevice.create("Pool pump", COMMAND))
    assert service.address is not None
    strip = await discover_strip(service.address.port)
    try:
        assert watts_by_alias(strip) == {"Pool pump": 0.0}  # never set: 0 W, not a guess
        result = service.set_power("pool PUMP", 1530.25)
        assert result["watts"] == 1530.25
        await strip.update()
        assert watts_by_alias(strip) == {"Pool pump": 1530.25}
        service.set_power("Pool pump", "12.5")  # a number written as text, as the CLI sends it
        await strip.update()
        assert watts_by_alias(strip) == {"Pool pump": 12.5}
    finally:
        await strip.disconnect()


async def test_a_silent_source_reads_zero_after_its_timeout(
    start_proxies: StartProxies, clock: FakeClock
) -> None:
    heater = ProxyDevice.create("Heater", COMMAND, timeout_s=30.0)
    held = ProxyDevice.create("Pool pump", COMMAND)  # no timeout: the reading holds
    service = await start_proxies(heater, held)
    assert service.address is not None
    service.set_power("Heater", 1500)
    service.set_power("Pool pump", 900)
    strip = await discover_strip(service.address.port)
    try:
        clock.advance(30.0)  # exactly the timeout: still fresh
        await strip.update()
        assert watts_by_alias(strip) == {"Heater": 1500.0, "Pool pump": 900.0}
        clock.advance(0.5)
        await strip.update()
        assert watts_by_alias(strip) == {"Heater": 0.0, "Pool pump": 900.0}
        heater_plug = next(c for c in strip.children if c.alias == "Heater")
        assert not heater_plug.is_on
        assert service.describe()["devices"][0]["stale"] is True  # type: ignore[index]
        service.set_power("Heater", 800)  # the source speaks again
        await strip.update()
        assert watts_by_alias(strip)["Heater"] == 800.0
    finally:
        await strip.disconnect()


async def test_sense_poll_gets_one_hs110_answer_per_proxy(start_proxies: StartProxies) -> None:
    service = await start_proxies(fixed={"Pool pump": 1200, "Dimmer": 40.5})
    assert service.address is not None
    client = await UdpClient.open()
    try:
        client.send(datagram(SENSE_POLL), service.address.port)
        answers = await client.receive(2)
    finally:
        client.close()
    by_alias = {a["system"]["get_sysinfo"]["alias"]: a for a in answers}
    assert set(by_alias) == {"Pool pump", "Dimmer"}
    for device in service.devices:
        sysinfo = by_alias[device.name]["system"]["get_sysinfo"]
        assert sysinfo["deviceId"] == device.device_id
        assert sysinfo["mac"] == device.mac
        assert sysinfo["model"] == "HS110(US)"
        assert sysinfo["feature"] == "TIM:ENE"
    realtime = by_alias["Dimmer"]["emeter"]["get_realtime"]
    assert realtime["power"] == 40.5 and realtime["power_mw"] == 40500  # both key styles
    assert realtime["voltage_mv"] == 120000 and realtime["err_code"] == 0


async def test_malformed_and_oversized_datagrams_are_ignored_and_counted(
    pump_at_700: tuple[ProxyService, int],
) -> None:
    service, port = pump_at_700
    client = await UdpClient.open()
    try:
        client.send(b"\x00\xff garbage", port)  # not JSON after decryption
        client.send(datagram([1, 2, 3]), port)  # type: ignore[arg-type]  # JSON, not an object
        client.send(XorEncryption.encrypt(json.dumps(SENSE_POLL)), port)  # TCP framing on UDP
        client.send(b"\x01" * (MAX_DATAGRAM_BYTES + 1), port)
        client.send(datagram({"system": {"get_sysinfo": {"alias": "me"}}}), port)  # an echo
        # Datagrams are handled in order: the answer to this one means all above were seen.
        client.send(datagram(SENSE_POLL), port)
        (answer,) = await client.receive(1)
    finally:
        client.close()
    assert answer["emeter"]["get_realtime"]["power"] == 700
    assert client.answers.empty()
    counters = service.counters
    assert (counters.malformed, counters.oversized, counters.echoes) == (3, 1, 1)
    assert (counters.requests, counters.errors) == (1, 0)
    assert await read_watts(port) == {"Pool pump": 700.0}  # and python-kasa still works


async def test_bad_tcp_requests_close_only_their_connection(
    pump_at_700: tuple[ProxyService, int],
) -> None:
    service, port = pump_at_700
    for payload in (
        (MAX_TCP_REQUEST_BYTES + 1).to_bytes(4, "big"),  # a length over the limit
        (5).to_bytes(4, "big") + b"\x00\x01\x02\x03\x04",  # not JSON
    ):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(payload)
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 5.0) == b""  # closed by the server
        writer.close()
        await writer.wait_closed()
    assert (service.counters.oversized, service.counters.malformed) == (1, 1)
    assert await read_watts(port) == {"Pool pump": 700.0}


async def test_connections_over_the_limit_are_refused_and_counted(
    pump_at_700: tuple[ProxyService, int],
) -> None:
    service, port = pump_at_700
    held = []
    try:
        for _ in range(MAX_TCP_CONNECTIONS):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            held.append(writer)
            # One request answered on each: the server counts the connection as open.
            writer.write(XorEncryption.encrypt(json.dumps({"system": {"get_sysinfo": {}}})))
            await writer.drain()
            size = int.from_bytes(await asyncio.wait_for(reader.readexactly(4), 5.0), "big")
            await asyncio.wait_for(reader.readexactly(size), 5.0)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(reader.read(), 5.0) == b""  # closed at once
        writer.close()
        assert service.counters.refused == 1
    finally:
        for writer in held:
            writer.close()


async def test_a_failure_answering_one_request_leaves_the_socket_serving(
    clock: FakeClock,
) -> None:
    class Flaky:
        calls = 0

        def udp_answers(self, request: dict[str, object]) -> list[bytes]:
            self.calls += 1
            if self.calls == 1:
                raise RuntimeError("boom")
            return [XorEncryption.encrypt('{"ok":1}')[4:]]

        def tcp_answer(self, request: dict[str, object]) -> bytes:
            raise AssertionError("not used")

    server = KasaServer(Flaky(), parse_bind("127.0.0.1:0"), clock=clock)
    address = await server.start()
    client = await UdpClient.open()
    try:
        client.send(datagram(SENSE_POLL), address.port)
        client.send(datagram(SENSE_POLL), address.port)
        assert await client.receive(1) == [{"ok": 1}]
    finally:
        client.close()
        await server.stop()
    assert (server.counters.errors, server.counters.requests) == (1, 1)
