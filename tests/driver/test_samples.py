"""The diff step: first sample writes everything, later ones only what changed."""

from __future__ import annotations

from sense_energy_driver.models import RealtimeDevice, RealtimePayload
from sense_energy_driver.samples import SampleDiff, snapshot_of


def payload(w: float, devices: dict[str, float], **extra: object) -> RealtimePayload:
    return RealtimePayload(
        w=w,
        epoch=1_767_225_600.0,
        devices=tuple(RealtimeDevice(id=i, w=v) for i, v in devices.items()),
        **extra,  # type: ignore[arg-type]
    )


def test_snapshot_rounds_and_averages_legs() -> None:
    snap = snapshot_of(
        payload(1234.6, {}, voltage=(121.2, 120.8), hz=60.014, solar_w=800.4, grid_w=-20.6),
        received_at=5.0,
    )
    assert snap.power == 1235
    assert snap.voltage == 121.0
    assert snap.voltage_l1 == 121.2
    assert snap.frequency == 60.01
    assert snap.solar_power == 800
    assert snap.grid_power == -21


def test_old_firmware_payload_writes_no_voltage_or_frequency() -> None:
    writes = dict(SampleDiff().device_writes(payload(500, {}), 0.0))
    assert writes["power"] == 500
    assert "voltage" not in writes
    assert "frequency" not in writes
    assert "solar_power" not in writes
    assert writes["active_devices"] == 0


def test_only_changed_device_values_are_written() -> None:
    diff = SampleDiff()
    diff.device_writes(payload(500, {"a": 1}, hz=60.0), 0.0)
    again = diff.device_writes(payload(500, {"a": 1}, hz=60.0), 0.0)
    assert again == []
    changed = diff.device_writes(payload(510, {"a": 1}, hz=60.0), 0.0)
    assert changed == [("power", 510)]


def test_zone_on_off_and_power() -> None:
    diff = SampleDiff()
    first = diff.zone_writes(payload(100, {"fridge": 120.4}), ["fridge", "oven"], {})
    assert first == [
        ("fridge", "state", "on"),
        ("fridge", "power", 120),
        ("oven", "state", "off"),
        ("oven", "power", 0),
    ]
    assert diff.zone_writes(payload(100, {"fridge": 120.4}), ["fridge", "oven"], {}) == []
    off = diff.zone_writes(payload(0, {}), ["fridge", "oven"], {})
    assert off == [("fridge", "state", "off"), ("fridge", "power", 0)]


def test_reset_rewrites_every_zone() -> None:
    diff = SampleDiff()
    diff.zone_writes(payload(0, {}), ["a", "b"], {})
    diff.reset()
    assert len(diff.zone_writes(payload(0, {}), ["a", "b"], {})) == 4


def test_alias_reads_zone_from_new_id() -> None:
    diff = SampleDiff()
    writes = diff.zone_writes(payload(50, {"new": 50.0}), ["old"], {"old": "new"})
    assert writes == [("old", "state", "on"), ("old", "power", 50)]


def test_empty_device_list_still_updates_device_values() -> None:
    diff = SampleDiff()
    writes = dict(diff.device_writes(payload(42, {}), 0.0))
    assert writes["power"] == 42


def test_unchanged_raw_sample_writes_nothing_until_reset() -> None:
    diff = SampleDiff()
    zones = ["fridge", "oven"]
    assert diff.device_writes(payload(500, {"fridge": 120.4}, hz=60.0), 0.0)
    assert diff.zone_writes(payload(500, {"fridge": 120.4}), zones, {})
    # A new object with the same values: the raw-value shortcut says nothing changed.
    assert diff.device_writes(payload(500, {"fridge": 120.4}, hz=60.0), 0.0) == []
    assert diff.zone_writes(payload(500, {"fridge": 120.4}), zones, {}) == []
    diff.reset()
    assert dict(diff.device_writes(payload(500, {"fridge": 120.4}, hz=60.0), 0.0))["power"] == 500
    assert len(diff.zone_writes(payload(500, {"fridge": 120.4}), zones, {})) == 4


def test_zone_shortcut_sees_new_zones_aliases_and_forgotten_zones() -> None:
    diff = SampleDiff()
    sample = payload(500, {"fridge": 120.4, "new": 80.0})
    aliases: dict[str, str] = {}
    diff.zone_writes(sample, ["fridge"], aliases)
    # Same devices, but a zone was bound since: it is written.
    assert diff.zone_writes(sample, ["fridge", "oven"], aliases) == [
        ("oven", "state", "off"),
        ("oven", "power", 0),
    ]
    # Same devices and zones, but the owner replaced the aliases: oven now reads "new".
    assert diff.zone_writes(sample, ["fridge", "oven"], {"oven": "new"}) == [
        ("oven", "state", "on"),
        ("oven", "power", 80),
    ]
    following = {"oven": "new"}
    diff.zone_writes(sample, ["fridge", "oven"], following)
    diff.forget_zone("fridge")
    assert diff.zone_writes(sample, ["fridge", "oven"], following) == [
        ("fridge", "state", "on"),
        ("fridge", "power", 120),
    ]


def test_rounding_that_hides_a_raw_change_writes_nothing() -> None:
    diff = SampleDiff()
    diff.device_writes(payload(500.2, {}), 0.0)
    assert diff.device_writes(payload(500.4, {}), 0.0) == []  # both round to 500
    assert diff.device_writes(payload(501.0, {}), 0.0) == [("power", 501)]


def test_hold_offs_keeps_an_on_zone_on_until_released() -> None:
    diff = SampleDiff()
    zones = ["old", "oven"]
    diff.zone_writes(payload(100, {"old": 50.0}), zones, {})
    retrained = payload(100, {"new": 50.0})
    # The device vanished under a new id the driver does not know yet: the zone stays on ...
    assert diff.zone_writes(retrained, zones, {}, hold_offs=True) == []
    # ... sample after sample (nothing is cached while holding) ...
    assert diff.zone_writes(retrained, zones, {}, hold_offs=True) == []
    # ... while a zone turning on is written at once.
    turned_on = payload(100, {"new": 50.0, "oven": 900.0})
    assert diff.zone_writes(turned_on, zones, {}, hold_offs=True) == [
        ("oven", "state", "on"),
        ("oven", "power", 900),
    ]
    # Released without an alias (not followed): the zone goes off on the same devices.
    assert diff.zone_writes(turned_on, zones, {}) == [("old", "state", "off"), ("old", "power", 0)]
