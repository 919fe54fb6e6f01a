"""`history`: stored values printed, filtered, and exported as CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sense_energy_driver.standalone import RuntimeStore
from sense_energy_driver.standalone.store import DEVICE, ZONE, Retention

RunCli = Callable[..., Any]
T0 = 1_781_000_000.0  # 2026-06-09T10:13:20Z


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def device(tmp_path: Path) -> Path:
    """A device path whose store holds a little history (the device file itself is not read)."""
    path = tmp_path / "home.json"
    clock = Clock()
    store = RuntimeStore(path.with_suffix(".sqlite3"), clock=clock)
    store.write(DEVICE, "", "power", 1200)
    store.write(ZONE, "fridge1", "state", "on")
    clock.now += 60
    store.write(DEVICE, "", "power", 1350)
    store.write(DEVICE, "", "feed_status", "connected")
    store.write(ZONE, "fridge1", "power", 130)
    store.close()
    return path


def test_text(cli: RunCli, device: Path) -> None:
    result = cli("history", "--device", device)
    assert result.code == 0
    lines = result.out.splitlines()
    assert len(lines) == 5
    assert lines[0].startswith("2026-06-09T10:13:20.000Z  device")
    assert lines[0].split()[-2:] == ["power", "1200"]
    assert "zone fridge1" in lines[1] and lines[1].split()[-2:] == ["state", "on"]


def test_csv_export(cli: RunCli, device: Path) -> None:
    result = cli("history", "--device", device, "--csv")
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert [(r["scope"], r["address"], r["name"], r["value"]) for r in rows] == [
        ("device", "", "power", "1200"),
        ("zone", "fridge1", "state", "on"),
        ("device", "", "power", "1350"),
        ("device", "", "feed_status", "connected"),
        ("zone", "fridge1", "power", "130"),
    ]
    assert rows[2]["ts"] == "2026-06-09T10:14:20.000Z"


def test_json_export_with_filters(cli: RunCli, device: Path) -> None:
    result = cli("history", "--device", device, "--json", "--attribute", "power", "--device-only")
    assert result.code == 0
    data = json.loads(result.out)
    assert data == [
        {"ts": "2026-06-09T10:13:20.000Z", "scope": "device", "address": "", "name": "power",
         "value": 1200},
        {"ts": "2026-06-09T10:14:20.000Z", "scope": "device", "address": "", "name": "power",
         "value": 1350},
    ]  # fmt: skip


def test_zone_since_and_limit(cli: RunCli, device: Path) -> None:
    zone = json.loads(cli("history", "--device", device, "--zone", "fridge1", "--json").out)
    assert [(r["name"], r["value"]) for r in zone] == [("state", "on"), ("power", 130)]
    since = json.loads(
        cli("history", "--device", device, "--since", "2026-06-09T10:14:00Z", "--json").out
    )
    assert [r["value"] for r in since] == [1350, "connected", 130]
    naive = json.loads(
        cli("history", "--device", device, "--since", "2026-06-09T10:14:00", "--json").out
    )
    assert naive == since  # a time without a zone is UTC
    newest = json.loads(cli("history", "--device", device, "--limit", "1", "--json").out)
    assert [r["value"] for r in newest] == [130]


def test_current(cli: RunCli, device: Path) -> None:
    data = json.loads(cli("history", "--device", device, "--current", "--json").out)
    assert {(r["address"], r["name"]): r["value"] for r in data} == {
        ("", "power"): 1350,
        ("", "feed_status"): "connected",
        ("fridge1", "state"): "on",
        ("fridge1", "power"): 130,
    }


def test_empty_json_is_still_json(cli: RunCli, device: Path) -> None:
    result = cli("history", "--device", device, "--attribute", "nothing", "--json")
    assert json.loads(result.out) == []


def test_no_store_yet_is_usage_error(cli: RunCli, tmp_path: Path) -> None:
    result = cli("history", "--device", tmp_path / "new.json")
    assert result.code == 2
    assert "no stored values yet" in result.err and "new.sqlite3" in result.err


def test_bad_since_is_usage_error(cli: RunCli, device: Path) -> None:
    result = cli("history", "--device", device, "--since", "yesterday")
    assert result.code == 2
    assert "ISO 8601" in result.err
    assert "Traceback" not in result.err


DAY0 = 1_780_272_000.0  # 2026-06-01T00:00:00Z


@pytest.fixture(scope="module")
def aged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two days of power (hour of day x 100 W) and a zone on in even hours; day one aged out."""
    path = tmp_path_factory.mktemp("aged") / "aged.json"
    clock = Clock()
    store = RuntimeStore(path.with_suffix(".sqlite3"), clock=clock, retention=Retention(raw_days=1))
    for tick in range(0, 2 * 86_400, 10):
        clock.now = DAY0 + tick
        hour = tick // 3600
        store.write(DEVICE, "", "power", hour % 24 * 100)
        store.write(ZONE, "z1", "state", "on" if hour % 2 == 0 else "off")
    clock.now = DAY0 + 2 * 86_400
    store.prune()
    assert store.oldest_raw() == DAY0 + 86_400  # day one aged out, day two is raw
    store.close()
    return path


def test_every_hour_reads_aggregates_and_raw_values_alike(cli: RunCli, aged: Path) -> None:
    result = cli("history", "--device", aged, "--every", "1h", "--attribute", "power", "--json")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert len(rows) == 48  # day one from minute aggregates, day two from raw values
    assert [r["mean"] for r in rows] == [h % 24 * 100 for h in range(48)]
    assert all(r["min"] == r["max"] == r["mean"] for r in rows)
    assert rows[0]["ts"] == "2026-06-01T00:00:00.000Z"
    assert rows[25]["ts"] == "2026-06-02T01:00:00.000Z"
    assert {r["count"] for r in rows[:-1]} == {360}
    zone = json.loads(
        cli("history", "--device", aged, "--every", "1h", "--zone", "z1", "--json").out
    )
    assert [r["on_fraction"] for r in zone] == [1.0 - h % 2 for h in range(48)]
    assert {r["last"] for r in zone} == {"on", "off"}


def test_every_day_csv_and_until(cli: RunCli, aged: Path) -> None:
    result = cli(
        "history", "--device", aged, "--every", "1d", "--csv", "--until", "2026-06-02T00:00:00Z"
    )
    assert result.code == 0, result.err
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert [(r["ts"], r["name"]) for r in rows] == [
        ("2026-06-01T00:00:00.000Z", "power"),
        ("2026-06-01T00:00:00.000Z", "state"),
    ]
    assert float(rows[0]["mean"]) == pytest.approx(sum(range(24)) * 100 / 24)
    assert (rows[0]["min"], rows[0]["max"]) == ("0.0", "2300.0")
    assert float(rows[1]["on_fraction"]) == pytest.approx(0.5)


def test_until_on_raw_values(cli: RunCli, aged: Path) -> None:
    since, until = "2026-06-02T10:00:00Z", "2026-06-02T10:01:00Z"
    result = cli(
        "history", "--device", aged, "--attribute", "power", "--since", since, "--until", until,
        "--json",
    )  # fmt: skip
    rows = json.loads(result.out)
    assert [r["ts"][11:19] for r in rows] == [f"10:00:{s:02d}" for s in range(0, 60, 10)]
    assert result.err == ""  # inside the raw period: no note


def test_raw_history_reaching_into_aggregates_says_so(cli: RunCli, aged: Path) -> None:
    result = cli("history", "--device", aged, "--attribute", "power", "--limit", "3")
    assert result.code == 0
    full = cli("history", "--device", aged, "--attribute", "power", "--since", "2026-06-01")
    assert "older ones are per-minute aggregates (use --every" in full.err
    assert full.out.splitlines()[0].startswith("2026-06-02T00:00:00.000Z")


def test_every_rejects_current_and_until_must_follow_since(cli: RunCli, aged: Path) -> None:
    both = cli("history", "--device", aged, "--every", "1h", "--current")
    assert both.code == 2
    backwards = cli("history", "--device", aged, "--since", "2026-06-02", "--until", "2026-06-01")
    assert backwards.code == 2
    assert "--until must be later than --since" in backwards.err
    bad = cli("history", "--device", aged, "--every", "5m")
    assert bad.code == 2
    assert "1m" in bad.err and "1h" in bad.err
