"""Samples are written straight from the feed's read callback: to the host this must look as if
the feed's task wrote them (asyncio.timeout works, current_task is the feed's), and a host that
sometimes makes the write wait must still get every sample, whole and in order."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sense_energy_driver import SenseEnergyDriver
from sense_energy_driver.simulator import SenseSimulator
from tests.recording_host import RecordingHost
from tests.sim_fixtures import FAST, attributes_for


class _WaitingHost(RecordingHost):
    """A BatchingHost whose write uses asyncio.timeout and, every third sample, really waits."""

    def __init__(self, sim: SenseSimulator, zones: list[str]) -> None:
        super().__init__(attributes=attributes_for(sim), zones=zones)
        self.samples: list[str] = []  # last_sample of each call, in the order stored
        self.tasks: set[str] = set()
        self.calls = 0

    async def set_attributes(
        self, device: Sequence[tuple[str, object]], zones: Sequence[tuple[str, str, object]]
    ) -> None:
        self.calls += 1
        task = asyncio.current_task()
        self.tasks.add(task.get_name() if task is not None else "no task")
        async with asyncio.timeout(5):
            if self.calls % 3 == 0:
                await asyncio.sleep(0.001)  # a host that waits for its storage now and then
            for name, value in device:
                await self.set_device_attribute(name, value)
            for address, name, value in zones:
                await self.set_zone_attribute(address, name, value)
        self.samples.append(str(dict(device).get("last_sample", "")))


async def test_a_host_that_sometimes_waits_gets_every_sample_in_order() -> None:
    async with SenseSimulator(interval=0.02, seed=5) as sim:
        monitor = sim.monitor_ids()[0]
        zones = list(sim.device_ids(monitor))[:4]
        host = _WaitingHost(sim, zones)
        driver = SenseEnergyDriver(host, timing=FAST)
        await driver.connect()
        try:
            await host.wait_for(lambda: host.calls >= 30)
        finally:
            await driver.disconnect()
    assert host.tasks == {"sense-realtime"}  # never "no task", though most ran in a callback
    stamped = [s for s in host.samples if s]
    assert stamped == sorted(stamped)  # sample times only move forward: nothing overtook
    assert not host.logged("set_attributes")  # no write failed (asyncio.timeout had its task)
    assert isinstance(host.device.get("power"), int)
    assert all(host.zone_values.get(z, {}).get("state") in ("on", "off") for z in zones)
