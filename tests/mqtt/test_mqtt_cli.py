"""The CLI's MQTT and fleet options: bad usage is named, exit status 2, no password echoed."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sense_energy_driver.cli.main import main

SECRET = "hunter2-broker"


def _device(tmp_path: Path) -> Path:
    path = tmp_path / "home.json"
    document = {"name": "Home", "attributes": {"username": "a@b.c", "password": "pw"}}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "give either --device FILE (one monitor) or --devices DIR (a fleet)"),
        (("--device", "x.json", "--devices", "."), "give either --device FILE"),
        (("--devices", ".", "--store", "s.sqlite3"), "each file keeps its own"),
        (("--devices", ".", "--web", "8080"), "--web: for one monitor (--device FILE)"),
        (("--devices", ".", "--proxy", "Pump=5", "--json"), "--proxy, --json: for one monitor"),
        (("--devices", ".", "--kasa-bind", "127.0.0.1:0"), "--kasa-bind: for one monitor"),
        (("--devices", ".", "--summary-json"), "--summary-json: for one monitor"),
    ],
)
def test_run_needs_exactly_one_of_device_and_devices(
    argv: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", *argv]) == 2
    assert message in capsys.readouterr().err


def test_a_bad_shard_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--devices", ".", "--shard", "3/2"]) == 2
    assert "0 <= I < N" in capsys.readouterr().err


def test_a_bad_broker_url_stops_run_before_connecting_and_hides_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    device = _device(tmp_path)
    code = main(["run", "--device", str(device), "--mqtt", f"tcp://u:{SECRET}@h", "--no-live"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--mqtt: unknown scheme tcp://" in err and "mqtts://" in err
    assert SECRET not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--mqtt-min-interval", "5"), "--mqtt-min-interval needs --mqtt URL"),
        (("--mqtt-prefix", "home", "--mqtt-client-id", "x"), "--mqtt-prefix, --mqtt-client-id"),
    ],
)
def test_mqtt_options_without_a_broker_are_refused_not_ignored(
    argv: tuple[str, ...], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "--device", str(_device(tmp_path)), "--no-live", *argv])
    assert code == 2
    assert message in capsys.readouterr().err


def test_run_help_lists_the_mqtt_and_fleet_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--mqtt URL", "--mqtt-ca", "--mqtt-min-interval", "--devices DIR", "--shard"):
        assert option in out


def test_the_broker_password_is_in_no_log_or_file_while_the_broker_is_away(
    tmp_path: Path,
) -> None:
    """The demo at debug level against a closed port: retries are logged, without the password."""
    with socket.socket() as probe:  # a port nobody listens on: bound, never listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
            [
                sys.executable,
                "-m",
                "sense_energy_driver",
                "demo",
                "--mqtt",
                f"mqtt://ha:{SECRET}@127.0.0.1:{port}",
                "--seconds",
                "3",
                "--no-live",
                "--dir",
                str(tmp_path / "demo"),
                "--log-level",
                "debug",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert f"MQTT broker mqtt://ha@127.0.0.1:{port}: " in result.stderr  # the retry was logged
    assert SECRET not in result.stdout + result.stderr
    for path in (tmp_path / "demo").iterdir():
        assert SECRET.encode() not in path.read_bytes(), path
