"""Discovery against a real broker: every config valid for Home Assistant, ids stable."""

from __future__ import annotations

import json
from pathlib import Path

from sense_energy_driver.simulator import SenseSimulator
from tests.mqtt.broker import Mosquitto, Received, watching
from tests.mqtt.ha_schema import problems
from tests.mqtt.running import CLIENT_ID, all_zones, bridged

CORE = {"power", "solar_power", "grid_power", "voltage", "frequency", "usage_today_kwh"}


def _configs(messages: list[Received], *, live_only: bool = False) -> dict[str, dict[str, object]]:
    return {
        m.topic: m.json()
        for m in messages
        if m.topic.endswith("/config") and m.payload and not (live_only and m.retain)
    }


def _expected_topics(node: str, zones: list[tuple[str, str]]) -> set[str]:
    topics = {f"homeassistant/sensor/{node}/{name}/config" for name in CORE | {"feed_status"}}
    for address, _ in zones:
        topics.add(f"homeassistant/binary_sensor/{node}/zone_{address}_state/config")
        topics.add(f"homeassistant/sensor/{node}/zone_{address}_power/config")
    return topics


async def test_every_discovery_config_follows_home_assistants_schema(
    broker: Mosquitto, sim: SenseSimulator, tmp_path: Path
) -> None:
    zones = all_zones(sim)
    async with (
        watching(broker.port, "homeassistant/#") as ha,
        bridged(sim, broker.url, tmp_path, zones=zones) as run,
    ):
        node = run.topics.node
        wanted = _expected_topics(node, zones)
        await ha.wait_for(lambda ms: wanted <= set(_configs(ms)))
        configs = _configs(ha.messages)

    assert node == f"sense_{sim.monitor_ids()[0]}"
    for topic, config in configs.items():
        assert problems(topic, config) == [], topic
    sensor = f"homeassistant/sensor/{node}"
    power = configs[f"{sensor}/power/config"]
    assert (power["device_class"], power["unit_of_measurement"], power["state_class"]) == (
        "power",
        "W",
        "measurement",
    )
    assert power["state_topic"] == f"sense/{node}/power"
    for name in ("solar_power", "grid_power"):
        assert configs[f"{sensor}/{name}/config"]["unit_of_measurement"] == "W"
    assert configs[f"{sensor}/voltage/config"]["device_class"] == "voltage"
    assert configs[f"{sensor}/frequency/config"]["unit_of_measurement"] == "Hz"
    energy = configs[f"{sensor}/usage_today_kwh/config"]
    assert (energy["device_class"], energy["unit_of_measurement"], energy["state_class"]) == (
        "energy",
        "kWh",
        "total_increasing",
    )
    feed = configs[f"{sensor}/feed_status/config"]
    assert feed["device_class"] == "enum" and "connected" in feed["options"]  # type: ignore[operator]
    address, label = zones[-1]
    zone_state = configs[f"homeassistant/binary_sensor/{node}/zone_{address}_state/config"]
    assert zone_state["name"] == label
    assert (zone_state["payload_on"], zone_state["payload_off"]) == ("on", "off")
    assert zone_state["state_topic"] == f"sense/{node}/zone/{address}/state"
    zone_power = configs[f"{sensor}/zone_{address}_power/config"]
    assert zone_power["unit_of_measurement"] == "W" and zone_power["name"] == f"{label} power"
    # one Home Assistant device for the monitor; the entities go unavailable with either topic
    devices = {json.dumps(c["device"], sort_keys=True) for c in configs.values()}
    assert len(devices) == 1 and json.loads(devices.pop())["identifiers"] == [node]
    availability = {json.dumps(c["availability"]) for c in configs.values()}
    assert availability == {
        json.dumps(
            [
                {
                    "topic": f"sense/bridge/{CLIENT_ID}/availability",
                    "payload_available": "online",
                    "payload_not_available": "offline",
                },
                {
                    "topic": f"sense/{node}/availability",
                    "payload_available": "online",
                    "payload_not_available": "offline",
                },
            ]
        )
    }
    assert all(c["availability_mode"] == "all" for c in configs.values())
    unique_ids = [c["unique_id"] for c in configs.values()]
    assert len(set(unique_ids)) == len(unique_ids)


async def test_unique_ids_are_the_same_after_a_restart(
    broker: Mosquitto, sim: SenseSimulator, tmp_path: Path
) -> None:
    zones = all_zones(sim)[:3]
    runs: list[dict[str, object]] = []
    for attempt in range(2):
        directory = tmp_path / f"run{attempt}"
        directory.mkdir()
        wanted = _expected_topics(f"sense_{sim.monitor_ids()[0]}", zones)
        async with (
            watching(broker.port, "homeassistant/#") as ha,
            bridged(sim, broker.url, directory, zones=zones),
        ):
            # live messages only: the second run must publish them itself
            await ha.wait_for(lambda ms, w=wanted: w <= set(_configs(ms, live_only=True)))
            configs = _configs(ha.messages, live_only=True)
        runs.append({t: c["unique_id"] for t, c in configs.items() if t in wanted})
    assert runs[0] == runs[1]
    assert len(runs[0]) == len(_expected_topics("x", zones))
