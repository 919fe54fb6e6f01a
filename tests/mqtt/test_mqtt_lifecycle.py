"""The bridge's lifetime against a real broker: last will, broker restarts, commands."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sense_energy_driver.simulator import SenseSimulator
from tests.mqtt.broker import Mosquitto, watching
from tests.mqtt.running import all_zones, bridged, write_device_file


@asynccontextmanager
async def run_process(device: Path, broker: Mosquitto, client_id: str) -> AsyncIterator[int]:
    """`sense-energy-driver run --device FILE --mqtt URL` in a child process; yields its pid."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sense_energy_driver",
        "run",
        "--device",
        str(device),
        "--mqtt",
        broker.url,
        "--mqtt-client-id",
        client_id,
        "--no-live",
        "--seconds",
        "120",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        yield process.pid
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def test_the_last_will_marks_the_entities_unavailable_on_kill_9_and_online_on_return(
    broker: Mosquitto, sim: SenseSimulator, tmp_path: Path
) -> None:
    device = write_device_file(tmp_path / "home.json", sim)
    bridge = "sense/bridge/killable/availability"
    node = f"sense/sense_{sim.monitor_ids()[0]}"
    async with watching(broker.port, bridge, f"{node}/availability", f"{node}/power") as watcher:
        async with run_process(device, broker, "killable") as pid:
            await watcher.wait_payload(bridge, "online", timeout=20)
            await watcher.wait_payload(f"{node}/availability", "online", timeout=20)
            await watcher.wait_for(lambda ms: watcher.on(f"{node}/power"), timeout=20)
            os.kill(pid, signal.SIGKILL)
            await watcher.wait_payload(bridge, "offline", timeout=10)
        # the monitor's own topic still says online: the will of the connection covers it
        assert watcher.latest(f"{node}/availability") == "online"
        powers = len(watcher.on(f"{node}/power"))
        async with run_process(device, broker, "killable"):
            await watcher.wait_payload(bridge, "online", timeout=20)
            await watcher.wait_for(lambda ms: len(watcher.on(f"{node}/power")) > powers, 20)


async def test_the_bridge_survives_a_broker_restart_and_republishes_everything(
    broker: Mosquitto, sim: SenseSimulator, tmp_path: Path
) -> None:
    zones = all_zones(sim)[:2]
    async with bridged(sim, broker.url, tmp_path, zones=zones) as run:
        node = run.topics.node
        config = f"homeassistant/sensor/{node}/power/config"
        async with watching(broker.port, "#") as before:
            await before.wait_for(lambda ms: before.on(config) and before.on(f"sense/{node}/power"))
        await broker.stop()
        # the driver goes on without the broker: new samples keep reaching the host
        coalesced = run.link.outbox.counters.coalesced
        for _ in range(5):
            seen = run.host.current_device_values().get("last_sample")
            await run.host.wait_for(lambda v, s=seen: v.device.get("last_sample") != s, timeout=5)
        assert not run.link.connected.is_set()
        # values wait, one per topic (the latest), instead of piling up
        assert run.link.outbox.counters.coalesced > coalesced
        assert 0 < len(run.link.outbox) < 60  # ~16 device values + 2 per zone + availability
        await broker.start()  # same port, empty: no persistence, nothing retained
        async with asyncio.timeout(10):
            await run.link.connected.wait()
        async with watching(broker.port, "#") as after:
            await after.wait_for(
                lambda ms: (
                    after.on(config)
                    and after.on(f"sense/{node}/power")
                    and after.latest(f"sense/{node}/availability") == "online"
                    and after.latest(run.link.availability) == "online"
                )
            )
            zone_config = f"homeassistant/binary_sensor/{node}/zone_{zones[0][0]}_state/config"
            await after.wait_for(lambda ms: after.on(zone_config))
    assert run.link.counters.connects == 2
    assert run.link.counters.failures >= 1


async def test_commands_are_answered_on_the_response_topic(
    broker: Mosquitto, sim: SenseSimulator, tmp_path: Path
) -> None:
    async with bridged(sim, broker.url, tmp_path) as run:
        topics = run.topics
        async with watching(broker.port, topics.response, topics.availability) as watcher:
            # `online` comes after the bridge subscribed to its command topic
            await watcher.wait_payload(topics.availability, "online")

            def answer(request_id: object) -> dict[str, object] | None:
                for message in watcher.on(topics.response):
                    data = message.json()
                    if data.get("id") == request_id:
                        return data
                return None

            async def ask(payload: bytes, request_id: object) -> dict[str, object]:
                await watcher.client.publish(topics.command, payload, qos=1)
                found = await watcher.wait_for(lambda ms: answer(request_id), timeout=10)
                assert isinstance(found, dict)
                return found

            realtime = await ask(b'{"action": "get_realtime", "id": "rt"}', "rt")
            assert realtime["ok"] is True and realtime["action"] == "get_realtime"
            assert isinstance(realtime["result"], dict) and "power" in realtime["result"]
            devices = await ask(b'{"action": "get_devices", "id": 2}', 2)
            assert devices["ok"] is True and isinstance(devices["result"], list)
            reconnect = await ask(b'{"action": "reconnect", "id": 3}', 3)
            assert reconnect["ok"] is True
            mfa = await ask(b'{"action": "submit_mfa", "code": "123456", "id": 4}', 4)
            assert mfa["ok"] is False and "get_realtime" in str(mfa["error"])
            bad_arg = await ask(b'{"action": "get_timeline", "n_items": 500, "id": 5}', 5)
            assert bad_arg["ok"] is False and "between 1 and 100" in str(bad_arg["error"])
            missing = await ask(b'{"action": "get_usage", "id": 6}', 6)
            assert missing["ok"] is False and "scale" in str(missing["error"])
            not_json = await ask(b"reconnect please", None)
            assert not_json["ok"] is False and "not JSON" in str(not_json["error"])


async def test_a_configured_monitor_shows_a_rejected_login_in_home_assistant(
    broker: Mosquitto, sim: SenseSimulator, tmp_path: Path
) -> None:
    monitor = sim.monitor_ids()[0]
    node = f"sense/sense_{monitor}"
    async with (
        watching(broker.port, f"{node}/#", "homeassistant/sensor/+/feed_status/config") as ha,
        bridged(sim, broker.url, tmp_path, monitor_id=monitor, password="wrong-password"),
    ):
        await ha.wait_payload(f"{node}/feed_status", "auth_failed")
        await ha.wait_payload(f"{node}/availability", "online")
        await ha.wait_for(
            lambda ms: ha.on(f"homeassistant/sensor/sense_{monitor}/feed_status/config")
        )


async def test_mqtts_with_the_brokers_ca_publishes_and_without_it_is_refused(
    tls_broker: Mosquitto, sim: SenseSimulator, tmp_path: Path
) -> None:
    assert tls_broker.tls is not None
    url = f"mqtts://127.0.0.1:{tls_broker.tls_port}"
    node = f"sense/sense_{sim.monitor_ids()[0]}"
    (tmp_path / "trusted").mkdir()
    async with (
        watching(tls_broker.port, f"{node}/power") as watcher,
        bridged(sim, url, tmp_path / "trusted", ca_file=tls_broker.tls.ca_file),
    ):
        await watcher.wait_for(lambda ms: watcher.on(f"{node}/power"))
    (tmp_path / "untrusted").mkdir()
    async with bridged(sim, url, tmp_path / "untrusted") as run:  # certifi does not know the CA
        await run.host.wait_for(lambda v: "last_sample" in v.device)
        async with asyncio.timeout(10):
            while run.link.counters.failures < 2:  # refused, retried with backoff, refused
                seen = run.host.current_device_values().get("last_sample")
                await run.host.wait_for(lambda v, s=seen: v.device.get("last_sample") != s)
        assert run.link.counters.connects == 0  # and the driver went on meanwhile


async def test_home_assistants_birth_message_brings_discovery_and_values_again(
    broker: Mosquitto, sim: SenseSimulator, tmp_path: Path
) -> None:
    async with bridged(sim, broker.url, tmp_path) as run:
        config = f"homeassistant/sensor/{run.topics.node}/frequency/config"
        status = run.topics.device_state("feed_status")  # "connected" throughout: sent once
        async with watching(broker.port, "homeassistant/#", status) as ha:
            await ha.wait_for(lambda ms: ha.on(config) and ha.on(status))
            before = len(ha.on(config)), len(ha.on(status))
            await ha.client.publish("homeassistant/status", "online", qos=1)
            await ha.wait_for(lambda ms: len(ha.on(config)) > before[0])
            await ha.wait_for(lambda ms: len(ha.on(status)) > before[1])
