"""A repeated failure is heard once, summarised every N, and starts over after a success."""

from __future__ import annotations

import logging

import pytest

from sense_energy_driver.repeats import RepeatedFailure


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_first_failure_warns_repeats_are_debug_and_every_nth_warns_again() -> None:
    clock = Clock()
    outage = RepeatedFailure(summary_every=4, clock=clock)
    levels = []
    for _ in range(9):
        levels.append(outage.failed())
        clock.now += 10.0
    W, D = logging.WARNING, logging.DEBUG
    assert levels == [W, D, D, W, D, D, D, W, D]
    assert outage.count == 9
    assert outage.seconds == 90.0  # from the first failure


def test_a_success_ends_the_outage() -> None:
    clock = Clock()
    outage = RepeatedFailure(clock=clock)
    assert outage.recovered() is False  # nothing to recover from
    outage.failed()
    outage.failed()
    clock.now += 5.0
    assert outage.recovered() is True
    assert (outage.count, outage.seconds) == (0, 0.0)
    assert outage.failed() == logging.WARNING  # a new outage is heard again


def test_summary_every_must_be_positive() -> None:
    with pytest.raises(ValueError, match="summary_every must be 1 or more"):
        RepeatedFailure(summary_every=0)
