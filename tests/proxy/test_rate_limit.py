"""Answers are bounded per source address: a flood cannot turn the plugs into an amplifier."""

from __future__ import annotations

from sense_energy_driver.proxy import RateLimit
from sense_energy_driver.proxy.ratelimit import RateLimiter
from tests.proxy.conftest import StartProxies
from tests.proxy.kasa_client import SENSE_POLL, FakeClock, UdpClient, datagram


def test_bucket_allows_a_burst_then_the_rate(clock: FakeClock) -> None:
    limiter = RateLimiter(RateLimit(per_second=2.0, burst=3.0), clock)
    assert [limiter.allow("10.0.0.1") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("10.0.0.2")  # another address has its own bucket
    clock.advance(0.5)  # one token back
    assert [limiter.allow("10.0.0.1") for _ in range(2)] == [True, False]
    clock.advance(60.0)  # refills to the burst, no further
    assert [limiter.allow("10.0.0.1") for _ in range(4)] == [True, True, True, False]


def test_the_table_of_addresses_is_bounded(clock: FakeClock) -> None:
    limiter = RateLimiter(RateLimit(per_second=1.0, burst=1.0, max_sources=2), clock)
    assert limiter.allow("a") and not limiter.allow("a")
    assert limiter.allow("b") and limiter.allow("c")  # "a", least recently seen, is forgotten
    assert limiter.allow("a")  # a fresh bucket


async def test_a_flood_from_one_address_is_cut_to_the_burst(
    start_proxies: StartProxies, clock: FakeClock
) -> None:
    service = await start_proxies(
        fixed={"Pool pump": 1, "Dimmer": 2}, rate_limit=RateLimit(per_second=1.0, burst=3.0)
    )
    assert service.address is not None
    port = service.address.port
    flooder, other = await UdpClient.open("127.0.0.1"), await UdpClient.open("127.0.0.2")
    try:
        for _ in range(20):
            flooder.send(datagram(SENSE_POLL), port)
        # In order on loopback: once the other address is answered, the flood was handled.
        other.send(datagram(SENSE_POLL), port)
        assert len(await other.receive(2)) == 2
        assert len(await flooder.receive(3 * 2)) == 6  # 3 requests, one datagram per proxy
        assert flooder.answers.empty()
    finally:
        flooder.close()
        other.close()
    counters = service.counters
    assert (counters.requests, counters.answers, counters.rate_limited) == (4, 8, 17)
