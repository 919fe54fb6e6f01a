"""`run`: the driver for one device file until --seconds, then a summary; JSON on request."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

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


def test_run_summary_json(
    cli: RunCli, threaded_sim: SenseSimulator, write_device: Callable[..., Path]
) -> None:
    path, devices = _device_with_zones(cli, threaded_sim, write_device)
    result = cli("run", "--device", path, "--seconds", "1.5", "--summary-json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)  # only the JSON object on stdout
    assert summary["samples"] >= 1
    assert summary["stale_seconds"] is None
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


def _cli_process(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "sense_energy_driver", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_run_json_streams_one_object_per_change(
    cli: RunCli, threaded_sim: SenseSimulator, write_device: Callable[..., Path]
) -> None:
    path, devices = _device_with_zones(cli, threaded_sim, write_device)
    proc = _cli_process("run", "--device", path, "--seconds", "2", "--json")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines()]  # every line is one JSON object
    *changes, summary = lines
    assert {item["type"] for item in changes} == {"change"}
    assert summary["type"] == "summary" and summary["samples"] >= 1
    device = [c for c in changes if c["scope"] == "device"]
    assert any(c["name"] == "power" and c["value"] > 0 for c in device)
    assert any(c["name"] == "feed_status" and c["value"] == "connected" for c in device)
    zone_states = {c["address"] for c in changes if c["scope"] == "zone" and c["name"] == "state"}
    assert zone_states == {d["id"] for d in devices}  # every zone's first state was streamed
    times = [datetime.fromisoformat(c["ts"]) for c in changes]
    assert times == sorted(times)
    assert summary["device"]["power"] == [c for c in device if c["name"] == "power"][-1]["value"]


def _lines(stream: IO[str]) -> Iterator[str]:
    """Lines until the stream ends (the process is stopped by --seconds at the latest)."""
    yield from iter(stream.readline, "")


def test_a_silent_feed_is_marked_stale_in_lines_and_summary(
    cli: RunCli, threaded_sim: SenseSimulator, write_device: Callable[..., Path]
) -> None:
    path, _ = _device_with_zones(cli, threaded_sim, write_device)
    proc = _cli_process("run", "--device", path, "--no-live", "--seconds", "30")
    try:
        assert proc.stdout is not None
        lines = _lines(proc.stdout)
        first = next(line for line in lines if " power " in line and "power -" not in line)
        assert "stale" not in first
        threaded_sim.stall_feed()  # the feed stays open but sends nothing
        stale = next(line for line in lines if "stale" in line)
        assert "no sample from Sense for" in stale and "(feed connected)" in stale
        seconds = int(stale.split("stale ")[1].split(" s")[0])
        assert 2 <= seconds <= 5  # twice the usual interval (1 s at least), seen within a line
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "  STALE: the values are" in rest
    assert "  Last error: no sample from Sense for" in rest


def test_keep_raw_must_be_a_positive_number_of_days(
    cli: RunCli, write_device: Callable[..., Path]
) -> None:
    path = write_device("home")
    for bad in ("0", "-1", "week"):
        result = cli("run", "--device", path, "--keep-raw", bad, "--seconds", "1")
        assert result.code == 2
        assert "--keep-raw: must be a number of days more than 0" in result.err
