"""The MQTT pieces on their own: broker URLs, the outbox, the throttle, requests, options."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from sense_energy_driver.backoff import Backoff
from sense_energy_driver.errors import SenseCommandError
from sense_energy_driver.mqtt.bridge import format_value
from sense_energy_driver.mqtt.broker import MqttConfigError, parse_broker_url
from sense_energy_driver.mqtt.link import BrokerLink
from sense_energy_driver.mqtt.options import MqttOptions, add_mqtt_arguments
from sense_energy_driver.mqtt.outbox import Outbox, Outgoing
from sense_energy_driver.mqtt.requests import MQTT_ACTIONS, answer_request
from sense_energy_driver.mqtt.throttle import Throttle
from sense_energy_driver.mqtt.topics import TopicLayout, topic_safe
from tests.mqtt.ha_schema import problems

SECRET = "s3cr3t-pa55"


def test_broker_urls_parse_with_defaults_and_hide_the_password() -> None:
    plain = parse_broker_url("mqtt://broker.local")
    assert (plain.host, plain.port, plain.tls, plain.username) == (
        "broker.local",
        1883,
        False,
        None,
    )
    secure = parse_broker_url(f"mqtts://ha:{SECRET}@10.0.0.2:8884")
    assert (secure.port, secure.tls, secure.username, secure.password) == (8884, True, "ha", SECRET)
    assert SECRET not in repr(secure) and SECRET not in secure.display()
    assert secure.display() == "mqtts://ha@10.0.0.2:8884"
    assert parse_broker_url("mqtts://h").port == 8883
    encoded = parse_broker_url("mqtt://us%40er:p%3Ass@h")
    assert (encoded.username, encoded.password) == ("us@er", "p:ss")
    from_env = parse_broker_url("mqtt://ha@h", environ={"SENSE_MQTT_PASSWORD": SECRET})
    assert from_env.password == SECRET


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://h", "unknown scheme http://"),
        ("broker:1883", "unknown scheme"),
        ("mqtt://", "names no host"),
        (f"mqtt://u:{SECRET}@h:99999", "port must be a number"),
        (f"mqtt://u:{SECRET}@h:port", "port must be a number"),
        ("mqtt://h/topic", "no path or query"),
        (f"mqtt://:{SECRET}@h", "needs a user name"),
    ],
)
def test_bad_broker_urls_say_what_is_valid_without_the_password(url: str, message: str) -> None:
    with pytest.raises(MqttConfigError, match=message) as caught:
        parse_broker_url(url)
    assert SECRET not in str(caught.value)


def test_a_ca_file_needs_tls_and_must_exist(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    with pytest.raises(MqttConfigError, match="needs an mqtts:// URL"):
        parse_broker_url("mqtt://h", ca_file=ca)
    with pytest.raises(MqttConfigError, match="not a readable file"):
        parse_broker_url("mqtts://h", ca_file=ca)
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    assert parse_broker_url("mqtts://h", ca_file=ca).ca_file == ca


def _options(*argv: str) -> MqttOptions | None:
    parser = argparse.ArgumentParser()
    add_mqtt_arguments(parser)
    return MqttOptions.from_args(parser.parse_args(list(argv)))


def test_options_check_prefixes_intervals_and_client_ids() -> None:
    assert _options() is None
    options = _options(
        "--mqtt", "mqtt://h", "--mqtt-prefix", "home/sense/", "--mqtt-min-interval", "2",
        "--mqtt-min-interval", "zone.power=5",
    )  # fmt: skip
    assert options is not None
    assert options.layout == TopicLayout(base="home/sense", discovery="homeassistant")
    assert options.bridge.interval_for("power") == 2.0
    assert options.bridge.interval_for("zone.power") == 5.0
    for argv, message in [
        (("--mqtt-prefix", "sense/#"), "--mqtt-prefix"),
        (("--mqtt-discovery-prefix", ""), "--mqtt-discovery-prefix"),
        (("--mqtt-min-interval", "watts=5"), "unknown entity 'watts'; valid names: power"),
        (("--mqtt-min-interval", "-1"), "seconds >= 0"),
        (("--mqtt-min-interval", "power=soon"), "NAME=SECONDS"),
        (("--mqtt-client-id", "a/b"), "letters, digits"),
    ]:
        with pytest.raises(MqttConfigError, match=message):
            _options("--mqtt", "mqtt://h", *argv)


def test_the_outbox_keeps_the_latest_value_per_topic_and_counts_drops(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outbox = Outbox(limit=2)
    assert outbox.put(Outgoing("a", "1"))
    assert outbox.put(Outgoing("b", "1"))
    assert outbox.put(Outgoing("a", "2"))  # replaces a's value, keeps a's place
    assert not outbox.put(Outgoing("c", "1"))  # full: c is dropped, a and b are not
    assert outbox.put(Outgoing("r", "x", key="r#1")) is False  # still full, still counted
    assert [(m.topic, m.payload) for m in outbox.take_ready(10)] == [("a", "2"), ("b", "1")]
    assert (outbox.counters.coalesced, outbox.counters.dropped) == (1, 2)
    assert [r.message for r in caplog.records].count(
        "MQTT outbox full (2 topics waiting); new topics are dropped until the broker catches up "
        "(1 dropped so far)"
    ) == 1  # warned once per overflow, not once per message
    assert outbox.put(Outgoing("r", "x", key="r#1")) and outbox.put(Outgoing("r", "y", key="r#2"))
    assert [m.payload for m in outbox.take_ready(10)] == ["x", "y"]  # unique keys never merge


def test_a_value_that_returns_to_what_was_sent_is_not_sent_again() -> None:
    outbox = Outbox()
    outbox.put(Outgoing("p", "100"))
    assert [m.payload for m in outbox.take_ready(10)] == ["100"]
    outbox.put(Outgoing("p", "200"))
    outbox.put(Outgoing("p", "100"))  # 100 -> 200 -> 100 before 200 went out
    assert outbox.take_ready(10) == []
    outbox.put(Outgoing("p", "300"))
    assert [m.payload for m in outbox.take_ready(10)] == ["300"]
    outbox.clear()  # after a reconnect everything goes out again
    outbox.put(Outgoing("p", "300"))
    assert [m.payload for m in outbox.take_ready(10)] == ["300"]


async def test_the_outbox_hands_out_in_order_once_there_is_something() -> None:
    outbox = Outbox()
    outbox.put(Outgoing("a", "1"))
    outbox.put(Outgoing("b", "1"))
    assert (await outbox.get()).topic == "a"
    assert (await outbox.get()).topic == "b"
    assert len(outbox) == 0


class ManualClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.timers: list[tuple[float, Callable[[], None]]] = []

    def call_at(self, when: float, callback: Callable[[], None]) -> ManualTimer:
        timer = ManualTimer(self, (when, callback))
        self.timers.append(timer.entry)
        return timer

    def advance(self, seconds: float) -> None:
        self.now += seconds
        due = [t for t in self.timers if t[0] <= self.now]
        self.timers = [t for t in self.timers if t[0] > self.now]
        for _, callback in due:
            callback()


class ManualTimer:
    def __init__(self, clock: ManualClock, entry: tuple[float, Callable[[], None]]) -> None:
        self.clock, self.entry = clock, entry

    def cancel(self) -> None:
        if self.entry in self.clock.timers:
            self.clock.timers.remove(self.entry)


def test_the_throttle_sends_at_once_then_holds_the_latest_until_the_interval_ends() -> None:
    clock = ManualClock()
    sent: list[str] = []
    throttle = Throttle(
        lambda m: sent.append(m.payload), clock=lambda: clock.now, call_at=clock.call_at
    )
    throttle.offer(Outgoing("p", "1"), 5.0)
    throttle.offer(Outgoing("p", "2"), 5.0)
    throttle.offer(Outgoing("p", "3"), 5.0)
    throttle.offer(Outgoing("q", "x"), 0.0)  # no interval: straight through
    assert sent == ["1", "x"]
    clock.advance(4.9)
    assert sent == ["1", "x"]
    clock.advance(0.1)
    assert sent == ["1", "x", "3"]  # the latest held value, once
    clock.advance(5.0)
    assert sent == ["1", "x", "3"]
    throttle.offer(Outgoing("p", "4"), 5.0)
    assert sent[-1] == "4"
    throttle.offer(Outgoing("p", "5"), 5.0)
    throttle.reset()
    clock.advance(10)
    assert sent[-1] == "4"  # a reset forgets what was held (a full republish follows)


class FakeDriver:
    def __init__(self) -> None:
        self.seen: list[Mapping[str, object]] = []

    async def command(self, cmd: Mapping[str, object]) -> object:
        self.seen.append(dict(cmd))
        if cmd.get("n_items") == 0:
            raise SenseCommandError("get_timeline: argument 'n_items' must be between 1 and 100")
        return {"echo": cmd["action"]}


async def test_requests_are_checked_before_the_driver_sees_them() -> None:
    driver = FakeDriver()

    async def ask(payload: bytes) -> dict[str, object]:
        answer = json.loads(await answer_request(driver, payload))
        assert isinstance(answer, dict)
        return answer

    assert await ask(b'{"action": "get_realtime", "id": 9}') == {
        "id": 9,
        "action": "get_realtime",
        "ok": True,
        "result": {"echo": "get_realtime"},
    }
    assert driver.seen == [{"action": "get_realtime"}]  # the id is ours, not the driver's
    refused = await ask(b'{"action": "submit_mfa", "code": "1", "id": "m"}')
    assert refused["ok"] is False and refused["id"] == "m"
    assert all(a in str(refused["error"]) for a in MQTT_ACTIONS)
    assert "submit_mfa" not in MQTT_ACTIONS and "reconnect" in MQTT_ACTIONS
    assert (await ask(b"[1, 2]"))["error"] == 'the request must be a JSON object with an "action"'
    assert "not JSON" in str((await ask(b"\xff\xfe"))["error"])
    assert '"id"' in str((await ask(b'{"action": "reconnect", "id": [1]}'))["error"])
    failed = await ask(b'{"action": "get_timeline", "n_items": 0, "id": 1}')
    assert failed["ok"] is False and "between 1 and 100" in str(failed["error"])
    assert len(driver.seen) == 2  # the refused requests never reached the driver


def test_values_become_payloads_home_assistant_parses() -> None:
    assert [format_value(v) for v in (None, True, False, 4221, 120.04999, "on")] == [
        "None", "on", "off", "4221", "120.05", "on",
    ]  # fmt: skip
    assert topic_safe("a/b+c#d") == "a_b_c_d" and topic_safe("///") == "_"


def test_the_schema_check_finds_what_home_assistant_would_reject() -> None:
    bad = {
        "name": "",
        "unique_id": "x",
        "state_topic": "sense/+/power",
        "device_class": "energy",
        "unit_of_measurement": "W",
        "state_class": "measurement",
        "availability_mode": "most",
        "colour": "red",
        "device": {"name": "no identifiers"},
    }
    found = problems("homeassistant/sensor/node/power/config", bad)
    for expected in (
        "unknown key colour",
        "not a topic one can publish to",
        "name must be",
        "unit 'W' is not valid for device_class energy",
        "needs state_class total",
        "availability_mode 'most'",
        "device needs identifiers",
    ):
        assert any(expected in p for p in found), (expected, found)
    assert problems("homeassistant/sensor/power", {}) != []


async def test_a_broker_that_stays_away_is_one_warning_then_a_summary_every_12_attempts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as closed:  # bound, never listening: every connect is refused
        closed.bind(("127.0.0.1", 0))
        broker = parse_broker_url(f"mqtt://127.0.0.1:{closed.getsockname()[1]}")
        link = BrokerLink(
            broker,
            TopicLayout(),
            "test-quiet",
            Outbox(),
            backoff=Backoff(initial=0.001, maximum=0.001, jitter=0.0),
        )
        caplog.set_level(logging.DEBUG, logger="sense_energy_driver.mqtt.link")
        thirteen = asyncio.Event()

        class Count(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                if link.counters.failures >= 13:
                    thirteen.set()

        counter = Count()
        logging.getLogger("sense_energy_driver.mqtt.link").addHandler(counter)
        task = asyncio.get_running_loop().create_task(link.run())
        try:
            async with asyncio.timeout(30):
                await thirteen.wait()
        finally:
            logging.getLogger("sense_energy_driver.mqtt.link").removeHandler(counter)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    retries = [r for r in caplog.records if "retrying in" in r.getMessage()][:13]
    warned = [i + 1 for i, r in enumerate(retries) if r.levelno == logging.WARNING]
    assert warned == [1, 12]
    assert all(r.levelno == logging.DEBUG for i, r in enumerate(retries) if i + 1 not in (1, 12))
    assert "still failing after 12 attempts" in retries[11].getMessage()
    assert "(attempt 2)" in retries[1].getMessage()
