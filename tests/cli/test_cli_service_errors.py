"""Bad --web, --mqtt, --proxy and --kasa-bind values: exit status 2, one line naming the option
and what is valid, no traceback, no password."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import RunCli, WriteDevice

SECRET = "broker-pw-canary"


BOTH = [
    (("--web", "127.0.0.1:http"), "argument --web: the address must be [HOST:]PORT"),
    (("--web", "::1:80"), "put an IPv6 address in brackets"),
    (("--proxy", "Pump"), "argument --proxy: must look like NAME=WATTS"),
    (("--proxy", "Pump=-1"), "watts from 0 to 50000"),
    (("--kasa-bind", "9999"), "argument --kasa-bind: the address must be HOST:PORT"),
    (("--mqtt", f"tcp://u:{SECRET}@h"), "--mqtt: unknown scheme tcp://"),
    (("--mqtt", "mqtt://h", "--mqtt-min-interval", "x"), "--mqtt-min-interval 'x'"),
    (("--mqtt-min-interval", "5"), "--mqtt-min-interval needs --mqtt URL"),
]
CASES = [(sub, argv, names) for sub in ("run", "demo") for argv, names in BOTH]
CASES.append(("run", ("--devices", "{dir}", "--web", "8080"), "--web: for one monitor"))


@pytest.mark.parametrize(("subcommand", "argv", "names"), CASES)
def test_a_bad_service_option_is_one_line_and_status_2(
    cli: RunCli,
    write_device: WriteDevice,
    tmp_path: Path,
    subcommand: str,
    argv: tuple[str, ...],
    names: str,
) -> None:
    argv = tuple(a.replace("{dir}", str(tmp_path)) for a in argv)
    where = (
        ("--device", str(write_device())) if subcommand == "run" and "--devices" not in argv else ()
    )
    extra = ("--dir", str(tmp_path / "demo"), "--seconds", "1") if subcommand == "demo" else ()
    result = cli(subcommand, *where, "--no-live", *extra, *argv)
    assert result.code == 2
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1, result.err
    assert names in lines[0]
    assert "Traceback" not in result.err
    assert SECRET not in result.err + result.out
