"""Retention: raw values age into minute aggregates, queries read both alike, old ones go."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sense_energy_driver.standalone.retention import DAY, Retention
from sense_energy_driver.standalone.rollup import Block, buckets, minute_blocks
from sense_energy_driver.standalone.store import DEVICE, ZONE, RuntimeStore

T0 = 1_780_000_000.0 // 86_400 * 86_400  # a UTC midnight


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608


def test_minute_blocks_are_time_weighted_and_carry_the_previous_value() -> None:
    points = [(T0 + 0, 100), (T0 + 45, 500), (T0 + 60, 200), (T0 + 150, 300)]
    first, second, third = minute_blocks(points)
    assert (first.count, first.low, first.high) == (2, 100.0, 500.0)
    assert first.mean == pytest.approx((100 * 45 + 500 * 15) / 60)
    assert second.mean == 200.0  # 200 held all minute
    # the third minute starts with 200 carried in: 30 s of 200, then 30 s of 300
    assert (third.start, third.count, third.low, third.high) == (T0 + 120, 1, 200.0, 300.0)
    assert third.mean == pytest.approx(250.0)


def test_on_fraction_and_last_state() -> None:
    (block,) = minute_blocks([(T0 + 15, "on"), (T0 + 45, "off")], carry="off")
    assert block.on == pytest.approx(0.5)  # on from 15 s to 45 s of the minute
    assert block.last == "off"
    assert block.mean is None and block.low is None


def test_hour_buckets_fill_minutes_without_writes() -> None:
    # on at 10:00:30, off at 10:30:00: the half hour between has no write but was "on"
    blocks = list(minute_blocks([(T0 + 36_030, "on"), (T0 + 37_800, "off")], carry="off"))
    assert len(blocks) == 2
    (hour,) = buckets(blocks, 3600, carry="off", until=T0 + 39_600)
    assert hour.start == T0 + 36_000
    assert hour.on == pytest.approx((1800 - 30) / 3600)
    assert hour.count == 2
    # held until the next write: nothing was written from 10:31 to 12:00, yet it was off
    ten, eleven = buckets(blocks, 3600, carry="off", start=T0 + 36_000, until=T0 + 43_200)
    assert (eleven.start, eleven.count, eleven.on, eleven.last) == (T0 + 39_600, 0, 0.0, "off")
    assert ten.on == hour.on


def test_block_combine_weights_by_covered_seconds() -> None:
    a = Block(T0, 60, 3, 60.0, 10.0, 30.0, 20.0, None, 30)
    b = Block(T0 + 60, 60, 1, 20.0, 40.0, 40.0, 40.0, None, 40)
    both = a.combine(b)
    assert (both.count, both.low, both.high, both.last, both.span) == (4, 10.0, 40.0, 40, 120)
    assert both.mean == pytest.approx((20 * 60 + 40 * 20) / 80)


def _write_day(store: RuntimeStore, clock: Clock) -> None:
    """Two hours of one power series at 1 Hz and a zone toggling every 7 minutes."""
    for second in range(7200):
        clock.now = T0 + second
        store.write(DEVICE, "", "power", 1000 + (second % 97) * 10)
        if second % 420 == 0:
            store.write(ZONE, "z1", "state", "on" if second % 840 == 0 else "off")
    store.flush()


def test_retention_moves_old_raw_values_into_minutes_and_queries_stay_the_same(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v.sqlite3"
    clock = Clock()
    store = RuntimeStore(path, clock=clock, retention=Retention(raw_days=1), prune_batch=500)
    _write_day(store, clock)
    until = T0 + 7200
    before = {every: list(store.rollup(every, until=until)) for every in (60, 3600, 86_400)}
    assert _count(path, "minute") == 0
    assert _count(path, "raw") == 7200 + 18

    clock.now = T0 + DAY + 3600  # the first hour is now older than the raw period
    moved = store.prune()
    assert moved == 3600 + 9  # the first hour's raw rows, nothing younger
    assert store.oldest_raw() == T0 + 3600
    assert _count(path, "raw") == 3600 + 9
    assert _count(path, "minute") == 60 + 9  # power every minute, the state where it changed

    after = {every: list(store.rollup(every, until=until)) for every in (60, 3600, 86_400)}
    for every, rows in before.items():
        assert [(key, b.start, b.count) for key, b in after[every]] == [
            (key, b.start, b.count) for key, b in rows
        ], every
        for (_, old), (_, new) in zip(rows, after[every], strict=True):
            assert new.low == old.low and new.high == old.high and new.last == old.last
            assert new.mean == pytest.approx(old.mean)
            assert new.on == pytest.approx(old.on)
    hours = [b.on for key, b in after[3600] if key == (ZONE, "z1", "state")]
    on = [(second // 420) % 2 == 0 for second in range(7199)]  # the state, second by second
    # the last value holds until the newest write (at 7199 s), not past it
    assert hours == pytest.approx([sum(on[:3600]) / 3600, sum(on[3600:]) / 3599])
    store.close()


def test_raw_values_are_pruned_in_small_steps_while_writing(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    clock = Clock()
    store = RuntimeStore(path, clock=clock, retention=Retention(raw_days=1), prune_batch=100)
    _write_day(store, clock)
    clock.now = T0 + 3 * DAY
    store.write(DEVICE, "", "power", 5)
    store.flush()  # one retention step runs after the commit: one batch, not the whole backlog
    assert 7218 - _count(path, "raw") <= 100
    for _ in range(200):
        clock.now += 1
        store.write(DEVICE, "", "power", 5)
    assert _count(path, "raw") <= 201 + 1  # the backlog went, step by step, as writes went on
    store.close()


def test_aggregates_are_deleted_after_their_period(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    clock = Clock()
    store = RuntimeStore(path, clock=clock, retention=Retention(raw_days=1, aggregate_days=3))
    _write_day(store, clock)
    clock.now = T0 + 2 * DAY
    store.prune()
    assert _count(path, "raw") == 0
    assert _count(path, "minute") == 120 + 18
    clock.now = T0 + 3 * DAY + 3600
    store.prune()
    assert _count(path, "minute") == 60 + 9  # the first hour is past the aggregate period
    assert [key for key, _ in store.rollup(86_400)] == [
        (DEVICE, "", "power"),
        (ZONE, "z1", "state"),
    ]
    store.close()


def test_retention_must_make_sense() -> None:
    with pytest.raises(ValueError, match="more than 0 days"):
        Retention(raw_days=0)
    with pytest.raises(ValueError, match="at least as long as raw"):
        Retention(raw_days=10, aggregate_days=5)


def test_a_store_of_the_first_schema_is_upgraded_without_losing_values(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE current (scope TEXT NOT NULL, address TEXT NOT NULL, name TEXT NOT NULL,
                value TEXT, updated_at REAL NOT NULL, PRIMARY KEY (scope, address, name));
            CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL,
                scope TEXT NOT NULL, address TEXT NOT NULL, name TEXT NOT NULL, value TEXT);
            INSERT INTO history (ts, scope, address, name, value) VALUES
                (1780000010, 'device', '', 'power', '1200'),
                (1780000011, 'zone', 'z1', 'state', '"on"'),
                (1780000012, 'device', '', 'last_sample', '"2026-01-01T00:00:00Z"');
            INSERT INTO current VALUES ('device', '', 'power', '1200', 1780000010);
            PRAGMA user_version = 1;
            """
        )
    store = RuntimeStore(path, clock=Clock(1_780_000_100))
    assert [(r.ts, r.name, r.value) for r in store.history()] == [
        (1_780_000_010, "power", 1200),
        (1_780_000_011, "state", "on"),
        (1_780_000_012, "last_sample", "2026-01-01T00:00:00Z"),
    ]
    assert [r.value for r in store.current()] == [1200]
    store.write(DEVICE, "", "power", 1300)
    assert [r.value for r in store.history(name="power")] == [1200, 1300]
    store.close()
