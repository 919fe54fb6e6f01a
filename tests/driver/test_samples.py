"""The diff step: first sample writes everything, later ones only what changed."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sense_energy_driver.models import RealtimeDevice, RealtimePayload
from sense_energy_driver.samples import SampleDiff, snapshot_of


def payload(w: float, devices: dict[str, float], **extra: object) -> RealtimePayload:
    extra.setdefault("epoch", 1_767_225_600.0)
    return RealtimePayload(
        w=w,
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


class ReferenceDiff:
    """The diff written the plain way: every value rounded, compared with the last written."""

    def __init__(self) -> None:
        self.device: dict[str, object] = {}
        self.zones: dict[str, tuple[str, int]] = {}

    def device_writes(self, p: RealtimePayload, received_at: float) -> list[tuple[str, object]]:
        snap = snapshot_of(p, received_at)
        values = {
            "power": snap.power,
            "solar_power": snap.solar_power,
            "grid_power": snap.grid_power,
            "voltage": snap.voltage,
            "voltage_l1": snap.voltage_l1,
            "voltage_l2": snap.voltage_l2,
            "frequency": snap.frequency,
            "active_devices": snap.active_devices,
            "last_sample": datetime.fromtimestamp(int(snap.epoch), UTC)
            .isoformat()
            .replace("+00:00", "Z"),
        }
        out = []
        for name, value in values.items():
            if value is not None and self.device.get(name) != value:
                self.device[name] = value
                out.append((name, value))
        return out

    def zone_writes(
        self, p: RealtimePayload, zones: list[str], aliases: dict[str, str], hold: bool
    ) -> list[tuple[str, str, object]]:
        watts = {d.id: d.w for d in p.devices}
        out: list[tuple[str, str, object]] = []
        for address in zones:
            w = watts.get(aliases.get(address, address))
            state, power = ("off", 0) if w is None else ("on", round(w))
            before = self.zones.get(address)
            if before == (state, power) or (hold and w is None and before and before[0] == "on"):
                continue
            self.zones[address] = (state, power)
            if before is None or before[0] != state:
                out.append((address, "state", state))
            if before is None or before[1] != power:
                out.append((address, "power", power))
        return out


def by_zone(writes: list[tuple[str, str, object]]) -> dict[str, list[tuple[str, object]]]:
    out: dict[str, list[tuple[str, object]]] = {}
    for address, name, value in writes:
        out.setdefault(address, []).append((name, value))
    return out


def test_the_diff_writes_exactly_what_the_plain_diff_writes() -> None:
    """Realistic streams (drifting watts, toggling zones, wandering volts and hertz), with
    repeated samples, reconnects, zones bound and unbound, retraining aliases and held offs."""
    rng = random.Random(7)
    ids = [f"dev{i}" for i in range(12)]
    level = {i: rng.uniform(5, 3000) for i in ids}
    legs, hz, epoch = [121.5, 120.9], 60.0, 1_767_225_600.0
    fast, plain = SampleDiff(), ReferenceDiff()
    zones, aliases = ids[:6], {}
    previous: RealtimePayload | None = None
    for step in range(3000):
        event = rng.random()
        if event < 0.01:
            fast.reset()
            plain = ReferenceDiff()
        elif event < 0.03:
            zones = rng.sample([*ids, "ghost"], rng.randint(0, 8))
            plain.zones = {z: v for z, v in plain.zones.items() if z in zones}
        elif event < 0.04:
            old = rng.choice(zones) if zones else "dev0"
            aliases = {old: rng.choice(ids)}
            fast.forget_zone(old)
            plain.zones.pop(old, None)
        if previous is not None and rng.random() < 0.1:
            sample = previous  # the cloud repeats itself now and then
        else:
            legs = [v + rng.gauss(0, 0.04) for v in legs]
            hz += rng.gauss(0, 0.003)
            epoch += rng.choice((0.0, 0.5, 1.0))
            on = [i for i in ids if rng.random() < 0.6]
            sample = RealtimePayload(
                w=rng.uniform(0, 9000),
                solar_w=None if step % 50 == 0 else rng.uniform(0, 4000),
                grid_w=rng.uniform(-4000, 9000),
                hz=None if step % 70 == 0 else hz,
                voltage=None if step % 90 == 0 else tuple(legs[: 1 + step % 2]),
                epoch=epoch,
                devices=tuple(
                    RealtimeDevice(id=i, w=level[i] * rng.uniform(0.97, 1.03)) for i in on
                ),
            )
        hold = rng.random() < 0.05
        assert fast.device_writes(sample, 0.0) == plain.device_writes(sample, 0.0), step
        got = fast.zone_writes(sample, list(zones), aliases, hold_offs=hold)
        want = plain.zone_writes(sample, zones, aliases, hold)
        # Zones may come in any order; each zone's own writes in the plain diff's order.
        assert by_zone(got) == by_zone(want), (step, hold, zones, aliases, got, want)
        previous = sample


def test_last_sample_is_iso_utc_to_the_second_across_minutes_and_days() -> None:
    diff = SampleDiff()
    for second in range(1_767_225_540, 1_767_225_540 + 200, 7):  # crosses minutes
        written = dict(diff.device_writes(payload(1, {}, epoch=second + 0.9), 0.0))
        expected = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert written["last_sample"] == expected
    for second in (1_767_311_999, 1_767_312_000, 1_767_225_600, 0):  # a new day, back, 1970
        written = dict(diff.device_writes(payload(second % 7, {}, epoch=second), 0.0))
        expected = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert written["last_sample"] == expected


def test_a_value_rounding_back_to_the_last_written_one_is_not_rewritten() -> None:
    diff = SampleDiff()
    diff.device_writes(payload(1, {}, voltage=(121.04,), hz=60.004), 0.0)
    assert diff.device_writes(payload(2, {}, voltage=(120.96,), hz=59.996), 0.0) == [
        ("power", 2)
    ]  # both still 121.0 V and 60.0 Hz
    writes = dict(diff.device_writes(payload(3, {}, voltage=(121.06,), hz=60.006), 0.0))
    assert writes["voltage"] == 121.1 and writes["frequency"] == 60.01


def test_a_device_listed_twice_in_one_sample_is_written_once() -> None:
    diff = SampleDiff()
    doubled = RealtimePayload(
        w=300, devices=(RealtimeDevice(id="a", w=100.0), RealtimeDevice(id="a", w=200.0))
    )
    assert diff.zone_writes(doubled, ["a"], {}) == [("a", "state", "on"), ("a", "power", 100)]
    assert diff.zone_writes(doubled, ["a"], {}) == []  # and nothing flips on the next one
