"""A monitor bridged to the test broker in-process: simulator → driver → standalone host → MQTT."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sense_energy_driver import SenseEnergyDriver
from sense_energy_driver.backoff import Backoff
from sense_energy_driver.mqtt.bridge import BridgeOptions
from sense_energy_driver.mqtt.broker import parse_broker_url
from sense_energy_driver.mqtt.link import BrokerLink
from sense_energy_driver.mqtt.options import MqttOptions
from sense_energy_driver.mqtt.service import mqtt_service
from sense_energy_driver.mqtt.topics import MonitorTopics, TopicLayout
from sense_energy_driver.simulator import SenseSimulator
from sense_energy_driver.standalone import StandaloneHost
from tests.sim_fixtures import FAST, attributes_for

FAST_RECONNECT = Backoff(initial=0.05, maximum=0.2, jitter=0.0)
CLIENT_ID = "test-bridge"


@dataclass
class Running:
    host: StandaloneHost
    driver: SenseEnergyDriver
    link: BrokerLink
    topics: MonitorTopics


def write_device_file(
    path: Path,
    sim: SenseSimulator,
    *,
    name: str = "Home",
    zones: Sequence[tuple[str, str]] = (),
    **extra: object,
) -> Path:
    document = {
        "name": name,
        "attributes": attributes_for(sim, **extra),
        "zones": [{"address": a, "label": label} for a, label in zones],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def all_zones(sim: SenseSimulator, monitor_id: str | None = None) -> list[tuple[str, str]]:
    return sorted(sim.device_ids(monitor_id).items())


@asynccontextmanager
async def bridged(
    sim: SenseSimulator,
    broker_url: str,
    directory: Path,
    *,
    zones: Sequence[tuple[str, str]] = (),
    bridge: BridgeOptions | None = None,
    layout: TopicLayout | None = None,
    ca_file: Path | None = None,
    clock: Callable[[], float] = time.time,
    **attributes: object,
) -> AsyncIterator[Running]:
    """The device file, host, driver and MQTT service of one monitor; all stopped at the end."""
    path = write_device_file(directory / "home.json", sim, zones=zones, **attributes)
    layout = layout or TopicLayout()
    broker = parse_broker_url(broker_url, ca_file=ca_file)
    options = MqttOptions(broker, layout, bridge or BridgeOptions())
    with StandaloneHost(path, console_level=logging.WARNING) as host:
        driver = SenseEnergyDriver(host, timing=FAST, clock=clock)
        async with mqtt_service(
            options, [(host, driver)], client_id=CLIENT_ID, backoff=FAST_RECONNECT
        ) as link:
            try:
                await driver.connect()
                yield Running(host, driver, link, layout.monitor(sim.monitor_ids()[0]))
            finally:
                await driver.disconnect()
