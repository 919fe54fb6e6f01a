"""`init` against the simulator: the device file it writes works for `command get_realtime`."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sense_energy_driver.cli.init import run_init
from sense_energy_driver.cli.prompts import Prompts
from sense_energy_driver.simulator import SenseSimulator
from sense_energy_driver.standalone import DeviceFile
from tests.cli.conftest import RunCli, simulator_thread

MFA_SECRET = "JBSWY3DPEHPK3PXP"
PASSWORD = "init-canary-password"

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def sim() -> Iterator[SenseSimulator]:
    with simulator_thread(password=PASSWORD) as simulator:
        yield simulator


@pytest.fixture
def mfa_sim() -> Iterator[SenseSimulator]:
    with simulator_thread(password=PASSWORD, mfa_secret=MFA_SECRET) as simulator:
        yield simulator


def _init(sim: SenseSimulator, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    password_file = tmp_path / "password.txt"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    argv = [
        sys.executable, "-m", "sense_energy_driver", "init",
        "--device", str(tmp_path / "home.json"),
        "--username", sim.email,
        "--password-file", str(password_file),
        "--api-url", sim.api_url,
        "--realtime-url", sim.realtime_url,
        *extra,
    ]  # fmt: skip
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=False
    )


def _works(cli: RunCli, sim: SenseSimulator, device: Path) -> None:
    """`command get_realtime` answers from the file alone, renewing rather than logging in."""
    logins = sim.requests.get("authenticate", 0)
    result = cli("command", "get_realtime", "--device", device, "--compact")
    assert result.code == 0, result.err
    assert json.loads(result.out)["power"] is not None
    assert sim.requests.get("authenticate", 0) == logins


def test_init_without_mfa_writes_an_encrypted_working_file(
    sim: SenseSimulator, tmp_path: Path, cli: RunCli
) -> None:
    proc = _init(sim, tmp_path, "--all-devices")
    assert proc.returncode == 0, proc.stderr
    device = tmp_path / "home.json"
    text = device.read_text(encoding="utf-8")
    assert PASSWORD not in text + proc.stdout + proc.stderr
    document = json.loads(text)
    assert document["attributes"]["password"].startswith("gem-crypt:")
    assert document["attributes"]["monitor_id"] == sim.monitor_ids()[0]
    real = {i for i in sim.device_ids() if i not in ("always_on", "unknown")}
    assert {z["address"] for z in document["zones"]} == real
    assert all(z["label"] for z in document["zones"])
    assert f"wrote {device}" in proc.stdout
    _works(cli, sim, device)


def test_init_with_an_authenticator_secret_keeps_it_for_unattended_logins(
    mfa_sim: SenseSimulator, tmp_path: Path, cli: RunCli
) -> None:
    name = next(n for n in mfa_sim.device_ids().values() if n.isalpha())
    proc = _init(mfa_sim, tmp_path, "--totp-secret", MFA_SECRET, "--zones", name.lower())
    assert proc.returncode == 0, proc.stderr
    device = tmp_path / "home.json"
    loaded = DeviceFile.load(device)
    assert loaded.get("totp_secret") == MFA_SECRET
    assert MFA_SECRET not in device.read_text(encoding="utf-8")
    assert [z.label for z in loaded.zones] == [name]
    _works(cli, mfa_sim, device)


def test_init_with_a_one_time_code_needs_no_second_code(
    mfa_sim: SenseSimulator, tmp_path: Path, cli: RunCli
) -> None:
    proc = _init(mfa_sim, tmp_path, "--mfa-code", mfa_sim.totp_code(), "--zones", "")
    assert proc.returncode == 0, proc.stderr
    device = tmp_path / "home.json"
    loaded = DeviceFile.load(device)
    assert loaded.get("totp_secret") is None
    assert loaded.get("refresh_token")
    assert loaded.zones == ()
    _works(cli, mfa_sim, device)


def test_init_without_a_code_for_an_mfa_account_says_which_flag(
    mfa_sim: SenseSimulator, tmp_path: Path
) -> None:
    proc = _init(mfa_sim, tmp_path, "--all-devices")
    assert proc.returncode == 2
    assert "--mfa-code or --totp-secret" in proc.stderr
    assert not (tmp_path / "home.json").exists()


def test_init_refuses_to_ask_without_a_terminal_and_to_overwrite(
    sim: SenseSimulator, tmp_path: Path, cli: RunCli
) -> None:
    device = tmp_path / "home.json"
    result = cli("init", "--device", device, "--username", sim.email, "--all-devices")
    assert result.code == 2
    assert "--password-file or set $SENSE_PASSWORD" in result.err
    device.write_text("{}", encoding="utf-8")
    result = cli("init", "--device", device)
    assert result.code == 2
    assert "exists; pass --force" in result.err
    assert device.read_text(encoding="utf-8") == "{}"


def test_an_unknown_zone_name_is_refused_with_the_closest(
    sim: SenseSimulator, tmp_path: Path
) -> None:
    name = next(n for n in sim.device_ids().values() if n.isalpha() and len(n) > 4)
    proc = _init(sim, tmp_path, "--zones", name[:-1] + "x")
    assert proc.returncode == 2
    assert f"closest: {name}" in proc.stderr


@pytest.mark.parametrize("answer", ["code", "secret"])
def test_init_interactive_hides_the_password_and_takes_a_code_or_secret(
    mfa_sim: SenseSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], answer: str
) -> None:
    asked: list[str] = []
    hidden: list[str] = []
    said: list[str] = []
    answers = iter([mfa_sim.email, "1,2"])
    mfa = mfa_sim.totp_code() if answer == "code" else MFA_SECRET.lower()
    secrets = iter([PASSWORD, mfa])

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    def secret(prompt: str) -> str:
        hidden.append(prompt)
        return next(secrets)

    args = argparse.Namespace(
        device=tmp_path / "home.json", name="Home", username=None, password_file=None,
        totp_secret=None, mfa_code=None, monitor=None, zones=None, all_devices=False,
        api_url=mfa_sim.api_url, realtime_url=mfa_sim.realtime_url, ca_file=None, force=False,
    )  # fmt: skip
    code = run_init(args, Prompts(interactive=True, ask=ask, secret=secret, say=said.append))

    assert code == 0
    assert hidden == ["Sense password (not shown): ", "Code or secret (not shown): "]
    assert asked[0] == "Sense account email: "
    assert any("two-step verification" in line for line in said)
    assert any(") " in line and "(id " in line for line in said)  # the numbered device list
    out = capsys.readouterr()
    assert PASSWORD not in out.out + out.err + "".join(said)
    assert mfa not in out.out + out.err + "".join(said)
    loaded = DeviceFile.load(tmp_path / "home.json")
    assert loaded.name == "Home"
    assert len(loaded.zones) == 2
    assert loaded.get("totp_secret") == (None if answer == "code" else MFA_SECRET.lower())
