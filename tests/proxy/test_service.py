"""ProxyService without the driver: zone feeding, staleness of a zone, name clashes."""

from __future__ import annotations

import pytest

from sense_energy_driver.errors import SenseConfigError
from sense_energy_driver.proxy import ProxyDevice, ProxyService, Source, SourceKind, parse_bind
from tests.proxy.conftest import StartProxies
from tests.proxy.kasa_client import FakeClock, discover_strip, watts_by_alias

ZONE = Source(SourceKind.ZONE, "dev-1")


async def test_a_zone_whose_feed_stops_reads_zero_after_the_timeout(
    start_proxies: StartProxies, clock: FakeClock
) -> None:
    mirror = ProxyDevice.create("Mirror", ZONE, timeout_s=60.0)
    service = await start_proxies(mirror)
    assert service.address is not None
    service.zone_written("dev-1", "state", "on")  # not a power: ignored
    service.zone_written("other", "power", 10)  # another zone: ignored
    service.zone_written("dev-1", "power", 250)
    strip = await discover_strip(service.address.port)
    try:
        assert watts_by_alias(strip) == {"Mirror": 250.0}
        for _ in range(5):  # samples keep coming without changing the zone: still fresh
            clock.advance(40.0)
            service.sample_received()
        await strip.update()
        assert watts_by_alias(strip) == {"Mirror": 250.0}
        clock.advance(61.0)  # the feed went quiet
        await strip.update()
        assert watts_by_alias(strip) == {"Mirror": 0.0}
    finally:
        await strip.disconnect()


async def test_an_impossible_zone_value_is_ignored_and_warned_once(clock: FakeClock) -> None:
    logged: list[str] = []
    service = ProxyService(clock=clock, log=lambda level, message: logged.append(message))
    await service.apply((ProxyDevice.create("Mirror", ZONE),), parse_bind("127.0.0.1:0"))
    try:
        service.zone_written("dev-1", "power", 100)
        service.zone_written("dev-1", "power", -3)
        service.zone_written("dev-1", "power", 10**9)
        assert service.describe()["devices"][0]["last_watts"] == 100.0  # type: ignore[index]
        assert sum("proxy 'Mirror'" in m for m in logged) == 1
    finally:
        await service.stop()


async def test_a_declared_name_clashing_with_a_command_line_one_is_refused(
    clock: FakeClock,
) -> None:
    service = ProxyService(clock=clock)
    service.add_fixed({"Pump": 5.0})
    with pytest.raises(SenseConfigError, match="proxy name 'Pump' is used twice"):
        await service.apply(
            (ProxyDevice.create("pump", Source(SourceKind.COMMAND)),), parse_bind("127.0.0.1:0")
        )
    assert service.address is None


async def test_counters_add_up_over_restarts(start_proxies: StartProxies) -> None:
    service = await start_proxies(fixed={"A": 1})
    assert service.address is not None
    strip = await discover_strip(service.address.port)
    await strip.disconnect()
    before = service.counters.requests
    assert before >= 2
    await service.stop()
    assert service.counters.requests == before
    await service.apply((), parse_bind("127.0.0.1:0"))
    assert service.address is not None
    strip = await discover_strip(service.address.port)
    await strip.disconnect()
    assert service.counters.requests > before


def test_command_line_proxies_are_checked(clock: FakeClock) -> None:
    service = ProxyService(clock=clock)
    with pytest.raises(SenseConfigError, match=r"--proxy Pump must be a number of watts"):
        service.add_fixed({" Pump ": float("nan")})
    assert service.devices == ()  # nothing half-added
    service.add_fixed({" Pump ": 5.0})
    assert service.describe()["devices"][0]["watts"] == 5.0  # type: ignore[index]
    with pytest.raises(SenseConfigError, match="used twice"):
        service.add_fixed({"PUMP": 1.0})
