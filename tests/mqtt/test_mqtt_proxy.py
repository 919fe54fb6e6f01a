"""MQTT topics as proxy sources, end to end: mosquitto → bridge → driver → emulated Kasa plug →
python-kasa. Every wait is on a condition (a delivery, a subscription), never a sleep."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiomqtt
import pytest

from sense_energy_driver import SenseEnergyDriver
from sense_energy_driver.cli.main import main
from sense_energy_driver.cli.services import add_service_arguments, running_services
from sense_energy_driver.mqtt.link import BrokerLink
from sense_energy_driver.mqtt.proxyfeed import ProxyFeeds
from sense_energy_driver.proxy import Source
from sense_energy_driver.simulator import SenseSimulator
from sense_energy_driver.standalone import StandaloneHost
from tests.mqtt.broker import Mosquitto, watching
from tests.mqtt.running import Running, bridged, write_device_file
from tests.proxy.kasa_client import read_watts
from tests.sim_fixtures import FAST

POOL = "home/pool/power"
KILN = "workshop/kiln/SENSOR"
WAIT_S = 10.0


class JumpClock:
    """Real time plus jumps: the plugs' rate limits refill as usual, staleness comes at once."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


async def until(feeds: ProxyFeeds, predicate: Callable[[ProxyFeeds], object]) -> None:
    async with asyncio.timeout(WAIT_S):
        await feeds.wait_until(predicate)


async def publish(broker: Mosquitto, topic: str, payload: str, *, retain: bool = False) -> None:
    """One message at QoS 1: on the broker (acknowledged) when this returns."""
    async with aiomqtt.Client("127.0.0.1", broker.port) as client:
        await client.publish(topic, payload, qos=1, retain=retain)


async def delivered(run: Running | BrokerLink, broker: Mosquitto, topic: str, payload: str) -> None:
    """Publish, and wait until the bridge has handed the message to the driver's proxies."""
    feeds = (run.link if isinstance(run, Running) else run).feeds
    before = feeds.counters.received
    await publish(broker, topic, payload)
    await until(feeds, lambda f: f.counters.received > before)


async def plugs(run: Running | SenseEnergyDriver) -> dict[str, float | None]:
    """What python-kasa reads from every plug now (a fresh discovery each time)."""
    address = (run.driver if isinstance(run, Running) else run).proxies.address
    assert address is not None, "the emulated plugs are not listening"
    return await read_watts(address.port)


async def proxy_entry(run: Running, name: str) -> dict[str, object]:
    result = await run.driver.command({"action": "get_proxy_devices"})
    assert isinstance(result, dict)
    entries = {e["name"]: e for e in result["devices"]}
    return entries[name]  # type: ignore[no-any-return]


def proxies(*entries: tuple[str, str, float]) -> list[dict[str, object]]:
    """`proxy_devices` for (name, topic, timeout) entries."""
    return [{"name": n, "source": f"mqtt:{t}", "timeout": s} for n, t, s in entries]


@asynccontextmanager
async def proxied(
    broker: Mosquitto,
    sim: SenseSimulator,
    tmp_path: Path,
    *entries: tuple[str, str, float],
    clock: Callable[[], float] = time.time,
) -> AsyncIterator[Running]:
    """A bridged monitor whose proxies read these topics, once the bridge subscribed to them."""
    async with bridged(
        sim,
        broker.url,
        tmp_path,
        clock=clock,
        proxy_devices=proxies(*entries),
        kasa_bind="127.0.0.1:0",
    ) as run:
        await until(run.link.feeds, lambda f: f.subscribed == {topic for _, topic, _ in entries})
        yield run


async def test_a_topic_feeds_its_plug_bad_payloads_are_counted_and_silence_reads_zero(
    broker: Mosquitto, sim: SenseSimulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = JumpClock()
    entries = (("Pool pump", POOL, 30), ("Kiln", KILN, 300))
    async with proxied(broker, sim, tmp_path, *entries, clock=clock) as run:
        await delivered(run, broker, POOL, "1234")
        await delivered(run, broker, KILN, '{"power": 2150.5, "voltage": 231}')
        assert await plugs(run) == {"Pool pump": 1234.0, "Kiln": 2150.5}

        with caplog.at_level(logging.WARNING, logger="sense_energy_driver"):
            for bad in ("on", "-20", '{"current": 9.1}', "60000"):
                await delivered(run, broker, POOL, bad)
        assert await plugs(run) == {"Pool pump": 1234.0, "Kiln": 2150.5}  # the last good one
        pool = await proxy_entry(run, "Pool pump")
        assert pool["rejected"] == 4 and pool["source"] == f"mqtt:{POOL}"
        assert run.link.feeds.counters.refused == 4
        warnings = [r.getMessage() for r in caplog.records if "proxy 'Pool pump'" in r.getMessage()]
        assert len(warnings) == 1 and "'on'" in warnings[0]  # logged once, counted always

        clock.advance(31.0)  # past the pool pump's 30 s, within the kiln's 300 s
        assert await plugs(run) == {"Pool pump": 0.0, "Kiln": 2150.5}
        assert (await proxy_entry(run, "Pool pump"))["stale"] is True
        await delivered(run, broker, POOL, "800")  # the publisher is back
        assert await plugs(run) == {"Pool pump": 800.0, "Kiln": 2150.5}


async def test_a_changed_proxy_list_changes_the_subscriptions(
    broker: Mosquitto, sim: SenseSimulator, tmp_path: Path
) -> None:
    async with proxied(broker, sim, tmp_path, ("Pool pump", POOL, 60)) as run:
        feeds = run.link.feeds
        run.host.set_attribute("proxy_devices", proxies(("Pool pump", KILN, 60)))
        await run.driver.attribute_changed("proxy_devices")
        await until(feeds, lambda f: f.subscribed == {KILN})
        # A retained value is there at once for a topic subscribed later.
        await publish(broker, "home/heater", "1500", retain=True)
        run.host.set_attribute(
            "proxy_devices", proxies(("Pool pump", KILN, 60), ("Heater", "home/heater", 60))
        )
        await run.driver.attribute_changed("proxy_devices")
        await until(feeds, lambda f: f.counters.received >= 1)
        await delivered(run, broker, KILN, "42")
        assert feeds.counters.received == 2  # the retained heater value, then the kiln's
        assert await plugs(run) == {"Pool pump": 42.0, "Heater": 1500.0}


async def test_values_flow_again_after_the_broker_restarts(
    broker: Mosquitto, sim: SenseSimulator, tmp_path: Path
) -> None:
    async with proxied(broker, sim, tmp_path, ("Pool pump", POOL, 600)) as run:
        feeds = run.link.feeds
        await delivered(run, broker, POOL, "1234")
        assert await plugs(run) == {"Pool pump": 1234.0}
        await broker.stop()
        await until(feeds, lambda f: not f.subscribed)  # the link saw the broker go
        assert await plugs(run) == {"Pool pump": 1234.0}  # the reading outlives the broker
        await broker.start()  # same port, nothing retained, no session kept
        await until(feeds, lambda f: run.link.counters.connects >= 2 and f.subscribed == {POOL})
        await delivered(run, broker, POOL, "2345")
        assert await plugs(run) == {"Pool pump": 2345.0}


async def test_run_options_a_proxy_reads_a_topic_of_the_mqtt_broker(
    broker: Mosquitto, sim: SenseSimulator, tmp_path: Path
) -> None:
    """`--mqtt URL --proxy NAME=mqtt:TOPIC`, through the CLI's side services as `run` uses them."""
    parser = argparse.ArgumentParser()
    add_service_arguments(parser)
    args = parser.parse_args(
        ["--mqtt", broker.url, "--proxy", f"Pool pump=mqtt:{POOL}", "--kasa-bind", "127.0.0.1:0"]
    )
    await publish(broker, POOL, "1234", retain=True)  # there whenever the bridge subscribes
    with StandaloneHost(write_device_file(tmp_path / "home.json", sim), console_level=100) as host:
        driver = SenseEnergyDriver(host, timing=FAST)
        pushed = asyncio.Event()
        push = driver.proxies.push

        def spy(source: Source, value: object) -> int:
            taken = push(source, value)
            pushed.set()
            return taken

        driver.proxies.push = spy  # type: ignore[method-assign]
        async with running_services(args, host, driver):
            try:
                await driver.connect()
                async with asyncio.timeout(WAIT_S):
                    await pushed.wait()
                assert await plugs(driver) == {"Pool pump": 1234.0}
            finally:
                await driver.disconnect()


@pytest.mark.parametrize(
    ("argv", "attributes"),
    [
        (["--proxy", f"Pool pump=mqtt:{POOL}"], {}),
        ([], {"proxy_devices": [{"name": "Pool pump", "source": f"mqtt:{POOL}"}]}),
    ],
    ids=["--proxy", "proxy_devices"],
)
def test_run_without_mqtt_refuses_an_mqtt_source_naming_what_is_missing(
    argv: list[str],
    attributes: dict[str, object],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    device = tmp_path / "home.json"
    document = {"attributes": {"username": "a@b.c", "password": "pw", **attributes}}
    device.write_text(json.dumps(document), encoding="utf-8")
    assert main(["run", "--device", str(device), "--no-live", *argv]) == 2
    err = capsys.readouterr().err
    assert f"proxy 'Pool pump' reads the MQTT topic '{POOL}'" in err
    assert "no MQTT connection: start it with --mqtt mqtt://HOST[:PORT]" in err


async def test_set_proxy_power_over_mqtt_reaches_a_running_drivers_plug(
    broker: Mosquitto, sim: SenseSimulator, tmp_path: Path
) -> None:
    """The one way to set a running `run`'s proxy watts from outside its process."""
    async with bridged(
        sim,
        broker.url,
        tmp_path,
        proxy_devices=[{"name": "Heater"}, {"name": "Pool pump", "source": f"mqtt:{POOL}"}],
        kasa_bind="127.0.0.1:0",
    ) as run:
        topics = run.topics
        async with watching(broker.port, topics.response, topics.availability) as watcher:
            await watcher.wait_payload(topics.availability, "online")

            async def ask(request: dict[str, object]) -> dict[str, object]:
                await watcher.client.publish(topics.command, json.dumps(request), qos=1)

                def answer(_: object) -> dict[str, object] | None:
                    for message in watcher.on(topics.response):
                        data = message.json()
                        if data.get("id") == request["id"]:
                            return data  # type: ignore[no-any-return]
                    return None

                found = await watcher.wait_for(answer, timeout=WAIT_S)
                assert isinstance(found, dict)
                return found

            assert (await plugs(run))["Heater"] == 0.0  # no reading yet
            done = await ask(
                {"action": "set_proxy_power", "name": "Heater", "watts": 1500, "id": 1}
            )
            assert done["ok"] is True, done
            assert (await plugs(run))["Heater"] == 1500.0  # python-kasa reads the new watts
            assert (await proxy_entry(run, "Heater"))["watts"] == 1500.0

            # Checked as the command table declares, and by the proxy's own rules.
            negative = await ask(
                {"action": "set_proxy_power", "name": "Heater", "watts": -5, "id": 2}
            )
            assert negative["ok"] is False and "watts" in str(negative["error"])
            text = await ask(
                {"action": "set_proxy_power", "name": "Heater", "watts": "lots", "id": 3}
            )
            assert text["ok"] is False and "watts" in str(text["error"])
            missing = await ask({"action": "set_proxy_power", "watts": 10, "id": 4})
            assert missing["ok"] is False and "name" in str(missing["error"])
            unknown = await ask({"action": "set_proxy_power", "name": "Oven", "watts": 10, "id": 5})
            assert unknown["ok"] is False and "Heater" in str(unknown["error"])
            fed = await ask({"action": "set_proxy_power", "name": "Pool pump", "watts": 9, "id": 6})
            assert fed["ok"] is False and f"mqtt:{POOL}" in str(fed["error"])
            assert (await plugs(run))["Heater"] == 1500.0  # nothing refused changed the reading
