"""Readings: staleness past the timeout, energy integrated from what was reported."""

from __future__ import annotations

import pytest

from sense_energy_driver.proxy import ProxyDevice, Source, SourceKind
from sense_energy_driver.proxy.readings import ProxyReadings
from tests.proxy.kasa_client import FakeClock

ZONE = Source(SourceKind.ZONE, "z1")


def test_never_set_is_zero_and_stale(clock: FakeClock) -> None:
    readings = ProxyReadings(clock)
    view = readings.view(ProxyDevice.create("A", ZONE, 60.0))
    assert (view.watts, view.stale, view.age_s, view.energy_wh) == (0.0, True, None, 0.0)


def test_stale_after_timeout_and_energy_stops_there(clock: FakeClock) -> None:
    readings = ProxyReadings(clock)
    device = ProxyDevice.create("A", ZONE, 60.0)
    readings.set(device, 1200.0)
    clock.advance(30 * 60)  # half an hour later, never refreshed
    view = readings.view(device)
    assert view.stale and view.watts == 0.0 and view.last_watts == 1200.0
    assert view.energy_wh == pytest.approx(1200.0 * 60 / 3600)  # only the first minute counts


def test_touch_keeps_a_live_source_fresh(clock: FakeClock) -> None:
    readings = ProxyReadings(clock)
    device = ProxyDevice.create("A", ZONE, 60.0)
    readings.set(device, 100.0)
    for _ in range(60):  # a sample every 50 s that did not change the zone
        clock.advance(50.0)
        readings.touch(device)
    view = readings.view(device)
    assert not view.stale and view.watts == 100.0
    assert view.energy_wh == pytest.approx(100.0 * 3000 / 3600)


def test_touch_does_not_invent_a_reading(clock: FakeClock) -> None:
    readings = ProxyReadings(clock)
    device = ProxyDevice.create("A", ZONE, 60.0)
    readings.touch(device)
    assert readings.view(device).stale


def test_forget_others_keeps_the_remaining(clock: FakeClock) -> None:
    readings = ProxyReadings(clock)
    keep = ProxyDevice.create("Keep", ZONE, None)
    drop = ProxyDevice.create("Drop", ZONE, None)
    readings.set(keep, 5.0)
    readings.set(drop, 6.0)
    readings.forget_others((keep,))
    assert readings.view(keep).watts == 5.0
    assert readings.view(drop).stale
