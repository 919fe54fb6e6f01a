"""Fixtures: a proxy service listening on loopback with a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from sense_energy_driver.proxy import ProxyDevice, ProxyService, RateLimit, parse_bind
from tests.proxy.kasa_client import FakeClock
from tests.sim_fixtures import make_driver, sim

__all__ = ["make_driver", "sim"]

StartProxies = Callable[..., Awaitable[ProxyService]]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def start_proxies(clock: FakeClock) -> AsyncIterator[StartProxies]:
    """Start a ProxyService on 127.0.0.1 and a free port; stopped at the end of the test."""
    started: list[ProxyService] = []

    async def start(
        *declared: ProxyDevice,
        fixed: dict[str, float] | None = None,
        rate_limit: RateLimit | None = None,
    ) -> ProxyService:
        service = ProxyService(clock=clock, rate_limit=rate_limit)
        started.append(service)
        if fixed:
            service.add_fixed(fixed)
        await service.apply(tuple(declared), parse_bind("127.0.0.1:0"))
        assert service.address is not None, "the proxy service did not start"
        return service

    yield start
    for service in started:
        await service.stop()
