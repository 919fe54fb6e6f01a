"""The CLI's MQTT and fleet options: bad usage is named, exit status 2, no password echoed."""

from __future__ import annotations

import json
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


def test_run_help_lists_the_mqtt_and_fleet_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--mqtt URL", "--mqtt-ca", "--mqtt-min-interval", "--devices DIR", "--shard"):
        assert option in out
