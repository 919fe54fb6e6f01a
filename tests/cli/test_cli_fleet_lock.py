"""`run --devices DIR` takes each device file's lock as `run --device` does: a file another
process runs is named and left out, the others run; with none left the fleet exits 1."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from sense_energy_driver.standalone import DeviceFileLock, DeviceInUseError, lock_path_for
from tests.cli.test_cli_run_device_file import cli_argv, wait_until

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
