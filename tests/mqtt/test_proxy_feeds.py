"""ProxyFeeds without a broker: the topics of several drivers' proxies, and who gets a payload."""

from __future__ import annotations

from sense_energy_driver.mqtt.proxyfeed import ProxyFeeds
from sense_energy_driver.proxy import ProxyDevice, ProxyService, Source, SourceKind, parse_bind

SHARED = Source(SourceKind.MQTT, "home/meter/power")
OWN = Source(SourceKind.MQTT, "garage/kiln")
ANYWHERE = parse_bind("127.0.0.1:0")


def _watts(service: ProxyService) -> dict[str, object]:
    devices = service.describe()["devices"]
    assert isinstance(devices, list)
    return {d["name"]: d["watts"] for d in devices}


async def test_two_drivers_share_a_topic_and_keep_their_own() -> None:
    feeds = ProxyFeeds()
    home, garage = ProxyService(), ProxyService()
    stop_home = feeds.attach(home)
    stop_garage = feeds.attach(garage)
    assert not feeds.changed.is_set() and feeds.topics == frozenset()
    await home.apply((ProxyDevice.create("Meter", SHARED),), ANYWHERE)
    await garage.apply(
        (ProxyDevice.create("Meter", SHARED), ProxyDevice.create("Kiln", OWN)), ANYWHERE
    )
    try:
        assert feeds.changed.is_set()
        assert feeds.topics == {SHARED.key, OWN.key}
        assert feeds.deliver(SHARED.key, b"300")
        assert feeds.deliver(OWN.key, b'{"watts": 2000}')
        assert not feeds.deliver("nobody/reads/this", b"1")
        assert _watts(home) == {"Meter": 300.0}
        assert _watts(garage) == {"Meter": 300.0, "Kiln": 2000.0}
        assert feeds.deliver(OWN.key, b"hot")
        assert (feeds.counters.received, feeds.counters.taken, feeds.counters.refused) == (3, 2, 1)

        feeds.changed.clear()
        stop_garage()  # its topics go; the shared one stays for the other driver
        assert feeds.topics == {SHARED.key} and feeds.changed.is_set()
        assert not feeds.deliver(OWN.key, b"5")
        feeds.changed.clear()
        await home.apply((ProxyDevice.create("Meter", SHARED),), ANYWHERE)  # same topics
        assert not feeds.changed.is_set()
        stop_home()
        assert feeds.topics == frozenset()
    finally:
        await home.stop()
        await garage.stop()
