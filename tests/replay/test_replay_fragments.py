"""Recorded fragments (parts of bodies) decoded by the models the whole bodies use."""

from __future__ import annotations

import msgspec
import pytest

from sense_energy_driver.models import MonitorStatus, RealtimeDevice, tag_flag
from tests.replay.corpus import Fixture, fixtures


@pytest.mark.parametrize(
    "fx", fixtures("fragment", "realtime_update.payload.devices"), ids=lambda f: f.file
)
def test_realtime_device_entries(fx: Fixture) -> None:
    raw = fx.load()
    got = msgspec.json.decode(msgspec.json.encode(raw), type=tuple[RealtimeDevice, ...])
    assert [(d.id, d.w) for d in got] == [(d["id"], d.get("w", 0.0)) for d in raw]


def test_device_detection_count() -> None:
    (fx,) = fixtures("fragment", "monitor_status.device_detection")
    raw = fx.load()
    got = msgspec.json.decode(msgspec.json.encode(raw), type=MonitorStatus)
    assert got.device_detection is not None
    assert got.device_detection.num_detected == raw["device_detection"]["num_detected"] == 15


@pytest.mark.parametrize("fx", fixtures("fragment", "devices[].tags"), ids=lambda f: f.file)
def test_tag_sets_read_as_flags(fx: Fixture) -> None:
    tags = fx.load()["tags"]
    for name, value in tags.items():
        if value in ("true", "false"):
            assert tag_flag(tags, name, value != "true") is (value == "true"), name
    if "UserDeleted" in tags:
        assert tag_flag(tags, "UserDeleted", False) is True
        assert tag_flag(tags, "DeviceListAllowed", True) is False


def test_every_fixture_is_replayed_by_one_of_the_replay_modules() -> None:
    replayed_fragments = {
        "realtime_update.payload.devices",
        "monitor_status.device_detection",
        "devices[].tags",
    }
    assert {f.what for f in fixtures("fragment")} <= replayed_fragments
    assert {f.kind for f in fixtures()} == {"rest", "feed", "fragment"}
