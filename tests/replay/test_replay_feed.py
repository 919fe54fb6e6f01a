"""Every recorded feed message through frames.py (as a JSON frame and as a msgpack triple) and the
driver's message handler, asserting what the host is written; then whole recorded sequences over
a loopback feed with the recorded REST bodies behind respx.
"""

from __future__ import annotations

import json
from typing import Any

import msgpack
import pytest
import respx

from sense_energy_driver import SenseEnergyDriver
from sense_energy_driver.frames import FeedMessage, FrameDecoder
from sense_energy_driver.models import DataChange, DeviceStates, Hello, RealtimePayload
from tests.feed_server import FeedServer
from tests.recording_host import RecordingHost
from tests.replay.conftest import load
from tests.replay.corpus import Fixture, fixtures
from tests.sim_fixtures import FAST


def _frames(message: dict[str, Any]) -> list[bytes | str]:
    """The message as the JSON feed sends it and as the msgpack feed (type, epoch, payload)."""
    epoch = message["payload"].get("epoch", 0) if isinstance(message["payload"], dict) else 0
    packed = b"".join(msgpack.packb(x) for x in (message["type"], epoch, message["payload"]))
    return [json.dumps(message), packed]


def _decode(frame: bytes | str) -> FeedMessage:
    messages = FrameDecoder().decode(frame)
    assert len(messages) == 1
    return messages[0]


@pytest.mark.parametrize("fx", fixtures("feed"), ids=lambda f: f.file)
@pytest.mark.parametrize("encoding", ["json", "msgpack"])
def test_decoded_by_frames(fx: Fixture, encoding: str) -> None:
    raw = fx.load()
    frame = _frames(raw)[encoding == "msgpack"]
    message = _decode(frame)
    assert message.type == raw["type"] == fx.what
    payload = raw["payload"]
    if fx.what == "realtime_update":
        got = message.payload
        assert isinstance(got, RealtimePayload)
        assert (got.w, got.solar_w, got.grid_w, got.hz) == (
            payload["w"],
            payload.get("solar_w"),
            payload.get("grid_w"),
            payload.get("hz"),
        )
        assert got.voltage == tuple(payload.get("voltage", ())) or got.voltage is None
        assert got.epoch == payload["epoch"] and got.frame == payload["frame"]
        assert [(d.id, d.w) for d in got.devices] == [(d["id"], d["w"]) for d in payload["devices"]]
    elif fx.what == "data_change":
        assert isinstance(message.payload, DataChange)
        assert message.payload.device_data_checksum == payload["device_data_checksum"]
    elif fx.what == "device_states":
        assert isinstance(message.payload, DeviceStates)
        assert [s.device_id for s in message.payload.states] == [
            s["device_id"] for s in payload["states"]
        ]
    elif fx.what == "hello":
        assert isinstance(message.payload, Hello)
        assert message.payload.online is payload["online"]


def _expected_device_values(payload: dict[str, Any]) -> dict[str, object]:
    """What the manifest promises for a sample: whole watts, volts to 0.1, hertz to 0.01."""
    legs = payload.get("voltage") or []
    out: dict[str, object] = {
        "power": round(payload["w"]),
        "active_devices": len(payload["devices"]),
    }
    if "solar_w" in payload:
        out["solar_power"] = round(payload["solar_w"])
    if "grid_w" in payload:
        out["grid_power"] = round(payload["grid_w"])
    if legs:
        out |= {"voltage": round(sum(legs) / len(legs), 1), "voltage_l1": round(legs[0], 1)}
    if "hz" in payload:
        out["frequency"] = round(payload["hz"], 2)
    return out


@pytest.mark.parametrize("fx", fixtures("feed", "realtime_update"), ids=lambda f: f.file)
async def test_realtime_update_through_the_handler(fx: Fixture) -> None:
    payload = fx.load()["payload"]
    zones = [d["id"] for d in payload["devices"]] + ["not-in-the-sample"]
    host = RecordingHost(attributes={"username": "u", "password": "p"}, zones=zones)
    driver = SenseEnergyDriver(host, timing=FAST)
    for frame in _frames(fx.load()):
        await driver.on_message(_decode(frame))
        for name, value in _expected_device_values(payload).items():
            assert host.device[name] == value, name
        for device in payload["devices"]:
            assert host.zone_values[device["id"]] == {"state": "on", "power": round(device["w"])}
        assert host.zone_values["not-in-the-sample"] == {"state": "off", "power": 0}


@pytest.mark.parametrize(
    "fx", [f for f in fixtures("feed") if f.what != "realtime_update"], ids=lambda f: f.file
)
async def test_other_messages_write_nothing_through_the_handler(fx: Fixture) -> None:
    host = RecordingHost(attributes={"username": "u", "password": "p"}, zones=["12345678"])
    driver = SenseEnergyDriver(host, timing=FAST)
    for frame in _frames(fx.load()):
        await driver.on_message(_decode(frame))
    assert host.writes == []


# --- whole sequences: recorded REST bodies behind respx, recorded frames over a loopback feed ---


def _sequence(source: str) -> list[str]:
    order = ("hello", "monitor_info", "data_change", "device_states", "realtime_update")
    by_type = {f.what: f for f in fixtures("feed") if f.source == source}
    return [json.dumps(by_type[t].load()) for t in (*order, "new_timeline_event") if t in by_type]


async def test_recorded_2023_sequence_end_to_end(cloud: respx.MockRouter, driver_on: Any) -> None:
    async with FeedServer(preamble=_sequence("dnesting")) as feed:
        _, host = await driver_on(feed, ["12345678"])
        await host.wait_for(lambda: host.device.get("feed_status") == "connected")
        payload = load("feed/realtime_update.dnesting-2023-hue.json")["payload"]
        for name, value in _expected_device_values(payload).items():
            assert host.device[name] == value, name
        assert host.zone_values["12345678"] == {"state": "on", "power": 31}
        assert host.device["last_error"] == ""
        # the data_change's checksum differs from the overview's: the list is fetched again
        await host.wait_for(lambda: cloud.routes["devices"].call_count == 2)


async def test_recorded_2024_solar_sample_end_to_end(driver_on: Any) -> None:
    frame = json.dumps(load("feed/realtime_update.openhab-2024-solar.json"))
    async with FeedServer(preamble=[frame]) as feed:
        _, host = await driver_on(feed, ["0e64ad2b", "solar"])
        await host.wait_for(lambda: "power" in host.device)
        assert (host.device["power"], host.device["solar_power"]) == (1494, 6105)
        assert host.device["grid_power"] == -4610  # exporting
        assert host.zone_values["0e64ad2b"] == {"state": "on", "power": 499}


async def test_hello_offline_variant_of_the_recording(driver_on: Any) -> None:
    """The recorded hello with `online` flipped (not itself a recording): the monitor offline."""
    hello = load("feed/hello.dnesting-2023.json")
    hello["payload"]["online"] = False
    async with FeedServer(preamble=[json.dumps(hello)]) as feed:
        _, host = await driver_on(feed, [])
        await host.wait_for(lambda: host.device.get("feed_status") == "offline")
        assert "offline" in str(host.device["last_error"])
