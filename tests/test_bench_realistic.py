"""The headline benchmark's stream has the properties docs/performance.md claims for it."""

from __future__ import annotations

import msgpack

from benchmarks.realistic import START_EPOCH, realistic_frames, zone_ids
from sense_energy_driver.frames import FrameDecoder
from sense_energy_driver.models import RealtimePayload
from sense_energy_driver.samples import SampleDiff

REAL_FIELDS = {"_stats", "aux", "power_flow", "deltas", "defaultCost", "channels", "d_w", "c"}
DEVICE_FIELDS = {"tags", "attrs", "c"}


def test_the_stream_is_deterministic_and_shaped_like_the_real_cloud() -> None:
    frames = realistic_frames(20, count=60)
    assert frames == realistic_frames(20, count=60)
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(frames[0])
    kind, epoch, payload = list(unpacker)
    assert (kind, epoch, payload["epoch"]) == ("realtime_update", START_EPOCH, START_EPOCH)
    assert set(payload) >= REAL_FIELDS
    assert all(set(d) >= DEVICE_FIELDS for d in payload["devices"])
    assert "solar" in {d["id"] for d in payload["devices"]}
    watts = [d["w"] for d in payload["devices"]]
    assert watts == sorted(watts, reverse=True)  # the cloud sends devices by watts


def test_every_frame_is_new_and_zones_toggle() -> None:
    for devices_on in (20, 60):
        zones = zone_ids(devices_on)
        decoder, diff = FrameDecoder(), SampleDiff()
        epochs, zone_states, writes, powers = set(), set(), 0, 0
        for frame in realistic_frames(devices_on, count=120):
            [message] = decoder.decode(frame)
            payload = message.payload
            assert isinstance(payload, RealtimePayload)
            assert len(payload.devices) == devices_on
            epochs.add(payload.epoch)
            device_writes = diff.device_writes(payload, 0.0)
            zone_writes = diff.zone_writes(payload, zones, {})
            written = {name for name, _ in device_writes}
            assert "last_sample" in written  # a new second every frame
            powers += "power" in written
            zone_states |= {(a, v) for a, name, v in zone_writes if name == "state"}
            writes += len(device_writes) + len(zone_writes)
        assert len(epochs) == 120
        # Some bound zone went on and off during the stream, and most frames write zones.
        assert any((a, "on") in zone_states and (a, "off") in zone_states for a in zones)
        assert writes / 120 > 8
        assert powers > 100  # the total moves on nearly every frame
