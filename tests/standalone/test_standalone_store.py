"""The SQLite store: WAL, current values plus history, batched commits, secrets refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sense_energy_driver.standalone import RuntimeStore, StoredValue, StoreError
from sense_energy_driver.standalone.store import DEVICE, ZONE


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _other_connection_count(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT COUNT(*) FROM history").fetchone()[0])


def test_wal_mode_and_tables(tmp_path: Path) -> None:
    store = RuntimeStore(tmp_path / "v.sqlite3")
    assert store.journal_mode == "wal"
    store.close()
    with sqlite3.connect(tmp_path / "v.sqlite3") as db:
        kinds = dict(db.execute("SELECT name, type FROM sqlite_master"))
        assert {kinds[name] for name in ("current", "series", "raw", "minute")} == {"table"}
        assert kinds["history"] == "view"  # the raw values with their names, for SQL readers
        columns = [r[1] for r in db.execute("PRAGMA table_info(history)")]
        assert columns == ["id", "ts", "scope", "address", "name", "value"]
        columns = [r[1] for r in db.execute("PRAGMA table_info(current)")]
        assert columns == ["scope", "address", "name", "value", "updated_at"]


def test_current_and_history(tmp_path: Path) -> None:
    clock = FakeClock()
    store = RuntimeStore(tmp_path / "v.sqlite3", clock=clock)
    store.write(DEVICE, "", "power", 1200)
    clock.now += 1
    store.write(DEVICE, "", "power", 1300)
    store.write(ZONE, "fridge1", "state", "on")
    store.write(DEVICE, "", "voltage", 120.5)
    assert store.current() == [
        StoredValue(1_001.0, DEVICE, "", "power", 1300),
        StoredValue(1_001.0, DEVICE, "", "voltage", 120.5),
        StoredValue(1_001.0, ZONE, "fridge1", "state", "on"),
    ]
    assert [r.value for r in store.history(name="power")] == [1200, 1300]
    assert [r.value for r in store.history(scope=ZONE)] == ["on"]
    assert [r.value for r in store.history(since=1_000.5, scope=DEVICE)] == [1300, 120.5]
    assert [r.value for r in store.history(limit=2)] == ["on", 120.5]
    store.close()


def test_limit_keeps_the_newest_oldest_first(tmp_path: Path) -> None:
    clock = FakeClock()
    store = RuntimeStore(tmp_path / "v.sqlite3", clock=clock)
    for watts in range(5):
        clock.now += 1
        store.write(DEVICE, "", "power", watts)
    assert [r.value for r in store.history(limit=2)] == [3, 4]
    store.close()


def test_commits_are_batched_then_flushed(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "v.sqlite3"
    store = RuntimeStore(path, clock=clock, commit_interval=0.5, commit_every=100)
    store.write(DEVICE, "", "power", 1)
    store.write(DEVICE, "", "power", 2)
    assert store.pending == 2
    assert _other_connection_count(path) == 0  # not committed yet
    clock.now += 0.6
    store.write(DEVICE, "", "power", 3)  # the interval passed: this write commits all three
    assert store.pending == 0
    assert _other_connection_count(path) == 3
    store.write(DEVICE, "", "power", 4)
    store.flush()
    assert _other_connection_count(path) == 4
    store.close()


def test_commit_every_n_writes(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    store = RuntimeStore(path, clock=FakeClock(), commit_every=3)
    for watts in range(3):
        store.write(DEVICE, "", "power", watts)
    assert store.pending == 0
    assert _other_connection_count(path) == 3
    store.close()


def test_close_commits_and_a_reopened_store_has_the_last_values(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    store = RuntimeStore(path, clock=FakeClock())
    store.write(DEVICE, "", "power", 900)
    store.write(ZONE, "tv1", "power", 80)
    store.close()
    store.close()  # twice is fine
    again = RuntimeStore(path)
    assert {(r.address, r.name): r.value for r in again.current()} == {
        ("", "power"): 900,
        ("tv1", "power"): 80,
    }
    again.close()


def test_secure_attributes_are_refused(tmp_path: Path) -> None:
    store = RuntimeStore(tmp_path / "v.sqlite3", refuse={"password", "refresh_token"})
    with pytest.raises(ValueError, match="never stored"):
        store.write(DEVICE, "", "refresh_token", "secret")
    with pytest.raises(ValueError, match="never stored"):
        store.write(ZONE, "z", "password", "secret")
    assert store.current() == []
    store.close()


def test_read_only_store_reads_while_a_writer_is_open(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    writer = RuntimeStore(path)
    writer.write(DEVICE, "", "power", 5)
    writer.flush()
    reader = RuntimeStore(path, read_only=True)
    assert [r.value for r in reader.history()] == [5]
    reader.close()
    writer.close()


def test_read_only_refuses_a_file_that_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(StoreError, match="not a sense-energy-driver value store"):
        RuntimeStore(path, read_only=True)


def test_values_round_trip_as_json(tmp_path: Path) -> None:
    store = RuntimeStore(tmp_path / "v.sqlite3")
    for name, value in (("a", None), ("b", True), ("c", [1, 2]), ("d", {"k": "v"}), ("e", "")):
        store.write(DEVICE, "", name, value)
    assert {r.name: r.value for r in store.current()} == {
        "a": None,
        "b": True,
        "c": [1, 2],
        "d": {"k": "v"},
        "e": "",
    }
    store.close()
