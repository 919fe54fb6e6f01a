"""`run` as a subprocess: device-file edits reach the running driver and survive its own writes;
the file's lock keeps a second `run` out while `command` keeps working."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sense_energy_driver.simulator import SenseSimulator
from sense_energy_driver.standalone import DeviceFile, lock_path_for
from sense_energy_driver.standalone.atomic import atomic_write_text
from tests.cli.conftest import call_in_loop, simulator_thread_and_loop
from tests.sim_fixtures import attributes_for

pytestmark = pytest.mark.timeout(120)

WAIT_S = 30.0


def wait_until(condition: Callable[[], object], what: str, timeout: float = WAIT_S) -> None:
    """Poll a condition another process makes true, up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def cli_argv(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "sense_energy_driver", *(str(a) for a in args)]


@pytest.fixture
def sim_and_loop() -> Iterator[tuple[SenseSimulator, object]]:
    with simulator_thread_and_loop() as pair:
        yield pair


def zone_state(store: Path, address: str) -> object:
    if not store.exists():
        return None
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5) as db:
        row = db.execute(
            "SELECT value FROM current WHERE scope = 'zone' AND address = ? AND name = 'state'",
            (address,),
        ).fetchone()
    return json.loads(row[0]) if row else None


def _refresh_token(device: Path) -> object:
    return DeviceFile.load(device).get("refresh_token")


def _logged_in(device: Path) -> bool:
    """The login's last write (user_id, after refresh_token) is in the file."""
    loaded = DeviceFile.load(device)
    return all(loaded.get(n) for n in ("installation_id", "refresh_token", "user_id"))


@pytest.fixture
def running(
    tmp_path: Path, sim_and_loop: tuple[SenseSimulator, object]
) -> Iterator[dict[str, object]]:
    sim, _ = sim_and_loop
    ids = sorted(sim.device_ids())
    device = tmp_path / "home.json"
    document = {
        "name": "Home",
        "attributes": attributes_for(sim),
        "zones": [{"address": ids[0], "label": "First"}],
    }
    device.write_text(json.dumps(document), encoding="utf-8")
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        cli_argv("run", "--device", device, "--no-live", "--watch-interval", "0.1"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_until(lambda: _logged_in(device) or proc.poll() is not None, "login")
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        yield {"proc": proc, "device": device, "ids": ids, "store": tmp_path / "home.sqlite3"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_an_edit_during_run_reaches_the_driver_and_survives_a_token_renewal(
    running: dict[str, object], sim_and_loop: tuple[SenseSimulator, object]
) -> None:
    sim, loop = sim_and_loop
    device, store, ids = running["device"], running["store"], running["ids"]
    assert isinstance(device, Path) and isinstance(store, Path) and isinstance(ids, list)
    added = ids[1]
    assert zone_state(store, added) is None
    token_before = _refresh_token(device)

    # The user edits the file as an editor would: read, change, save over it.
    document = json.loads(device.read_text(encoding="utf-8"))
    document["zones"].append({"address": added, "label": "Added while running"})
    document["zones"][0]["label"] = "Renamed"
    atomic_write_text(device, json.dumps(document, indent=4))

    # The running driver writes the zone it did not know at start.
    wait_until(lambda: zone_state(store, added) in ("on", "off"), "the added zone's state")

    # Expired access tokens and dropped feeds: the driver renews and stores the new token.
    renewals = sim.requests.get("renew", 0)
    call_in_loop(loop, lambda: sim.expire_access_tokens(drop_feeds=True))
    wait_until(lambda: _refresh_token(device) != token_before, "the renewed token in the file")
    assert sim.requests.get("renew", 0) > renewals

    saved = json.loads(device.read_text(encoding="utf-8"))
    assert saved["zones"] == [
        {"address": ids[0], "label": "Renamed"},
        {"address": added, "label": "Added while running"},
    ]
    assert saved["attributes"]["refresh_token"].startswith("gem-crypt:")
    log = device.with_suffix(".log").read_text(encoding="utf-8")
    assert f"zones added {added}" in log
    assert f"zones relabelled {ids[0]}" in log


def test_a_second_run_is_refused_naming_the_process(running: dict[str, object]) -> None:
    proc, device = running["proc"], running["device"]
    assert isinstance(proc, subprocess.Popen) and isinstance(device, Path)
    second = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        cli_argv("run", "--device", device, "--no-live", "--seconds", "1"),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert second.returncode == 1
    assert f"already being run by process {proc.pid}" in second.stderr
    assert "Traceback" not in second.stderr
    assert lock_path_for(device).read_text().strip() == str(proc.pid)


def test_command_and_history_work_alongside_a_running_run(running: dict[str, object]) -> None:
    device, ids = running["device"], running["ids"]
    assert isinstance(device, Path) and isinstance(ids, list)
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        cli_argv("command", "get_devices", "--device", device, "--compact"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert {d["id"] for d in json.loads(result.stdout)} >= set(ids[:2])
    history = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        cli_argv("history", "--device", device, "--current", "--json"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert history.returncode == 0, history.stderr
    current = {row["name"]: row["value"] for row in json.loads(history.stdout)}
    # The command's own connection (opened, then closed: "stopped") is not the running one's:
    # the store still says what `run` does.
    assert current["feed_status"] == "connected"


def test_a_password_typed_in_during_run_is_encrypted_and_applied(
    running: dict[str, object],
) -> None:
    device = running["device"]
    assert isinstance(device, Path)
    log = device.with_suffix(".log")
    document = json.loads(device.read_text(encoding="utf-8"))
    document["attributes"]["password"] = "not-the-password-canary"
    atomic_write_text(device, json.dumps(document))

    wait_until(lambda: "password changed; logging in again" in log.read_text(), "the re-login")
    wait_until(lambda: "Incorrect email or password" in log.read_text(), "the refusal")
    saved = device.read_text(encoding="utf-8")
    assert "not-the-password-canary" not in saved
    assert json.loads(saved)["attributes"]["password"].startswith("gem-crypt:")
    assert "not-the-password-canary" not in log.read_text()
