"""The built wheel, installed into a fresh venv outside the checkout, runs the CLI on its own.

Builds with `pip wheel --no-deps` (hatchling from the package registry, cached by pip), installs
`wheel[demo]` non-editable into a new venv under a temp directory and runs the console script
from `/`, so nothing can be read from the source tree by accident.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from sense_energy_driver import __version__

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.packaging, pytest.mark.timeout(900)]


def _run(argv: list[str | Path], *, cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(  # noqa: S603 - our own interpreter and console script
        [str(a) for a in argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _checked(proc: subprocess.CompletedProcess[str], what: str) -> str:
    assert proc.returncode == 0, f"{what} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _checked(
        _run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, ROOT],
            cwd=out,
            timeout=300,
        ),
        "pip wheel",
    )
    (built,) = out.glob("sense_energy_driver-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The venv's bin directory, with `wheel[demo]` installed (not editable)."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    _checked(
        _run([python, "-m", "pip", "install", "-q", f"{wheel}[demo]"], cwd=env_dir, timeout=600),
        "pip install wheel[demo]",
    )
    return env_dir / "bin"


def test_wheel_carries_the_manifest_license_and_urls(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        packaged = archive.read("sense_energy_driver/manifest.json")
        metadata = archive.read(
            next(n for n in names if n.endswith(".dist-info/METADATA"))
        ).decode()
        licenses = [n for n in names if "/licenses/" in n]
    assert packaged == (ROOT / "manifest.json").read_bytes()
    assert [Path(n).name for n in licenses] == ["LICENSE"]
    assert "License-Expression: MIT" in metadata
    assert "Project-URL: Source," in metadata
    assert "Project-URL: Documentation," in metadata


def test_installed_copy_of_the_manifest_is_the_top_level_one(installed: Path) -> None:
    code = "from sense_energy_driver.manifest import manifest_path; print(manifest_path())"
    where = Path(
        _checked(
            _run([installed / "python", "-c", code], cwd=Path("/"), timeout=60), "manifest_path"
        ).strip()
    )
    assert ROOT not in where.parents, f"read from the checkout: {where}"
    assert where.read_bytes() == (ROOT / "manifest.json").read_bytes()


def test_version_and_command_help_from_outside_the_checkout(installed: Path) -> None:
    cli = installed / "sense-energy-driver"
    version = _checked(_run([cli, "--version"], cwd=Path("/"), timeout=60), "--version")
    assert version.strip() == f"sense-energy-driver {__version__}"
    helptext = _checked(_run([cli, "command", "--help"], cwd=Path("/"), timeout=60), "help")
    assert "get_realtime" in helptext
    assert "submit_mfa" in helptext


def test_demo_runs_from_the_installed_wheel(installed: Path, tmp_path: Path) -> None:
    cli = installed / "sense-energy-driver"
    proc = _run(
        [cli, "demo", "--seconds", "5", "--no-live", "--dir", tmp_path],
        cwd=Path("/"),
        timeout=120,
    )
    out = _checked(proc, "demo --seconds 5")
    assert "Traceback" not in proc.stderr
    assert " W" in out, out
