"""Canary secrets through the standalone host and CLI: console, device file, log file, SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.conftest import RunCli, WriteDevice, simulator_thread
from tests.sim_fixtures import attributes_for

CANARY_PASSWORD = "canary-cli-PW-83a1f0"
CANARY_TOTP = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"


def test_no_secret_reaches_console_files_or_store(
    cli: RunCli, write_device: WriteDevice, tmp_path: Path
) -> None:
    # Short-lived tokens: the run logs in with MFA, then renews, so several tokens pass through.
    with simulator_thread(
        password=CANARY_PASSWORD, mfa_secret=CANARY_TOTP, token_lifetime=1.0
    ) as sim:
        attrs = attributes_for(sim, password=CANARY_PASSWORD, totp_secret=CANARY_TOTP)
        device = write_device("canary", **attrs)
        run = cli("--log-level", "debug", "run", "--device", device, "--seconds", "4", "--no-live")
        again = cli("--log-level", "debug", "command", "get_monitors", "--device", device)
        tokens = set(sim.tokens._access) | set(sim.tokens._refresh)
        renewals = sim.requests["renew"]
    assert run.code == 0, run.err
    assert again.code == 0, again.err
    assert renewals >= 1, "the run should have renewed its token at least once"
    assert len(tokens) >= 2

    store = tmp_path / "canary.sqlite3"
    with sqlite3.connect(store) as db:
        dumped = "\n".join(db.iterdump())
    assert "'power'" in dumped, "the store should hold the values the run wrote"
    log_file = tmp_path / "canary.log"
    assert "realtime open" in log_file.read_text(encoding="utf-8")
    assert "DEBUG" in run.err, "library logs at DEBUG reach the console"

    surfaces: dict[str, bytes] = {
        "console": (run.out + run.err + again.out + again.err).encode(),
        "sqlite dump": dumped.encode(),
    }
    for path in tmp_path.rglob("*"):  # device file, key file, log file, SQLite and its WAL
        if path.is_file():
            surfaces[path.name] = path.read_bytes()
    assert {"canary.json", "canary.log", "canary.sqlite3"} <= set(surfaces)
    for secret in {CANARY_PASSWORD, CANARY_TOTP, *tokens}:
        for where, content in surfaces.items():
            assert secret.encode() not in content, f"a secret leaked into {where}"
