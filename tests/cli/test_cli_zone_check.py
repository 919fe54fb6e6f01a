"""`run` warns once about zone addresses that are names, not Sense device ids."""

from __future__ import annotations

import json
from pathlib import Path

from sense_energy_driver import SenseEnergyDriver
from sense_energy_driver.cli.follow import check_zone_addresses
from sense_energy_driver.simulator import SenseSimulator
from sense_energy_driver.standalone import StandaloneHost
from tests.cli.conftest import RunCli, WriteDevice
from tests.sim_fixtures import FAST, attributes_for


async def test_a_zone_named_instead_of_addressed_is_warned_about_with_the_id(
    threaded_sim: SenseSimulator, write_device: WriteDevice
) -> None:
    devices = threaded_sim.device_ids()
    good_id, name = next((i, n) for i, n in devices.items() if n.isalpha())
    path: Path = write_device(
        "zones",
        zones=[{"address": good_id}, {"address": name.lower(), "label": "Mine"}],
        **attributes_for(threaded_sim),
    )
    with StandaloneHost(path) as host:
        driver = SenseEnergyDriver(host, timing=FAST)
        try:
            await driver.connect()
            assert await check_zone_addresses(host, driver) == 1
        finally:
            await driver.disconnect()
    log = path.with_suffix(".log").read_text(encoding="utf-8")
    assert f"address '{name.lower()}' is not a Sense device id" in log
    assert f"closest: {name} (id {good_id})" in log
    assert f"address '{good_id}'" not in log


def test_command_get_devices_warns_about_a_named_zone_on_stderr(
    cli: RunCli, threaded_sim: SenseSimulator, write_device: WriteDevice
) -> None:
    device = write_device("named", zones=[{"address": "fridge"}], **attributes_for(threaded_sim))
    result = cli("command", "get_devices", "--device", device)
    assert result.code == 0
    assert "address 'fridge' is not a Sense device id" in result.err
    assert json.loads(result.out)  # the JSON on stdout is unchanged
