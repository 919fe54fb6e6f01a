"""The CLI's shape: --help everywhere, usage errors are status 2, the simulator loaded lazily."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

RunCli = Callable[..., Any]


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        ((), "SUBCOMMAND"),
        (("demo",), "--seconds"),
        (("run",), "--device FILE"),
        (("command",), "get_usage"),
        (("history",), "--since"),
        (("simulate",), "--port"),
    ],
)
def test_help_everywhere(cli: RunCli, argv: tuple[str, ...], fragment: str) -> None:
    result = cli(*argv, "--help")
    assert result.code == 0
    assert "usage: sense-energy-driver" in result.out
    assert fragment in result.out


@pytest.mark.parametrize(
    "argv",
    [
        (),
        ("nope",),
        ("run",),
        ("demo", "--seconds", "0"),
        ("demo", "--seconds", "nan"),
        ("run", "--device", "x.json", "--seconds", "inf"),
        ("run", "--device", "x.json", "--watch-interval", "nan"),
        ("demo", "--start-hour", "24"),
        ("demo", "--speed", "0"),
        ("command", "nope", "--device", "x.json"),
        ("history", "--device", "x.json", "--csv", "--json"),
    ],
)
def test_bad_usage_is_status_2(cli: RunCli, argv: tuple[str, ...]) -> None:
    result = cli(*argv)
    assert result.code == 2
    assert "Traceback" not in result.err


def test_version(cli: RunCli) -> None:
    result = cli("--version")
    assert result.code == 0
    assert result.out.startswith("sense-energy-driver ")


def test_other_subcommands_do_not_import_the_simulator() -> None:
    code = (
        "import sys; from sense_energy_driver.cli.main import build_parser; "
        "build_parser(with_simulator=False).parse_args(['history', '--device', 'x.json']); "
        "print(any(m.startswith('sense_energy_driver.simulator') for m in sys.modules))"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    assert out.strip() == "False"


def test_demo_starts_the_simulated_day_in_the_monitors_evening() -> None:
    from datetime import UTC, datetime

    from sense_energy_driver.cli.demo import demo_start

    start = demo_start(18, now=datetime(2026, 11, 23, 3, 30, tzinfo=UTC))
    assert start is not None
    # 03:30 UTC on the 23rd is 22:30 on the 22nd in New York: that local day's 18:00
    assert start.isoformat() == "2026-11-22T18:00:00-05:00"
    assert demo_start(-1) is None
