"""What `run` (and each monitor of a fleet) does beside the driver: follow device-file edits,
check zone addresses once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from ..errors import SenseError
from ..standalone.zonecheck import unknown_zone_warnings

if TYPE_CHECKING:
    from ..driver import SenseEnergyDriver
    from ..standalone import StandaloneHost

__all__ = ["check_zone_addresses", "following_device_file"]

CONNECTED_STATES = ("connected", "polling")
ZONE_CHECK_WAIT_S = 600.0


async def check_zone_addresses(host: StandaloneHost, driver: SenseEnergyDriver) -> int:
    """Once logged in, warn (device log) about zones whose address is no device id; the count."""
    await host.wait_for(
        lambda v: v.device.get("feed_status") in CONNECTED_STATES, timeout=ZONE_CHECK_WAIT_S
    )
    devices = await driver.command({"action": "get_devices"})
    assert isinstance(devices, list)
    warnings = unknown_zone_warnings(host.zones, devices)
    for text in warnings:
        host.log(logging.WARNING, text)
    return len(warnings)


@contextlib.asynccontextmanager
async def following_device_file(
    host: StandaloneHost, driver: SenseEnergyDriver, *, interval: float, check_zones: bool = True
) -> AsyncIterator[None]:
    """Apply device-file edits to the running driver and check zones, for the block's length.

    `check_zones=False` (a fleet) skips the zone check's get_devices, one more REST call per
    monitor at start.
    """

    async def zones() -> None:
        with contextlib.suppress(SenseError, TimeoutError):  # no list, no check: nothing to say
            await check_zone_addresses(host, driver)

    async def follow() -> None:
        await host.follow_device_file(driver.attribute_changed, interval=interval)

    tasks = [asyncio.create_task(follow(), name="cli-follow-device-file")]
    if check_zones:
        tasks.append(asyncio.create_task(zones(), name="cli-zone-check"))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
