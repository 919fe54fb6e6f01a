"""`command`: arguments typed by the manifest, one JSON result, clear failures."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sense_energy_driver.cli.command import build_command
from sense_energy_driver.cli.common import UsageError
from sense_energy_driver.simulator import SenseSimulator

RunCli = Callable[..., Any]


def test_arguments_are_typed_by_the_manifest() -> None:
    assert build_command("get_timeline", ["n_items=5", "device_id=abc"]) == {
        "action": "get_timeline",
        "n_items": 5,
        "device_id": "abc",
    }
    assert build_command("get_usage", ["scale=DAY", "start=2026-06-01T00:00:00"]) == {
        "action": "get_usage",
        "scale": "DAY",
        "start": "2026-06-01T00:00:00",
    }


@pytest.mark.parametrize(
    ("action", "pairs", "fragment"),
    [
        ("get_timeline", ["n_items=many"], "must be an integer"),
        ("get_usage", [], "argument 'scale' is required"),
        ("get_usage", ["scale=HOUR"], "must be one of DAY, WEEK"),
        ("get_devices", ["colour=red"], "unknown argument 'colour'; valid arguments: none"),
        ("get_timeline", ["n_items"], "must look like KEY=VALUE"),
    ],
)
def test_bad_arguments(action: str, pairs: list[str], fragment: str) -> None:
    with pytest.raises(UsageError, match=fragment):
        build_command(action, pairs)


def test_get_devices_prints_json(cli: RunCli, sim_device: Path) -> None:
    result = cli("command", "get_devices", "--device", sim_device)
    assert result.code == 0, result.err
    devices = json.loads(result.out)
    assert devices and {"id", "name", "is_on", "power"} <= set(devices[0])
    assert "Traceback" not in result.err


def test_get_monitors_compact(cli: RunCli, sim_device: Path) -> None:
    result = cli("command", "get_monitors", "--device", sim_device, "--compact")
    assert result.code == 0, result.err
    assert len(result.out.strip().splitlines()) == 1
    assert json.loads(result.out)[0]["id"]


def test_refresh_token_is_kept_encrypted(cli: RunCli, sim_device: Path) -> None:
    assert cli("command", "get_monitors", "--device", sim_device).code == 0
    stored = json.loads(sim_device.read_text())["attributes"]
    assert str(stored["refresh_token"]).startswith("gem-crypt:")
    assert str(stored["password"]).startswith("gem-crypt:")
    assert stored["installation_id"]


def test_rejected_password_is_status_1_without_the_password(
    cli: RunCli, threaded_sim: SenseSimulator, write_device: Callable[..., Path]
) -> None:
    path = write_device(
        "wrong",
        username=threaded_sim.email,
        password="pw-canary-wrong",
        api_url=threaded_sim.api_url,
        realtime_url=threaded_sim.realtime_url,
    )
    result = cli("command", "get_devices", "--device", path)
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "Traceback" not in result.err
    assert "pw-canary-wrong" not in result.err + result.out


def test_get_realtime_waits_for_the_first_sample(cli: RunCli, sim_device: Path) -> None:
    result = cli("command", "get_realtime", "--device", sim_device)
    assert result.code == 0, result.err
    sample = json.loads(result.out)
    assert sample["power"] > 0
    assert sample["feed_status"] == "connected"
