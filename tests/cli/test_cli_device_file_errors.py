"""A bad device file: one clear line naming file and field, exit status 2, the file untouched."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sense_energy_driver.standalone import KEY_FILE_NAME, StandaloneHost

RunCli = Callable[..., Any]  # the `cli` fixture: returns .code, .out, .err


def _check(result: Any, path: Path, before: bytes | None, *fragments: str) -> None:
    code, err = result.code, result.err
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    assert str(path) in lines[0]
    for fragment in fragments:
        assert fragment in lines[0]
    if before is not None:
        assert path.read_bytes() == before


@pytest.mark.parametrize("subcommand", ["run", "command get_devices"])
def test_missing_file(cli: RunCli, tmp_path: Path, subcommand: str) -> None:
    path = tmp_path / "absent.json"
    result = cli(*subcommand.split(), "--device", path)
    _check(result, path, None, "device file not found")
    assert not (tmp_path / KEY_FILE_NAME).exists()


def test_invalid_json(cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"attributes": {"username": "u",}}')
    before = path.read_bytes()
    _check(cli("run", "--device", path), path, before, "not valid JSON", "line 1")


def test_missing_username(cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "nouser.json"
    path.write_text(json.dumps({"attributes": {"password": "pw-canary-1234"}}))
    before = path.read_bytes()
    result = cli("run", "--device", path)
    _check(result, path, before, "attribute 'username' is required")
    assert "pw-canary-1234" not in result.err


def test_status_interval_not_a_number(cli: RunCli, write_device: Callable[..., Path]) -> None:
    path = write_device(status_interval="abc")
    before = path.read_bytes()
    _check(
        cli("run", "--device", path),
        path,
        before,
        "attribute 'status_interval' must be an int",
        '"abc"',
    )


def test_unknown_attribute(cli: RunCli, write_device: Callable[..., Path]) -> None:
    path = write_device(colour="red")
    before = path.read_bytes()
    _check(
        cli("command", "get_devices", "--device", path),
        path,
        before,
        "unknown attribute 'colour'",
        "valid attributes: username, password",
    )


def test_wrong_encryption_key(cli: RunCli, write_device: Callable[..., Path]) -> None:
    path = write_device()
    StandaloneHost(path, console_handler=None).close()  # encrypts the password with a new key
    (path.parent / KEY_FILE_NAME).write_text(secrets.token_hex(32))
    before = path.read_bytes()
    result = cli("run", "--device", path)
    _check(result, path, before, "attribute 'password'", "does not decrypt", KEY_FILE_NAME)


def test_in_a_real_process_too(write_device: Callable[..., Path]) -> None:
    path = write_device(status_interval="abc")
    before = path.read_bytes()
    proc = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "sense_energy_driver", "run", "--device", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        f"error: {path}: attribute 'status_interval' must be an int "
        '(a whole number such as 60000 ms), got "abc"'
    )
    assert path.read_bytes() == before
