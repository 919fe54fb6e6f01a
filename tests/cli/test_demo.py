"""`demo` end to end, in a real process: the simulator, the driver, the host and the store."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

LINE = re.compile(
    r"^\[\s*\d+s\]\s+power (\d+) W\s+solar (\d+) W.*feed (\w+)\s+zones on (\d+)/(\d+)$"
)
ZONE = re.compile(r"^zone (.+) \((\S+)\): (on|off) (\d+) W$")


def _demo(directory: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sense_energy_driver", "demo", "--dir", str(directory), *extra]


def test_demo_runs_shows_and_stores(tmp_path: Path) -> None:
    proc = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        _demo(tmp_path, "--seconds", "5", "--no-live"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stdout.splitlines()

    samples = [m for m in map(LINE.match, lines) if m]
    assert len(samples) >= 4
    assert all(int(m[1]) > 0 for m in samples)  # whole-home watts
    assert all(m[3] == "connected" for m in samples)
    zones = [m for m in map(ZONE.match, lines) if m]
    assert len(zones) >= 5
    assert int(samples[-1][5]) == len(zones)  # every simulated device got a zone
    assert any(m[3] == "on" and int(m[4]) > 0 for m in zones)
    assert any(line.startswith("summary after ") for line in lines)
    # times in the simulated monitor's zone (its clock starts in the evening there)
    assert any(re.fullmatch(r"  Last sample: \d\d:\d\d:\d\d E[SD]T", line) for line in lines)
    assert any(
        re.fullmatch(r"  Used today: [\d.]+ kWh \(\+[\d.]+ counted\)", line) for line in lines
    )

    device = json.loads((tmp_path / "demo.json").read_text())
    assert {z["address"] for z in device["zones"]} == {m[2] for m in zones}
    assert device["attributes"]["password"].startswith("gem-crypt:")

    with sqlite3.connect(tmp_path / "demo.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        power = db.execute(
            "SELECT value FROM history WHERE scope = 'device' AND name = 'power'"
        ).fetchall()
        assert len(power) >= 4
        assert all(int(v) > 0 for (v,) in power)
        states = dict(
            db.execute("SELECT address, value FROM current WHERE scope = 'zone' AND name = 'state'")
        )
        assert {json.loads(v) for v in states.values()} <= {"on", "off"}
        assert {m[2]: m[3] for m in zones}.items() <= {
            a: json.loads(v) for a, v in states.items()
        }.items()
        names = {n for (n,) in db.execute("SELECT DISTINCT name FROM history")}
        assert not names & {"password", "totp_secret", "refresh_token"}
        assert db.execute("SELECT value FROM current WHERE name = 'feed_status'").fetchone() == (
            '"stopped"',
        )  # disconnect ran before exit


def test_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        _demo(tmp_path, "--no-live"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the first per-second line: the driver is running
        assert LINE.match(first.rstrip("\n")), first
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "summary after" in out
    with sqlite3.connect(tmp_path / "demo.sqlite3") as db:
        assert db.execute("SELECT value FROM current WHERE name = 'feed_status'").fetchone() == (
            '"stopped"',
        )


def _json_demo(directory: Path, *extra: str) -> list[dict[str, object]]:
    proc = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        _demo(directory, "--json", *extra), capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def _first_ts(directory: Path) -> float:
    with sqlite3.connect(directory / "demo.sqlite3") as db:
        return float(db.execute("SELECT MIN(ts) FROM history").fetchone()[0])


def test_a_zone_switches_early_used_today_moves_and_each_run_starts_fresh(
    tmp_path: Path,
) -> None:
    items = _json_demo(tmp_path, "--seconds", "5")
    *changes, summary = items
    started = datetime.fromisoformat(str(changes[0]["ts"]))
    seen: dict[object, object] = {}
    switches = []
    for change in changes:
        if change["scope"] == "zone" and change["name"] == "state":
            if change["address"] in seen and seen[change["address"]] != change["value"]:
                switches.append(datetime.fromisoformat(str(change["ts"])) - started)
            seen[change["address"]] = change["value"]
    assert switches, "no zone switched on or off during the demo"
    assert switches[0].total_seconds() < 5
    assert isinstance(summary["counted_kwh"], float) and summary["counted_kwh"] > 0

    first_run = _first_ts(tmp_path)
    _json_demo(tmp_path, "--seconds", "1")
    second_run = _first_ts(tmp_path)
    assert second_run > first_run  # a fresh store: nothing of the first run is left
    _json_demo(tmp_path, "--seconds", "1", "--keep")
    assert _first_ts(tmp_path) == second_run  # --keep: the last run's values are still there
