"""One exit-code convention, global options anywhere, hints for settings, no tracebacks."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sense_energy_driver.cli.common import open_host
from sense_energy_driver.cli.hints import hint_for, plain_url_warnings
from sense_energy_driver.cli.main import build_parser
from sense_energy_driver.errors import SenseConnectionError, SenseNotFoundError
from sense_energy_driver.simulator import SenseSimulator
from sense_energy_driver.standalone import KEY_FILE_NAME, DeviceFile
from tests.cli.conftest import RunCli, WriteDevice
from tests.sim_fixtures import attributes_for


def test_log_level_is_accepted_after_the_subcommand_too() -> None:
    parser = build_parser(with_simulator=False)
    after = parser.parse_args(["command", "get_monitors", "--device", "x", "--log-level", "debug"])
    before = parser.parse_args(["--log-level", "error", "command", "get_monitors", "--device", "x"])
    neither = parser.parse_args(["history", "--device", "x"])
    assert (after.log_level, before.log_level, neither.log_level) == ("debug", "error", None)


def test_a_bad_command_argument_is_a_usage_error(cli: RunCli, sim_device: Path) -> None:
    result = cli(
        "command", "get_usage", "--device", sim_device, "--arg", "scale=DAY", "--arg", "start=soon"
    )
    assert result.code == 2
    assert "argument 'start' must be an ISO 8601 date" in result.err


def test_simulate_rejects_a_port_out_of_range(cli: RunCli) -> None:
    result = cli("simulate", "--port", "99999")
    assert result.code == 2
    assert "must be 0-65535" in result.err


def test_an_unexpected_error_is_one_line_without_traceback(
    cli: RunCli, write_device: WriteDevice, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("sense_energy_driver.cli.command.build_command", broken)
    result = cli("command", "get_monitors", "--device", write_device())
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        "error: unexpected RuntimeError: boom (a bug; --log-level debug shows where, please "
        "report it)"
    ]


@pytest.mark.parametrize("content", ["", "abc123\n"], ids=["empty", "short"])
def test_a_bad_key_file_says_how_to_recover(
    cli: RunCli, write_device: WriteDevice, content: str
) -> None:
    device = write_device()
    (device.parent / KEY_FILE_NAME).write_text(content, encoding="ascii")
    result = cli("command", "get_monitors", "--device", device)
    assert result.code == 2
    assert ("is empty" in result.err) == (content == "")
    assert f"delete {device.parent / KEY_FILE_NAME}" in result.err  # nothing encrypted yet


def test_a_lost_key_with_encrypted_values_names_them(
    cli: RunCli, write_device: WriteDevice
) -> None:
    device = write_device()
    DeviceFile.load(device)  # encrypts the password with the key it makes
    (device.parent / KEY_FILE_NAME).write_text("", encoding="ascii")
    result = cli("command", "get_monitors", "--device", device)
    assert result.code == 2
    assert "type password into home.json again as plain text" in result.err


def test_plain_urls_to_other_machines_are_warned_about(write_device: WriteDevice) -> None:
    warnings = plain_url_warnings(
        {"api_url": "http://sense.example.net/api", "realtime_url": "ws://127.0.0.1:8765"}
    )
    assert len(warnings) == 1
    assert "api_url uses plain http:// to sense.example.net" in warnings[0]
    assert plain_url_warnings({"api_url": "https://x", "realtime_url": "wss://x"}) == []

    device = write_device(realtime_url="ws://feed.example.net")
    with open_host(argparse.Namespace(store=None), device, level=50):
        pass
    log = device.with_suffix(".log").read_text(encoding="utf-8")
    assert "realtime_url uses plain ws:// to feed.example.net" in log


@pytest.mark.parametrize(
    ("error", "fragment"),
    [
        (SenseConnectionError("POST /authenticate to h failed: All connection attempts failed"),
         "nothing accepts connections at api_url"),
        (SenseConnectionError("failed: [SSL: WRONG_VERSION_NUMBER] wrong version number"),
         "api_url says https://"),
        (SenseConnectionError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
         "set ca_file"),
        (SenseNotFoundError("authenticate http 404: authenticate not found"), "api_url's path"),
    ],
)  # fmt: skip
def test_configuration_shaped_failures_get_a_hint(error: Exception, fragment: str) -> None:
    hint = hint_for(error)
    assert hint is not None and fragment in hint


def test_other_failures_get_no_hint() -> None:
    assert hint_for(SenseNotFoundError("monitor 42 http 404: not found")) is None
    assert hint_for(SenseConnectionError("feed closed 1006")) is None


def test_a_wrong_api_path_fails_with_the_hint(
    cli: RunCli, threaded_sim: SenseSimulator, write_device: WriteDevice
) -> None:
    attributes = attributes_for(threaded_sim)
    attributes["api_url"] = str(attributes["api_url"]).replace("/apiservice", "/wrong")
    result = cli("command", "get_monitors", "--device", write_device(**attributes))
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert lines[-2].startswith("error: cannot reach Sense: authenticate http 404")
    assert lines[-1].startswith("hint: the server has no Sense API at api_url's path")


def _refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _read_until(stream: object, found: Callable[[str], bool], timeout: float) -> str:
    """Lines from a child's pipe until one satisfies `found` (or the deadline passes)."""
    assert hasattr(stream, "readline")
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen += line
        if found(line):
            break
    return seen


def test_run_says_what_it_is_doing_while_it_cannot_connect(write_device: WriteDevice) -> None:
    port = _refused_port()
    device = write_device(api_url=f"http://127.0.0.1:{port}/apiservice/api/v1")
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "sense_energy_driver", "run", "--device", str(device), "--no-live"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stderr is not None
        seen = _read_until(proc.stderr, lambda line: line.startswith("hint:"), timeout=30)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert f"connecting to 127.0.0.1:{port} …" in seen
    assert f"connecting to 127.0.0.1:{port}: " in seen
    assert "(attempt 1 of" in seen and "failed)" in seen
    assert "hint: nothing accepts connections at api_url" in seen
    assert "login failed (attempt 1" not in seen  # said once, in the CLI's words


def test_the_user_guide_shows_the_shipped_systemd_unit() -> None:
    root = Path(__file__).resolve().parents[2]
    unit = (root / "docs/examples/sense-energy-driver.service").read_text(encoding="utf-8")
    lines = [line for line in unit.splitlines() if line and not line.startswith("#")]
    guide = (root / "docs/user-guide.md").read_text(encoding="utf-8")
    block = guide.split("```ini\n", 1)[1].split("```", 1)[0]
    assert [line for line in block.splitlines() if line] == lines
    assert "sense-energy-driver run --device home.json" in unit
