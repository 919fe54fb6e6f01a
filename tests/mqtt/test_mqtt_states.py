"""State topics against a real broker: the demo's rate, a zone switch, no repeats, min interval."""

from __future__ import annotations

import asyncio
import itertools
import sys
from pathlib import Path

from sense_energy_driver.mqtt.bridge import BridgeOptions
from sense_energy_driver.simulator import SenseSimulator
from tests.mqtt.broker import Mosquitto, Received, watching
from tests.mqtt.running import all_zones, bridged

DEMO_SECONDS = 30


def _live(messages: list[Received], topic: str) -> list[Received]:
    return [m for m in messages if m.topic == topic and not m.retain]


async def test_the_demo_publishes_at_least_five_power_updates_in_six_seconds(
    broker: Mosquitto, tmp_path: Path
) -> None:
    async with watching(broker.port, "sense/+/power", "sense/+/availability") as watcher:
        demo = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "sense_energy_driver",
            "demo",
            "--mqtt",
            broker.url,
            "--no-live",
            "--seconds",
            str(DEMO_SECONDS),
            "--dir",
            str(tmp_path / "demo"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            topics = await watcher.wait_for(
                lambda ms: [m.topic for m in ms if m.topic.endswith("/power")], timeout=30
            )
            assert isinstance(topics, list)
            topic = topics[0]
            loop = asyncio.get_running_loop()
            start = loop.time()
            await watcher.wait_for(lambda ms: len(_live(ms, topic)) >= 6, timeout=6.0)
            elapsed = loop.time() - start
        finally:
            demo.terminate()
            await demo.wait()
        payloads = [m.payload for m in _live(watcher.messages, topic)]
    assert elapsed <= 6.0
    assert all(p.lstrip("-").isdigit() for p in payloads), payloads
    assert all(a != b for a, b in itertools.pairwise(payloads)), "a repeated value"


async def test_a_zone_switch_reaches_its_binary_sensor_within_a_second(
    broker: Mosquitto, sim: SenseSimulator, tmp_path: Path
) -> None:
    zones = all_zones(sim)
    truth = sim.truth()
    address = next(a for a, _ in zones if a not in truth and a not in ("always_on", "unknown"))
    async with bridged(sim, broker.url, tmp_path, zones=zones) as run:
        state = run.topics.zone_state(address, "state")
        power = run.topics.zone_state(address, "power")
        async with watching(broker.port, f"{run.topics.root}/zone/#") as watcher:
            await watcher.wait_payload(state, "off")
            loop = asyncio.get_running_loop()
            switched = loop.time()
            sim.force_device(None, address, 1500)
            await watcher.wait_payload(state, "on", timeout=1.0)
            on_after = loop.time() - switched
            await watcher.wait_payload(power, "1500", timeout=1.0)
            sim.force_device_off(None, address)
            switched = loop.time()
            await watcher.wait_payload(state, "off", timeout=1.0)
            off_after = loop.time() - switched
    assert on_after < 1.0 and off_after < 1.0


async def test_unchanged_values_are_not_published_again(
    broker: Mosquitto, sim: SenseSimulator, tmp_path: Path
) -> None:
    zones = all_zones(sim)
    root = f"sense/sense_{sim.monitor_ids()[0]}"
    async with (
        bridged(sim, broker.url, tmp_path, zones=zones),
        watching(broker.port, f"{root}/#") as watcher,
    ):
        power = f"{root}/power"
        await watcher.wait_for(lambda ms: len(_live(ms, power)) >= 10)
    by_topic: dict[str, list[str]] = {}
    for message in watcher.messages:
        if not message.retain:
            by_topic.setdefault(message.topic, []).append(message.payload)
    zone_states = [t for t in by_topic if t.endswith("/state")]
    assert zone_states
    for topic, payloads in by_topic.items():
        repeats = [a for a, b in itertools.pairwise(payloads) if a == b]
        assert not repeats, f"{topic} repeated {repeats}"


async def test_a_minimum_interval_spaces_one_entity_and_not_the_others(
    broker: Mosquitto, sim: SenseSimulator, tmp_path: Path
) -> None:
    options = BridgeOptions(min_intervals={"power": 0.5})
    async with bridged(sim, broker.url, tmp_path, bridge=options) as run:
        power = run.topics.device_state("power")
        grid = run.topics.device_state("grid_power")  # changes with power, not throttled
        async with watching(broker.port, power, grid) as watcher:
            # grid_power follows power but moves a watt at a time, so it changes every few
            # frames, not every one: it is not held back once two of its publishes come closer
            # than the 0.5 s that power is held to (a throttled entity never does)
            await watcher.wait_for(
                lambda ms: len(_live(ms, power)) >= 5 and _closest(_arrivals(ms, grid)) < 0.4,
                timeout=10,
            )
            stamps = _arrivals(watcher.messages, power)
    # the first one may wait behind the discovery burst of the connect; after it, the sim's
    # 20 frames/s are held to one publish per 0.5 s (give or take the broker's delivery)
    assert _closest(stamps[1:]) >= 0.4, stamps


def _closest(stamps: list[float]) -> float:
    """The shortest time between two consecutive publishes (infinite for fewer than two)."""
    return min((b - a for a, b in itertools.pairwise(stamps)), default=float("inf"))


def _arrivals(messages: list[Received], topic: str) -> list[float]:
    return [m.at for m in messages if m.topic == topic and not m.retain]
