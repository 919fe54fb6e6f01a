"""A device file holds `proxy_devices` as a JSON list; the driver reads it, the host keeps it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sense_energy_driver import SenseEnergyDriver
from sense_energy_driver.errors import SenseConfigError
from sense_energy_driver.simulator import SenseSimulator
from sense_energy_driver.standalone import StandaloneHost
from tests.proxy.kasa_client import read_watts
from tests.sim_fixtures import FAST, attributes_for


async def test_a_device_file_declares_proxies_and_keeps_a_changed_list(
    sim: SenseSimulator, tmp_path: Path
) -> None:
    path = tmp_path / "home.json"
    attributes = attributes_for(sim, proxy_devices=[{"name": "Pool pump"}], kasa_bind="127.0.0.1:0")
    path.write_text(json.dumps({"attributes": attributes, "zones": []}), encoding="utf-8")
    with StandaloneHost(path, console_level=100) as host:
        driver = SenseEnergyDriver(host, timing=FAST)
        await driver.connect()
        try:
            await driver.command({"action": "set_proxy_power", "name": "Pool pump", "watts": 640})
            host.set_attribute("proxy_devices", [{"name": "Pool pump"}, {"name": "Kiln"}])
            await driver.attribute_changed("proxy_devices")
            address = driver.proxies.address
            assert address is not None
            assert await read_watts(address.port) == {"Pool pump": 640.0, "Kiln": 0.0}
        finally:
            await driver.disconnect()
    saved = json.loads(path.read_text(encoding="utf-8"))["attributes"]["proxy_devices"]
    assert saved == [{"name": "Pool pump"}, {"name": "Kiln"}]


async def test_an_mqtt_source_without_mqtt_stops_the_connect_naming_what_is_missing(
    sim: SenseSimulator, tmp_path: Path
) -> None:
    path = tmp_path / "home.json"
    proxies = [{"name": "Pool pump", "source": "mqtt:home/pool/power"}]
    attributes = attributes_for(sim, proxy_devices=proxies, kasa_bind="127.0.0.1:0")
    path.write_text(json.dumps({"attributes": attributes, "zones": []}), encoding="utf-8")
    with StandaloneHost(path, console_level=100) as host:
        driver = SenseEnergyDriver(host, timing=FAST)
        try:
            with pytest.raises(SenseConfigError) as caught:
                await driver.connect()
        finally:
            await driver.disconnect()
        assert driver.proxies.address is None  # no plug answers for a source nothing feeds
    message = str(caught.value)
    assert message.startswith("attribute 'proxy_devices': proxy 'Pool pump' reads the MQTT topic")
    assert "--mqtt mqtt://HOST[:PORT]" in message
