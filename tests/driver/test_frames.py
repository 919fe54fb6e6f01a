"""The frame decoder: JSON and msgpack into typed messages, splits and bundles, bad frames."""

from __future__ import annotations

import json
import struct

import msgpack
import pytest

from sense_energy_driver.errors import SenseProtocolError
from sense_energy_driver.frames import FrameDecoder
from sense_energy_driver.models import DataChange, FeedError, RealtimePayload

PAYLOAD = {
    "w": 1234.6,
    "d_w": 1235,
    "hz": 60.01,
    "voltage": [121.2, 120.8],
    "channels": [600.1, 634.5],
    "epoch": 1_767_225_600,
    "devices": [
        {"id": "fridge1", "name": "Fridge", "icon": "fridge", "w": 150.5, "tags": {"x": 1}},
        {"id": "always_on", "name": "Always On", "icon": "alwayson", "w": 300},
    ],
}


def triple(kind: str, payload: object, epoch: int = 1_767_225_600) -> bytes:
    return msgpack.packb(kind) + msgpack.packb(epoch) + msgpack.packb(payload)


def test_msgpack_triple_decodes_to_typed_payload() -> None:
    [msg] = FrameDecoder().decode(triple("realtime_update", PAYLOAD))
    assert msg.type == "realtime_update"
    assert isinstance(msg.payload, RealtimePayload)
    assert msg.payload.w == pytest.approx(1234.6)
    assert [d.id for d in msg.payload.devices] == ["fridge1", "always_on"]
    assert msg.epoch == 1_767_225_600


def test_json_and_msgpack_give_the_same_message() -> None:
    decoder = FrameDecoder()
    text = json.dumps({"type": "realtime_update", "payload": PAYLOAD})
    [from_json] = decoder.decode(text)
    [from_msgpack] = decoder.decode(triple("realtime_update", PAYLOAD))
    assert from_json.payload == from_msgpack.payload


def test_triple_split_across_frames_is_reassembled() -> None:
    decoder = FrameDecoder()
    data = triple("realtime_update", PAYLOAD)
    assert decoder.decode(data[:7]) == []
    assert decoder.decode(data[7:40]) == []
    [msg] = decoder.decode(data[40:])
    assert isinstance(msg.payload, RealtimePayload)
    assert decoder.skipped == 0


def test_several_triples_in_one_frame() -> None:
    frame = triple("data_change", {"device_data_checksum": "abc"}) + triple(
        "realtime_update", PAYLOAD
    )
    messages = FrameDecoder().decode(frame)
    assert [m.type for m in messages] == ["data_change", "realtime_update"]
    assert messages[0].payload == DataChange(device_data_checksum="abc")


def test_error_message_is_typed() -> None:
    [msg] = FrameDecoder().decode(
        json.dumps({"type": "error", "payload": {"authorized": False, "error_reason": "x"}})
    )
    assert msg.payload == FeedError(authorized=False, error_reason="x")


def test_unknown_type_is_passed_through_without_payload() -> None:
    [msg] = FrameDecoder().decode(triple("brand_new_type", {"anything": [1, 2]}))
    assert msg.type == "brand_new_type"
    assert msg.payload is None


@pytest.mark.parametrize(
    "frame",
    [
        "{not json",
        json.dumps({"type": "realtime_update", "payload": {"w": "lots"}}),
        json.dumps({"payload": {}}),
        triple("realtime_update", {"w": "lots"}),
    ],
)
def test_malformed_frames_raise_and_are_counted(frame: str | bytes) -> None:
    decoder = FrameDecoder()
    with pytest.raises(SenseProtocolError):
        decoder.decode(frame)
    assert decoder.skipped == 1


def test_truncated_msgpack_is_dropped_when_a_whole_frame_follows() -> None:
    decoder = FrameDecoder()
    whole = triple("realtime_update", PAYLOAD)
    assert decoder.decode(whole[: len(whole) // 2]) == []
    [msg] = decoder.decode(whole)
    assert isinstance(msg.payload, RealtimePayload)
    assert decoder.skipped == 1


def test_oversized_frame_is_skipped_without_decoding() -> None:
    decoder = FrameDecoder(max_frame_bytes=1024)
    with pytest.raises(SenseProtocolError, match="exceeds"):
        decoder.decode(b"\x00" * 2048)
    [msg] = decoder.decode(triple("realtime_update", PAYLOAD))
    assert msg.type == "realtime_update"


def test_garbage_bytes_do_not_poison_the_next_frame() -> None:
    decoder = FrameDecoder()
    with pytest.raises(SenseProtocolError):
        decoder.decode(b"\xc1\xc1\xc1")  # 0xc1 is never valid msgpack
    [msg] = decoder.decode(triple("realtime_update", PAYLOAD))
    assert msg.type == "realtime_update"


EPOCH = 1_767_225_600
# The same sane epoch in every msgpack encoding a server may choose (fixed-width ones included).
EPOCH_ENCODINGS = {
    "uint32": b"\xce" + struct.pack(">I", EPOCH),
    "uint64": b"\xcf" + struct.pack(">Q", EPOCH),
    "int64": b"\xd3" + struct.pack(">q", EPOCH),
    "int32": b"\xd2" + struct.pack(">i", EPOCH),
    "float64": b"\xcb" + struct.pack(">d", EPOCH + 0.5),
    "float32": b"\xca" + struct.pack(">f", EPOCH),
    "fixint": b"\x07",
    "nil": b"\xc0",
}


@pytest.mark.parametrize("encoding", EPOCH_ENCODINGS)
def test_every_epoch_encoding_decodes_the_same(encoding: str) -> None:
    packed = EPOCH_ENCODINGS[encoding]
    frame = msgpack.packb("realtime_update") + packed + msgpack.packb(PAYLOAD)
    [msg] = FrameDecoder().decode(frame)
    assert isinstance(msg.payload, RealtimePayload)
    assert msg.payload.w == pytest.approx(1234.6)
    assert msg.epoch == msgpack.unpackb(packed)


def test_bundle_starting_with_realtime_update_takes_the_buffered_path() -> None:
    change = triple("data_change", {"device_data_checksum": "c"})
    frame = triple("realtime_update", PAYLOAD) + change
    messages = FrameDecoder().decode(frame)
    assert [m.type for m in messages] == ["realtime_update", "data_change"]


def test_wrong_types_on_the_hot_path_raise() -> None:
    decoder = FrameDecoder()
    with pytest.raises(SenseProtocolError, match="bad realtime_update payload"):
        decoder.decode(triple("realtime_update", {**PAYLOAD, "w": "abc"}))
    assert decoder.skipped == 1
