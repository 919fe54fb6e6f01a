"""Sources that push from outside the driver (MQTT topics), as ProxyService sees them: feeds
attached or missing, the keys they are told, bad values counted, silence turning into 0 W."""

from __future__ import annotations

import pytest

from sense_energy_driver.errors import SenseConfigError
from sense_energy_driver.proxy import ProxyDevice, ProxyService, Source, SourceKind, parse_bind
from tests.proxy.kasa_client import FakeClock

POOL = Source(SourceKind.MQTT, "home/pool/power")
KILN = Source(SourceKind.MQTT, "home/kiln/power")
ANYWHERE = parse_bind("127.0.0.1:0")


async def test_an_mqtt_source_without_a_feed_is_a_configuration_error_naming_mqtt(
    clock: FakeClock,
) -> None:
    service = ProxyService(clock=clock)
    await service.apply((ProxyDevice.create("Kettle", Source(SourceKind.COMMAND)),), ANYWHERE)
    try:
        with pytest.raises(SenseConfigError) as caught:
            await service.apply((ProxyDevice.create("Pool pump", POOL),), ANYWHERE)
        message = str(caught.value)
        assert "attribute 'proxy_devices': proxy 'Pool pump'" in message
        assert "'home/pool/power'" in message and "--mqtt mqtt://HOST[:PORT]" in message
        assert [d.name for d in service.devices] == ["Kettle"]  # the old configuration stays
        with pytest.raises(SenseConfigError, match=r"^--proxy: proxy 'Kiln' reads .* --mqtt"):
            service.add_fixed({"Kiln": KILN})
        assert [d.name for d in service.devices] == ["Kettle"]
    finally:
        await service.stop()


async def test_a_feed_is_told_the_topics_now_and_on_every_change(clock: FakeClock) -> None:
    service = ProxyService(clock=clock)
    told: list[frozenset[str]] = []
    detach = service.attach_feed(SourceKind.MQTT, told.append)
    try:
        assert told == [frozenset()]
        service.add_fixed({"Kiln": KILN, "Lamp": 40.0})
        pool = ProxyDevice.create("Pool pump", POOL)
        await service.apply((pool,), ANYWHERE)
        await service.apply((pool,), ANYWHERE)  # unchanged: not told again
        await service.apply((), ANYWHERE)
        assert told == [
            frozenset(),
            frozenset({KILN.key}),
            frozenset({KILN.key, POOL.key}),
            frozenset({KILN.key}),
        ]
        assert service.describe()["devices"][0]["timeout_s"] == 600.0  # type: ignore[index]
        detach()
        with pytest.raises(SenseConfigError, match="no MQTT connection"):
            await service.apply((pool,), ANYWHERE)
        assert len(told) == 4
    finally:
        await service.stop()


async def test_bad_values_are_counted_warned_once_and_the_last_good_one_holds_until_stale(
    clock: FakeClock,
) -> None:
    logged: list[str] = []
    service = ProxyService(clock=clock, log=lambda level, message: logged.append(message))
    service.attach_feed(SourceKind.MQTT, lambda topics: None)
    await service.apply((ProxyDevice.create("Pool pump", POOL, timeout_s=30.0),), ANYWHERE)
    try:
        assert service.push(POOL, b'{"power": 1234}') == 1
        assert service.push(POOL, b"lots") == 0
        assert service.push(POOL, b"-1") == 0
        assert service.push(KILN, b"5") == 0  # nobody reads that topic
        (entry,) = service.describe()["devices"]  # type: ignore[misc]
        assert entry["watts"] == 1234.0 and entry["rejected"] == 2
        warnings = [m for m in logged if "proxy 'Pool pump'" in m]
        assert len(warnings) == 1 and "'lots'" in warnings[0]
        clock.advance(29.0)  # a bad payload is not a sign of life
        assert service.describe()["devices"][0]["watts"] == 1234.0  # type: ignore[index]
        clock.advance(2.0)
        (entry,) = service.describe()["devices"]  # type: ignore[misc]
        assert entry["watts"] == 0.0 and entry["stale"] and entry["last_watts"] == 1234.0
        assert service.push(POOL, b"99.5") == 1
        assert service.describe()["devices"][0]["watts"] == 99.5  # type: ignore[index]
    finally:
        await service.stop()
