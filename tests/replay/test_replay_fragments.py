"""Recorded fragments (parts of bodies) decoded by the models the whole bodies use."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from sense_energy_driver.models import RealtimeDevice
from sense_energy_driver.poller import DeviceCatalog
from sense_energy_driver.restmodels import Device, MonitorStatus, TrendTotal, tag_flag
from tests.replay.corpus import Fixture, fixtures, shown_by_the_app


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


def _tag_entries(fx: Fixture) -> list[dict[str, Any]]:
    """A tag fragment's entries: one `{"tags": …}` object, or a list (some whole devices)."""
    raw = fx.load()
    return raw if isinstance(raw, list) else [raw]


@pytest.mark.parametrize("fx", fixtures("fragment", "devices[].tags"), ids=lambda f: f.file)
def test_tag_sets_read_as_flags(fx: Fixture) -> None:
    for entry in _tag_entries(fx):
        tags = entry["tags"]
        for name, value in tags.items():
            if value in ("true", "false"):
                assert tag_flag(tags, name, value != "true") is (value == "true"), name
        if "UserDeleted" in tags:
            assert tag_flag(tags, "UserDeleted", False) is (tags["UserDeleted"] == "true")
        if tags.get("UserDeleted") == "true":
            assert tag_flag(tags, "DeviceListAllowed", True) is False


@pytest.mark.parametrize("fx", fixtures("fragment", "devices[].tags"), ids=lambda f: f.file)
def test_the_device_list_keeps_only_what_the_app_shows(fx: Fixture) -> None:
    """Each tag set on a device of its own, through the filter behind get_devices."""
    entries = _tag_entries(fx)
    devices = [
        # bare tag sets get an id and name here; whole device entries keep theirs
        Device(id=e.get("id", f"entry-{n}"), name=e.get("name", f"entry {n}"), tags=e["tags"])
        for n, e in enumerate(entries)
    ]
    catalog = DeviceCatalog()
    catalog.update(devices)
    shown = {d.id for d, e in zip(devices, entries, strict=True) if shown_by_the_app(e["tags"])}
    assert set(catalog.devices) == shown


def test_the_proxy_plug_sense_lists_is_a_deleted_kasa_hs110() -> None:
    """openHAB's own proxy device as Sense lists it: a TP-Link HS110, self-reporting, deleted."""
    tag_files = fixtures("fragment", "devices[].tags")
    (fx,) = [f for f in tag_files if f.file.endswith("-websocket.json")]
    (plug,) = [e for e in _tag_entries(fx) if "id" in e]
    tags = plug["tags"]
    assert (tags["IntegrationType"], tags["SmartPlugModel"]) == ("TPLink", "TP-Link Kasa HS110")
    assert tags["DUID"] == tags["UserVisibleDeviceId"]  # the plug's MAC (masked)
    assert tag_flag(tags, "SSIEnabled", False) and tag_flag(tags, "UserDeleted", False)
    catalog = DeviceCatalog()
    catalog.update([Device(id=plug["id"], name=plug["name"], tags=tags)])
    assert dict(catalog.devices) == {}


def test_trends_device_entries_decode_with_their_energy() -> None:
    (fx,) = fixtures("fragment", "history_trends.consumption.devices")
    raw = fx.load()
    got = msgspec.json.decode(msgspec.json.encode(raw), type=TrendTotal)
    assert [(d.id, d.name, d.icon, d.total_kwh) for d in got.devices] == [
        (d["id"], d["name"], d["icon"], d["total_kwh"]) for d in raw["devices"]
    ]


def test_monitor_info_decodes_as_in_a_status_body() -> None:
    (fx,) = fixtures("fragment", "monitor_status.monitor_info")
    raw = fx.load()
    got = msgspec.json.decode(msgspec.json.encode(raw), type=MonitorStatus)
    info = raw["monitor_info"]
    assert (got.monitor_info.version, got.monitor_info.wifi_strength) == (
        info["version"],
        info["wifi_strength"],
    )
    assert got.monitor_info.signal == "" and info["signal"] is None
    assert got.device_detection is None


def test_every_fixture_is_replayed_by_one_of_the_replay_modules() -> None:
    replayed_fragments = {
        "realtime_update.payload.devices",
        "monitor_status.device_detection",
        "devices[].tags",
        "history_trends.consumption.devices",
        "monitor_status.monitor_info",
    }
    assert {f.what for f in fixtures("fragment")} <= replayed_fragments
    assert {f.kind for f in fixtures()} == {"rest", "feed", "fragment", "kasa"}
