"""Poison frames: values a hostile or broken cloud can send are a SenseProtocolError at decode.

NaN and ±Infinity (msgpack carries them; JSON only as non-standard tokens), epochs that are no
time, nesting deep enough to exhaust the interpreter's recursion, oversized frames: each is one
skipped, counted frame with a short reason, never a ValueError, OverflowError or RecursionError,
and the next good frame decodes as if nothing had happened. Frames as the real cloud sends them,
with every field the driver does not read, still decode.
"""

from __future__ import annotations

import json
import random
import struct
from typing import Any

import msgpack
import msgspec
import pytest

from sense_energy_driver.errors import SenseProtocolError
from sense_energy_driver.frames import FrameDecoder
from sense_energy_driver.models import RealtimePayload

EPOCH = 1_723_669_048

# A realtime_update shaped like one recorded from the real cloud (2024, solar, new firmware):
# integer epoch, negative grid and channels, every field the driver ignores, full device tags.
REAL: dict[str, Any] = {
    "voltage": [121.23905944824219, 121.71208190917969],
    "frame": 53187540,
    "devices": [
        {
            "id": "solar",
            "name": "Solar",
            "icon": "solar_alt",
            "tags": {"DefaultUserDeviceType": "Solar", "DeviceListAllowed": "false"},
            "attrs": [],
            "w": 6104.5957,
        },
        {
            "id": "0e64ad2b",
            "name": "AC 2",
            "icon": "ac",
            "make": "Trane",
            "location": "Basement",
            "given_location": "Basement",
            "tags": {
                "Alertable": "true",
                "DateCreated": "2024-05-09T04:16:08.000Z",
                "DefaultLocation": None,
                "ModelCreatedVersion": "21",
                "PeerNames": [
                    {"Name": "Gas Dryer", "Percent": 97.0, "Icon": "washer"},
                    {"Name": "Furnace", "Percent": 1.0, "Icon": "heat"},
                ],
                "UserDeviceType": "AC",
            },
            "attrs": [],
            "c": 46,
            "sd": {"w": 12.5, "i": 0.4},
            "w": 498.96848,
        },
        {"id": "always_on", "name": "Always On", "icon": "alwayson", "attrs": [], "w": 445},
    ],
    "deltas": [],
    "defaultCost": 20.77,
    "channels": [810.09912109375, 684.145751953125, -3051.75, -3052.83],
    "hz": 59.98676681518555,
    "w": 1494.244873046875,
    "c": 31,
    "solar_w": 6104.595703125,
    "grid_w": -4610,
    "solar_c": 126,
    "_stats": {"brcv": 1.7236690510805538e9, "mrcv": 1.723669051122e9, "msnd": 1.723669051123e9},
    "aux": {"solar": [-3051.75732421875, -3052.838134765625]},
    "power_flow": {"solar": ["grid", "home"], "grid": []},
    "solar_pct": 100,
    "d_w": 1494,
    "d_solar_w": 6105,
    "epoch": EPOCH,
}


def triple(kind: str, epoch: object, payload: object) -> bytes:
    return msgpack.packb(kind) + msgpack.packb(epoch) + msgpack.packb(payload)


def good() -> bytes:
    return triple("realtime_update", EPOCH, REAL)


def assert_skipped_then_recovers(decoder: FrameDecoder, frame: bytes | str) -> str:
    """The frame raises SenseProtocolError (counted), and a good frame decodes right after."""
    before = decoder.skipped
    with pytest.raises(SenseProtocolError) as caught:
        decoder.decode(frame)
    assert decoder.skipped == before + 1
    reason = str(caught.value)
    assert 0 < len(reason) <= 300, reason
    [message] = decoder.decode(good())
    assert isinstance(message.payload, RealtimePayload)
    assert message.payload.w == pytest.approx(1494.2449)
    return reason


def test_a_real_frame_with_every_extra_field_decodes() -> None:
    for frame in (good(), json.dumps({"type": "realtime_update", "payload": REAL})):
        [message] = FrameDecoder().decode(frame)
        payload = message.payload
        assert isinstance(payload, RealtimePayload)
        assert payload.epoch == EPOCH
        assert payload.grid_w == -4610
        assert payload.solar_w == pytest.approx(6104.5957)
        assert payload.hz == pytest.approx(59.9868, abs=1e-4)
        assert payload.voltage == pytest.approx((121.239, 121.712), abs=1e-3)
        assert [(d.id, d.w) for d in payload.devices] == [
            ("solar", pytest.approx(6104.5957)),
            ("0e64ad2b", pytest.approx(498.96848)),
            ("always_on", 445.0),
        ]


NON_FINITE = [float("nan"), float("inf"), float("-inf")]
READINGS = ["w", "solar_w", "grid_w", "hz"]


@pytest.mark.parametrize(
    "value", [*NON_FINITE, 1e308, -1e12], ids=["nan", "inf", "-inf", "1e308", "-1e12"]
)
@pytest.mark.parametrize("where", [*READINGS, "voltage", "device"])
def test_a_reading_that_is_no_number_of_watts_is_a_bad_frame(where: str, value: float) -> None:
    payload = dict(REAL)
    if where == "voltage":
        payload["voltage"] = [121.0, value]
    elif where == "device":
        payload["devices"] = [*REAL["devices"][:2], {"id": "x", "w": value}]
    else:
        payload[where] = value
    decoder = FrameDecoder()
    reason = assert_skipped_then_recovers(decoder, triple("realtime_update", EPOCH, payload))
    assert "realtime_update" in reason
    # The same frame on the buffered path (bundled with another message) fails the same way.
    bundle = triple("realtime_update", EPOCH, payload) + triple("data_change", EPOCH, {})
    assert_skipped_then_recovers(decoder, bundle)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999", "1e308"])
def test_json_non_standard_or_huge_numbers_are_a_bad_frame(token: str) -> None:
    text = json.dumps({"type": "realtime_update", "payload": {**REAL, "w": 0}})
    frame = text.replace('"w": 0', f'"w": {token}', 1)
    assert frame != text
    assert_skipped_then_recovers(FrameDecoder(), frame)


INSANE_EPOCHS = {
    "1e308": b"\xcb" + struct.pack(">d", 1e308),
    "nan": b"\xcb" + struct.pack(">d", float("nan")),
    "inf": b"\xcb" + struct.pack(">d", float("inf")),
    "negative": msgpack.packb(-5),
    "int64 min": b"\xd3" + struct.pack(">q", -(2**63)),
    "uint64 max": b"\xcf" + struct.pack(">Q", 2**64 - 1),
    "year 2106": b"\xce" + struct.pack(">I", 2**32 - 1),
    "string": msgpack.packb("1723669048"),
    "array": msgpack.packb([EPOCH]),
}


@pytest.mark.parametrize("name", INSANE_EPOCHS)
def test_a_header_epoch_that_is_no_time_is_a_bad_frame(name: str) -> None:
    packed = INSANE_EPOCHS[name]
    decoder = FrameDecoder()
    frame = msgpack.packb("realtime_update") + packed + msgpack.packb(REAL)
    assert_skipped_then_recovers(decoder, frame)
    other = msgpack.packb("data_change") + packed + msgpack.packb({})
    assert_skipped_then_recovers(decoder, other)


@pytest.mark.parametrize("epoch", [1e308, -1, 4_102_444_800, "now", None])
def test_a_payload_epoch_that_is_no_time_is_a_bad_frame(epoch: object) -> None:
    payload = {**REAL, "epoch": epoch}
    decoder = FrameDecoder()
    frame = triple("realtime_update", EPOCH, payload)
    if epoch is None:  # absent in effect: the driver falls back to the time of receipt
        [message] = decoder.decode(frame)
        assert isinstance(message.payload, RealtimePayload)
        assert message.payload.epoch is None
        return
    assert_skipped_then_recovers(decoder, frame)
    text = json.dumps({"type": "realtime_update", "payload": payload})
    assert_skipped_then_recovers(decoder, text)


def test_a_json_envelope_epoch_that_is_no_time_is_a_bad_frame() -> None:
    text = json.dumps({"type": "realtime_update", "epoch": 1e308, "payload": REAL})
    assert "epoch" in assert_skipped_then_recovers(FrameDecoder(), text)


MARK = "nested-value-goes-here"


def deep_msgpack(depth: int) -> bytes:
    """`depth` levels of one-element arrays and one-key maps, as bytes (packb refuses them)."""
    return b"".join(b"\x91" if level % 2 else b"\x81\xa1k" for level in range(depth)) + b"\x01"


def deep_json(depth: int) -> str:
    opens = "".join("[" if level % 2 else '{"k":' for level in range(depth))
    closes = "".join("]" if level % 2 else "}" for level in reversed(range(depth)))
    return opens + "1" + closes


def with_deep(obj: object, depth: int) -> tuple[bytes, str]:
    """obj (holding MARK where the nesting goes) packed as msgpack and as JSON."""
    packed = msgpack.packb(obj).replace(msgpack.packb(MARK), deep_msgpack(depth))
    text = json.dumps(obj).replace(json.dumps(MARK), deep_json(depth))
    return packed, text


@pytest.mark.parametrize("depth", [1_000, 5_000])
def test_deep_nesting_is_a_bad_frame_not_a_recursion_error(depth: int) -> None:
    decoder = FrameDecoder()
    payload, payload_text = with_deep({**REAL, "aux": MARK}, depth)
    change, _ = with_deep({"extra": MARK}, depth)
    anything, _ = with_deep(MARK, depth)
    head = msgpack.packb("realtime_update") + msgpack.packb(EPOCH)
    frames: list[bytes | str] = [
        head + payload,  # the hot path
        head + payload + triple("data_change", EPOCH, {}),  # the buffered path
        msgpack.packb("data_change") + msgpack.packb(EPOCH) + change,
        msgpack.packb("mystery_event") + msgpack.packb(EPOCH) + anything,  # a type not read
        '{"type":"realtime_update","payload":' + payload_text + "}",
        with_deep({"type": "realtime_update", "extra": MARK, "payload": REAL}, depth)[1],
    ]
    for frame in frames:
        reason = assert_skipped_then_recovers(decoder, frame)
        assert "nested too deeply" in reason or "bad msgpack" in reason, reason


def test_moderate_nesting_in_an_ignored_field_still_decodes() -> None:
    payload, text = with_deep({**REAL, "aux": MARK}, 50)
    head = msgpack.packb("realtime_update") + msgpack.packb(EPOCH)
    for frame in (head + payload, '{"type":"realtime_update","payload":' + text + "}"):
        [message] = FrameDecoder().decode(frame)
        assert isinstance(message.payload, RealtimePayload)


def test_an_oversized_frame_is_skipped_and_the_next_decodes() -> None:
    decoder = FrameDecoder(max_frame_bytes=64 * 1024)
    padded = {**REAL, "_padding": "x" * 70_000}
    reason = assert_skipped_then_recovers(decoder, triple("realtime_update", EPOCH, padded))
    assert "exceeds" in reason
    text = json.dumps({"type": "realtime_update", "payload": padded})
    assert_skipped_then_recovers(decoder, text)


def test_mangled_frames_raise_only_sense_protocol_error() -> None:
    """Bytes flipped, cut, duplicated or inserted anywhere in real frames: every outcome is a
    decoded message or a SenseProtocolError, and a good frame decodes afterwards."""
    rng = random.Random(2026)
    base = [good(), triple("data_change", EPOCH, {"device_data_checksum": "abc"})]
    decoder = FrameDecoder()
    outcomes = {"decoded": 0, "skipped": 0}
    for _ in range(600):
        frame = bytearray(rng.choice(base))
        for _ in range(rng.randint(1, 4)):
            if not frame:
                break
            at = rng.randrange(len(frame))
            match rng.randrange(4):
                case 0:
                    frame[at] = rng.randrange(256)
                case 1:
                    del frame[at:]
                case 2:
                    frame[at:at] = frame[at : at + rng.randint(1, 40)]
                case _:
                    frame[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 9)))
        try:
            decoder.decode(bytes(frame))
            outcomes["decoded"] += 1
        except SenseProtocolError:
            outcomes["skipped"] += 1
        [message] = [m for m in decoder.decode(good()) if m.type == "realtime_update"][-1:]
        assert isinstance(message.payload, RealtimePayload)
    assert outcomes["skipped"] > 100 and outcomes["decoded"] > 10, outcomes


def test_rest_realtime_model_rejects_the_same_values() -> None:
    """The model is shared with the REST fallback: its numbers are checked there too."""
    body = json.dumps({**REAL, "w": 1e308}).encode()
    with pytest.raises(msgspec.ValidationError, match=r"\$\.w"):
        msgspec.json.decode(body, type=RealtimePayload)


def test_a_fragment_that_looks_like_a_bad_epoch_is_still_reassembled() -> None:
    """The tail of a split triple may start like a triple with a negative epoch (here the key
    "k" and the value -3): only a whole triple's epoch is judged."""
    data = triple("realtime_update", EPOCH, {"w": 5.0, "k": -3})
    cut = data.rindex(b"\xa1k\xfd")
    decoder = FrameDecoder()
    assert decoder.decode(data[:cut]) == []
    [message] = decoder.decode(data[cut:])
    assert isinstance(message.payload, RealtimePayload)
    assert message.payload.w == 5.0
    assert decoder.skipped == 0


def test_a_frame_cut_anywhere_is_reassembled_from_its_two_parts() -> None:
    """Every split of a real frame in two (the type string alone, the type and half an epoch,
    ...): the first part is held, never an exception, and the two decode as the whole frame."""
    frame = good()
    [whole] = FrameDecoder().decode(frame)
    for cut in range(1, len(frame)):
        decoder = FrameDecoder()
        assert decoder.decode(frame[:cut]) == [], cut
        assert decoder.decode(frame[cut:]) == [whole], cut
        assert decoder.skipped == 0, cut
