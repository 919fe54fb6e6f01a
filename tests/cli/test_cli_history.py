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
from sense_energy_driver.standalone.store import DEVICE, ZONE

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
