"""Shards: every device file in exactly one shard, the same in every process; a fleet on MQTT."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sense_energy_driver.cli.common import UsageError
from sense_energy_driver.cli.fleet import Shard, fleet_files, shard_of
from sense_energy_driver.simulator import SenseSimulator
from tests.mqtt.broker import Mosquitto, watching
from tests.mqtt.running import write_device_file

NAMES = [f"monitor-{i:03d}" for i in range(200)]


def test_shards_split_names_without_overlap_and_cover_all() -> None:
    shards = [{n for n in NAMES if shard_of(n, 3) == i} for i in range(3)]
    assert set().union(*shards) == set(NAMES)
    assert sum(len(s) for s in shards) == len(NAMES)  # no name in two shards
    assert all(40 < len(s) < 100 for s in shards), [len(s) for s in shards]  # roughly even


def test_the_shard_of_a_name_does_not_depend_on_the_process() -> None:
    """Python's hash() is salted per process; the shard must not be."""
    script = (
        "import json, sys; from sense_energy_driver.cli.fleet import shard_of; "
        "print(json.dumps([shard_of(n, 5) for n in sys.argv[1:]]))"
    )
    here = [shard_of(n, 5) for n in NAMES[:50]]
    for seed in ("1", "2"):
        out = subprocess.run(  # noqa: S603
            [sys.executable, "-c", script, *NAMES[:50]],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        assert json.loads(out) == here


def test_fleet_files_partition_a_directory(tmp_path: Path) -> None:
    for name in NAMES[:30]:
        (tmp_path / f"{name}.json").write_text("{}", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a device", encoding="utf-8")
    parts = [fleet_files(tmp_path, Shard(i, 4)) for i in range(4)]
    names = [p.stem for part in parts for p in part]
    assert sorted(names) == sorted(NAMES[:30])
    assert fleet_files(tmp_path, Shard()) == sorted(tmp_path.glob("*.json"))


def test_bad_shards_and_directories_are_named(tmp_path: Path) -> None:
    for text in ("2/2", "1", "a/b", "-1/3", "0/0"):
        with pytest.raises(argparse.ArgumentTypeError, match="0 <= I < N"):
            Shard.parse(text)
    assert Shard.parse("1/3") == Shard(1, 3)
    with pytest.raises(UsageError, match="no device files"):
        fleet_files(tmp_path, Shard())
    with pytest.raises(UsageError, match="not a directory"):
        fleet_files(tmp_path / "missing", Shard())


@pytest.fixture
async def fleet_sim() -> object:
    async with SenseSimulator(interval=0.1, seed=5, monitors=5) as simulator:
        yield simulator


async def test_two_shard_processes_bridge_a_fleet_each_monitor_once(
    broker: Mosquitto, fleet_sim: SenseSimulator, tmp_path: Path
) -> None:
    sim = fleet_sim
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    for monitor_id in sim.monitor_ids():
        write_device_file(fleet / f"{monitor_id}.json", sim, monitor_id=monitor_id)
    nodes = {f"sense_{m}" for m in sim.monitor_ids()}
    assert all(fleet_files(fleet, Shard(i, 2)) for i in range(2))  # both shards have work
    processes = []
    logs = [tmp_path / f"shard-{index}.log" for index in range(2)]
    async with watching(broker.port, "homeassistant/sensor/+/power/config") as watcher:
        for index in range(2):
            with logs[index].open("wb") as log_file:  # the child keeps its own descriptor
                processes.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable,
                        "-m",
                        "sense_energy_driver",
                        "run",
                        "--devices",
                        str(fleet),
                        "--shard",
                        f"{index}/2",
                        "--mqtt",
                        broker.url,
                        "--mqtt-client-id",
                        f"shard-{index}",
                        "--seconds",
                        "120",
                        stdout=asyncio.subprocess.DEVNULL,
                        stderr=log_file,
                    )
                )
        try:

            def bridges_by_node() -> dict[str, set[str]]:
                found: dict[str, set[str]] = {}
                for message in watcher.messages:
                    config = message.json()
                    node = message.topic.split("/")[2]
                    availability = config["availability"]
                    assert isinstance(availability, list)
                    found.setdefault(node, set()).add(availability[0]["topic"])
                return found

            # Two interpreters start, log in every monitor and connect: generous on a loaded CI.
            await watcher.wait_for(lambda ms: set(bridges_by_node()) == nodes, timeout=90)
        except BaseException:  # a rare stall seen in CI: show what the shards said
            for log in logs:
                print(f"--- {log.name}:\n{log.read_text(errors='replace')[-4000:]}")
            print(f"--- bridged so far: {sorted(bridges_by_node())} of {sorted(nodes)}")
            raise
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                assert await process.wait() == 0  # a clean stop on SIGTERM
    owners = bridges_by_node()
    assert all(len(bridges) == 1 for bridges in owners.values()), owners  # no overlap
    for index in range(2):
        expected = {f"sense_{p.stem}" for p in fleet_files(fleet, Shard(index, 2))}
        mine = {n for n, b in owners.items() if b == {f"sense/bridge/shard-{index}/availability"}}
        assert mine == expected
