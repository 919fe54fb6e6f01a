"""A full disk (SQLite's size limit): writes fail loudly, nothing counts as stored that is not,
and the store recovers by itself when space returns."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from sense_energy_driver.standalone.store import DEVICE, RuntimeStore

PADDING = "x" * 300  # so a few hundred values fill the small limit


class Clock:
    def __init__(self) -> None:
        self.now = 1_780_000_000.0

    def __call__(self) -> float:
        return self.now


def _stored(path: Path) -> list[str]:
    """What another connection sees committed, oldest first."""
    with sqlite3.connect(path) as db:
        return [json_text for (json_text,) in db.execute("SELECT value FROM raw ORDER BY id")]


def _value(i: int) -> str:
    return f"{i:05d}{PADDING}"


def _fill(store: RuntimeStore, clock: Clock) -> int:
    """Write until a commit fails; returns how many values were written."""
    for i in range(5000):
        clock.now += 0.01
        store.write(DEVICE, "", "note", _value(i))
        if store.failure is not None:
            return i + 1
    raise AssertionError("the size limit was never reached")


def test_full_disk_fails_loudly_keeps_values_and_recovers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "v.sqlite3"
    clock = Clock()
    store = RuntimeStore(path, clock=clock, commit_every=10, retry_interval=5.0)
    store.set_max_bytes(96 * 1024)
    with caplog.at_level(logging.WARNING, logger="sense_energy_driver.standalone.store"):
        written = _fill(store, clock)
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1
        assert "cannot store values" in errors[0].getMessage()
        assert "full" in errors[0].getMessage()

        # committed: exactly the values written before the failed batch, in order
        committed = _stored(path)
        assert committed == [f'"{_value(i)}"' for i in range(len(committed))]
        assert len(committed) + store.pending == written
        assert not store.flush(force=True)  # still full: refused, not pretended
        assert not store.flush()  # and not tried again before the retry interval

        for i in range(written, written + 30):  # the driver goes on writing meanwhile
            clock.now += 0.01
            store.write(DEVICE, "", "note", _value(i))
        assert _stored(path) == committed
        assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 1  # no spam

        store.set_max_bytes(10 * 1024 * 1024)  # space returns
        clock.now += 5.0  # the next retry is due
        store.write(DEVICE, "", "note", _value(written + 30))
        assert store.failure is None
        assert store.pending == 0
        assert any("stored again" in r.getMessage() for r in caplog.records)

    assert _stored(path) == [f'"{_value(i)}"' for i in range(written + 31)]
    assert [v.value for v in store.current()] == [_value(written + 30)]
    store.write(DEVICE, "", "note", "after")  # later writes commit as usual
    store.flush()
    assert _stored(path)[-1] == '"after"'
    store.close()


def test_closing_while_full_reports_the_loss_without_raising(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "v.sqlite3"
    clock = Clock()
    store = RuntimeStore(path, clock=clock, commit_every=10)
    store.set_max_bytes(64 * 1024)
    _fill(store, clock)
    waiting = store.pending
    assert waiting > 0
    with caplog.at_level(logging.ERROR, logger="sense_energy_driver.standalone.store"):
        store.close()
        store.close()
    assert f"closing with {waiting} values that could not be stored" in caplog.text
    reopened = RuntimeStore(path, read_only=True)
    assert len(list(reopened.history())) == len(_stored(path))
    reopened.close()


def test_a_bounded_buffer_counts_what_it_had_to_drop(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    clock = Clock()
    store = RuntimeStore(path, clock=clock, commit_every=10, max_pending=50)
    store.set_max_bytes(64 * 1024)
    written = _fill(store, clock)
    committed = len(_stored(path))
    for i in range(written, written + 100):
        clock.now += 0.01
        store.write(DEVICE, "", "note", _value(i))
    assert store.pending == 50
    assert store.dropped == written + 100 - committed - 50
    store.set_max_bytes(10 * 1024 * 1024)
    assert store.flush(force=True)
    values = _stored(path)
    # the oldest waiting values were dropped, the newest 50 kept, nothing reordered
    assert values[committed:] == [f'"{_value(i)}"' for i in range(written + 50, written + 100)]
    store.close()
