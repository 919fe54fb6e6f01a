"""The driver's proxy devices: declared by attribute, fed by commands and zones, read by Kasa.

The driver runs against the simulated Sense cloud on loopback; python-kasa reads the plugs.
"""

from __future__ import annotations

import json
import logging

import pytest

from sense_energy_driver import SenseCommandError, SenseConfigError
from sense_energy_driver.simulator import SenseSimulator
from tests.proxy.kasa_client import discover_strip, read_watts, watts_by_alias
from tests.sim_fixtures import MakeDriver

LOOPBACK = "127.0.0.1:0"


async def test_set_proxy_power_through_the_driver_is_what_python_kasa_reads(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, _ = await make_driver(
        sim, proxy_devices=[{"name": "Pool pump"}, {"name": "Dimmer"}], kasa_bind=LOOPBACK
    )
    result = await driver.command({"action": "set_proxy_power", "name": "Pool pump", "watts": 1450})
    assert isinstance(result, dict) and result["watts"] == 1450.0
    address = driver.proxies.address
    assert address is not None
    strip = await discover_strip(address.port)
    try:
        assert watts_by_alias(strip) == {"Pool pump": 1450.0, "Dimmer": 0.0}
        await driver.command({"action": "set_proxy_power", "name": "dimmer", "watts": "35.5"})
        await strip.update()
        assert watts_by_alias(strip) == {"Pool pump": 1450.0, "Dimmer": 35.5}
    finally:
        await strip.disconnect()
    listing = await driver.command({"action": "get_proxy_devices"})
    assert isinstance(listing, dict)
    assert listing["listening"] == str(address)
    assert [d["name"] for d in listing["devices"]] == ["Pool pump", "Dimmer"]
    assert listing["counters"]["requests"] >= 2
    json.dumps(listing)  # a command result is JSON


async def test_a_zone_source_follows_the_zone_power_the_driver_writes(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    fridge = next(i for i, name in sim.device_ids().items() if name == "Fridge")
    sim.force_device(None, fridge, 150.0)
    driver, host = await make_driver(
        sim,
        zones=[fridge],
        proxy_devices=[{"name": "Fridge mirror", "source": f"zone:{fridge}"}],
        kasa_bind=LOOPBACK,
    )
    await host.wait_for(lambda: host.zone_values.get(fridge, {}).get("power") == 150)
    address = driver.proxies.address
    assert address is not None
    strip = await discover_strip(address.port)
    try:
        assert watts_by_alias(strip) == {"Fridge mirror": 150.0}
        sim.force_device(None, fridge, 99.0)
        await host.wait_for(lambda: host.zone_values[fridge]["power"] == 99)
        await strip.update()
        assert watts_by_alias(strip) == {"Fridge mirror": 99.0}
    finally:
        await strip.disconnect()
    with pytest.raises(SenseCommandError, match="reads its watts from zone:"):
        await driver.command({"action": "set_proxy_power", "name": "Fridge mirror", "watts": 1})


async def test_proxy_devices_change_without_a_restart(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim, proxy_devices=[{"name": "A"}], kasa_bind=LOOPBACK)
    driver.proxies.set_power("A", 10)
    address = driver.proxies.address
    assert address is not None
    host.attributes["proxy_devices"] = [{"name": "A"}, {"name": "B"}]
    await driver.attribute_changed("proxy_devices")
    assert driver.proxies.address == address  # same sockets: only the list changed
    assert await read_watts(address.port) == {"A": 10.0, "B": 0.0}  # A kept its reading
    host.attributes["proxy_devices"] = []
    await driver.attribute_changed("proxy_devices")
    assert driver.proxies.address is None  # nothing to answer for: the port is free again
    await driver.disconnect()
    assert driver.proxies.address is None


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ({"name": "Nope", "watts": 1}, "no proxy device named 'Nope'; proxy devices: A"),
        ({"name": "A", "watts": -5}, "argument 'watts' must be a number of watts from 0 to 50000"),
        ({"name": "A", "watts": "NaN"}, "from 0 to 50000"),
        ({"name": "A", "watts": 50_001}, r"\(the proxy cap\)"),
        ({"name": "A"}, "argument 'watts' is required"),
        ({"watts": 5}, "argument 'name' is required"),
    ],
)
async def test_set_proxy_power_errors_name_what_is_valid(
    sim: SenseSimulator, make_driver: MakeDriver, command: dict[str, object], message: str
) -> None:
    driver, _ = await make_driver(sim, proxy_devices=[{"name": "A"}], kasa_bind=LOOPBACK)
    driver.proxies.set_power("A", 7)
    with pytest.raises(SenseCommandError, match=message):
        await driver.command({"action": "set_proxy_power", **command})
    assert driver.proxies.describe()["devices"][0]["watts"] == 7.0  # type: ignore[index]


async def test_bad_proxy_devices_is_a_config_error(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    with pytest.raises(SenseConfigError, match=r"'proxy_devices'\[0\]: unknown key 'watts'"):
        await make_driver(sim, proxy_devices=[{"name": "A", "watts": 5}], kasa_bind=LOOPBACK)


async def test_a_taken_port_is_logged_and_the_driver_runs_on(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    first, _ = await make_driver(sim, proxy_devices=[{"name": "A"}], kasa_bind=LOOPBACK)
    taken = first.proxies.address
    assert taken is not None
    second, host = await make_driver(
        sim, proxy_devices=[{"name": "B"}], kasa_bind=f"127.0.0.1:{taken.port}"
    )
    assert second.proxies.address is None
    errors = [m for level, m in host.logs if level == logging.ERROR]
    assert any(f"cannot listen on 127.0.0.1:{taken.port}" in m for m in errors), errors
    await host.wait_for(lambda: "power" in host.device)  # Sense readings still flow


async def test_a_bad_new_proxy_list_is_refused_and_the_old_one_kept(
    sim: SenseSimulator, make_driver: MakeDriver
) -> None:
    driver, host = await make_driver(sim, proxy_devices=[{"name": "A"}], kasa_bind=LOOPBACK)
    driver.proxies.set_power("A", 3)
    host.attributes["proxy_devices"] = [{"name": "A"}, {"name": "B", "source": "zone"}]
    with pytest.raises(SenseConfigError, match=r"'proxy_devices'\[1\]: \"source\" must be"):
        await driver.attribute_changed("proxy_devices")
    assert [d.name for d in driver.proxies.devices] == ["A"]
    assert driver.proxies.address is not None
    assert driver.proxies.describe()["devices"][0]["watts"] == 3.0  # type: ignore[index]
