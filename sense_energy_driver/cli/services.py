"""Side services that run beside the driver in `run` and `demo`: one registry, one lifetime.

A feature that serves the driver's values elsewhere (a web page, an MQTT bridge, emulated Kasa
plugs) registers one `ServiceSpec`: the options it adds to `run` and `demo`, and a factory that
turns the parsed options into an async context manager. `running_services` enters every one the
user asked for before the driver connects and leaves them, in reverse order, after it stopped.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..mqtt.options import add_mqtt_arguments, build_mqtt_service
from ..proxy.options import add_proxy_arguments, proxy_options
from ..web.service import add_web_arguments, build_web_service

if TYPE_CHECKING:
    from ..driver import SenseEnergyDriver
    from ..standalone import StandaloneHost

__all__ = ["SERVICES", "ServiceSpec", "add_service_arguments", "running_services"]

ServiceFactory = Callable[
    [argparse.Namespace, "StandaloneHost", "SenseEnergyDriver"],
    AbstractAsyncContextManager[object] | None,
]


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """One side service: its options, and how to start it (None when not asked for)."""

    name: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    build: ServiceFactory


# Each feature adds its spec here; the order is the start order.
SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("web", add_web_arguments, build_web_service),  # the web dashboard (issue 15)
    # MQTT with Home Assistant discovery: --mqtt URL (docs/mqtt.md)
    ServiceSpec("mqtt", add_mqtt_arguments, build_mqtt_service),
    ServiceSpec("kasa", add_proxy_arguments, proxy_options),  # proxy devices (issue 17)
)


def add_service_arguments(
    parser: argparse.ArgumentParser, services: Sequence[ServiceSpec] = SERVICES
) -> None:
    """Every registered service's options, on `run` and on `demo` alike."""
    for spec in services:
        spec.add_arguments(parser)


@asynccontextmanager
async def running_services(
    args: argparse.Namespace,
    host: StandaloneHost,
    driver: SenseEnergyDriver,
    services: Sequence[ServiceSpec] = SERVICES,
) -> AsyncIterator[None]:
    """Run the services the options ask for around the block; stop them in reverse order."""
    async with AsyncExitStack() as stack:
        for spec in services:
            manager = spec.build(args, host, driver)
            if manager is not None:
                await stack.enter_async_context(manager)
        yield
