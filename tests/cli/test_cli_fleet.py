"""`run --devices DIR` treats each device file as `run --device` does: it takes the file's lock
(a file another process runs is named and left out, the others run; with none left the fleet
exits 1) and applies edits to the running driver."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from sense_energy_driver.standalone import (
    DeviceFile,
    DeviceFileLock,
    DeviceInUseError,
    lock_path_for,
)
from sense_energy_driver.standalone.atomic import atomic_write_text
from tests.cli.conftest import simulator_thread
from tests.cli.test_cli_run_device_file import cli_argv, wait_until, zone_state
from tests.sim_fixtures import attributes_for

pytestmark = pytest.mark.timeout(120)


def _fleet(tmp_path: Path, *names: str) -> Path:
    """Device files whose cloud refuses connections: the fleet keeps retrying, never logs in."""
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    for name in names:
        document = {
            "name": name,
            "attributes": {
                "username": "a@b.c",
                "password": "pw",
                "api_url": "http://127.0.0.1:9/",
                "realtime_url": "ws://127.0.0.1:9/",
            },
        }
        (fleet / f"{name}.json").write_text(json.dumps(document), encoding="utf-8")
    return fleet


def _locked_by(device: Path) -> str:
    path = lock_path_for(device)
    return path.read_text(encoding="ascii").strip() if path.exists() else ""


def test_a_fleet_locks_its_files_and_leaves_out_one_run_elsewhere(tmp_path: Path) -> None:
    fleet = _fleet(tmp_path, "a", "b")
    err_path = tmp_path / "fleet.err"
    with DeviceFileLock(fleet / "a.json"), err_path.open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            cli_argv("run", "--devices", fleet, "--seconds", "60"),
            stdout=subprocess.DEVNULL,
            stderr=err,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            wait_until(lambda: _locked_by(fleet / "b.json") == str(proc.pid), "b.json's lock")
            with pytest.raises(DeviceInUseError, match=f"already being run by process {proc.pid}"):
                DeviceFileLock(fleet / "b.json").acquire()
            wait_until(lambda: "a.json: not run" in err_path.read_text(), "a.json left out")
        finally:
            proc.terminate()  # may land before its signal handlers: the exit code is moot
            proc.wait(timeout=30)
    stderr = err_path.read_text(encoding="utf-8")
    assert f"already being run by process {os.getpid()}" in stderr
    assert "Traceback" not in stderr
    with DeviceFileLock(fleet / "b.json"):  # released when the fleet stopped
        pass


def test_a_fleet_with_every_file_run_elsewhere_exits_1(tmp_path: Path) -> None:
    fleet = _fleet(tmp_path, "a", "b")
    with DeviceFileLock(fleet / "a.json"), DeviceFileLock(fleet / "b.json"):
        result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
            cli_argv("run", "--devices", fleet, "--seconds", "60"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1, result.stderr
    assert "shard 0/1: none of its device files could be run" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_fleet_leaves_out_a_file_whose_store_cannot_be_opened(tmp_path: Path) -> None:
    """A StoreError is a StandaloneError: the file is named and left out, as a locked one is."""
    fleet = _fleet(tmp_path, "a")
    (fleet / "a.sqlite3").write_text("not a database, just text\n" * 100, encoding="utf-8")
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        cli_argv("run", "--devices", fleet, "--seconds", "60"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "a.json: not run:" in result.stderr and "value store" in result.stderr
    assert "shard 0/1: none of its device files could be run" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_edit_during_a_fleet_run_reaches_that_monitors_driver(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    device = fleet / "home.json"
    with simulator_thread() as sim:
        added = sorted(sim.device_ids())[0]
        document = {"name": "Home", "attributes": attributes_for(sim), "zones": []}
        device.write_text(json.dumps(document), encoding="utf-8")
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            cli_argv("run", "--devices", fleet, "--seconds", "60", "--watch-interval", "0.1"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until(lambda: DeviceFile.load(device).get("user_id"), "the fleet's login")
            edited = json.loads(device.read_text(encoding="utf-8"))
            edited["zones"] = [{"address": added, "label": "Added while running"}]
            atomic_write_text(device, json.dumps(edited))
            store = device.with_suffix(".sqlite3")
            wait_until(lambda: zone_state(store, added) in ("on", "off"), "the added zone")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    log = device.with_suffix(".log").read_text(encoding="utf-8")
    assert f"zones added {added}" in log
