"""`run`: the driver for one device file until --seconds, then a summary; JSON on request."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sense_energy_driver.simulator import SenseSimulator

RunCli = Callable[..., Any]


def _device_with_zones(
    cli: RunCli, sim: SenseSimulator, write_device: Callable[..., Path]
) -> tuple[Path, list[dict[str, Any]]]:
    attributes = {
        "username": sim.email,
        "password": sim.password,
        "api_url": sim.api_url,
        "realtime_url": sim.realtime_url,
    }
    probe = write_device("probe", **attributes)
    devices = json.loads(cli("command", "get_devices", "--device", probe).out)
    zones = [{"address": d["id"], "label": d["name"]} for d in devices]
    return write_device("home", zones=zones, **attributes), devices


def test_run_json_summary(
    cli: RunCli, threaded_sim: SenseSimulator, write_device: Callable[..., Path]
) -> None:
    path, devices = _device_with_zones(cli, threaded_sim, write_device)
    result = cli("run", "--device", path, "--seconds", "1.5", "--json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)  # only the JSON object on stdout
    assert summary["samples"] >= 1
    assert summary["device"]["power"] > 0
    assert summary["device"]["feed_status"] == "connected"
    assert [z["address"] for z in summary["zones"]] == [d["id"] for d in devices]
    assert {z["state"] for z in summary["zones"]} <= {"on", "off"}
    assert summary["store"] == str(path.with_suffix(".sqlite3"))


def test_run_plain_then_restart_shows_last_values(
    cli: RunCli, threaded_sim: SenseSimulator, write_device: Callable[..., Path]
) -> None:
    path, _ = _device_with_zones(cli, threaded_sim, write_device)
    result = cli("run", "--device", path, "--seconds", "1", "--no-live")
    assert result.code == 0, result.err
    assert result.out.splitlines()[0].startswith("[    1s]  power ")
    assert "summary after" in result.out
    with sqlite3.connect(path.with_suffix(".sqlite3")) as db:
        (last,) = db.execute(
            "SELECT value FROM current WHERE scope = 'device' AND name = 'power'"
        ).fetchone()
    current = json.loads(cli("history", "--device", path, "--current", "--json").out)
    assert {(r["name"], r["value"]) for r in current if r["scope"] == "device"} >= {
        ("power", json.loads(last)),
        ("feed_status", "stopped"),
    }


def test_rejected_credentials_end_run_with_status_1(
    cli: RunCli, threaded_sim: SenseSimulator, write_device: Callable[..., Path]
) -> None:
    path = write_device(
        "wrong",
        username=threaded_sim.email,
        password="pw-canary-wrong",
        api_url=threaded_sim.api_url,
        realtime_url=threaded_sim.realtime_url,
    )
    result = cli("run", "--device", path, "--seconds", "5")
    assert result.code == 1
    assert result.err.splitlines()[-1].startswith("error: ")
    assert "pw-canary-wrong" not in result.err + result.out
