"""Staleness against the sample rate, and energy counted between the driver's usage refreshes."""

from __future__ import annotations

import pytest

from sense_energy_driver.cli.freshness import EnergyCounter, Freshness, stale_reason


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_stale_after_twice_the_usual_interval() -> None:
    clock = Clock()
    fresh = Freshness(clock)
    assert fresh.stale_for() is None  # nothing seen yet: nothing to call old
    for _ in range(10):
        fresh.sample()
        clock.now += 1.0
    assert fresh.interval == 1.0
    clock.now += 0.9  # 1.9 s since the newest sample
    assert fresh.stale_for() is None
    clock.now += 0.2
    assert fresh.stale_for() == pytest.approx(2.1)


def test_a_slow_feed_sets_its_own_interval_and_one_gap_does_not_move_it() -> None:
    clock = Clock()
    fresh = Freshness(clock)
    for _ in range(6):  # the REST fallback: every 10 s
        fresh.sample()
        clock.now += 10.0
    assert fresh.interval == 10.0
    clock.now += 5.0  # 15 s since the newest sample: late, not stale
    assert fresh.stale_for() is None
    clock.now += 60.0
    fresh.sample()  # one long silence among many regular gaps
    assert fresh.interval == 10.0


def test_fast_samples_are_measured_against_at_least_a_second() -> None:
    clock = Clock()
    fresh = Freshness(clock)
    for _ in range(5):
        fresh.sample()
        clock.now += 0.5
    assert fresh.interval == 1.0
    clock.now += 1.0  # 1.5 s: no stale flicker on a 2 Hz feed's jitter
    assert fresh.stale_for() is None


def test_stale_reason_prefers_the_drivers_error() -> None:
    assert stale_reason({"feed_status": "connected"}, 17) == (
        "no sample from Sense for 17 s (feed connected)"
    )
    assert stale_reason({"last_error": "timed out", "feed_status": "reconnecting"}, 17) == (
        "timed out (feed reconnecting)"
    )


def test_energy_is_counted_on_sample_time_and_reset_by_the_driver() -> None:
    counter = EnergyCounter()
    counter.sample(0.0, 1000)
    counter.sample(180.0, 2000)  # 1 kW held for 3 minutes
    counter.sample(360.0, 0)  # then 2 kW for 3 minutes
    assert counter.kwh == pytest.approx(0.15)
    counter.sample(360.0 + 3600, 500)  # an hour of silence is not guessed at
    assert counter.kwh == pytest.approx(0.15)
    counter.sample(None, 500)
    counter.sample(7300.0, True)  # not a number: ignored
    counter.reset()
    assert counter.kwh == 0.0
