"""A dashboard bound to a non-loopback address refuses requests without its token.

The bind is real: a private network namespace (made with `unshare --net`, root only) gives its
own loopback interface the documentation address 192.0.2.1, and both the demo and Chromium run
inside it, so no traffic leaves the namespace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sense_energy_driver.standalone.crypto import decrypt, read_key_file
from tests.web.conftest import chromium_or_skip

PROBE = Path(__file__).with_name("nonloopback_probe.py")
ROOT = Path(__file__).parents[2]


def _namespace_or_skip() -> list[str]:
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if os.geteuid() != 0 or unshare is None or ip is None:
        pytest.skip("needs root with unshare and ip (util-linux, iproute2) for a network namespace")
    check = subprocess.run(  # noqa: S603 - fixed arguments
        [unshare, "--net", "--", ip, "link", "set", "lo", "up"], capture_output=True, check=False
    )
    if check.returncode != 0:
        pytest.skip(f"cannot make a network namespace here: {check.stderr.decode().strip()}")
    return [
        unshare,
        "--net",
        "--",
        "sh",
        "-c",
        f'{ip} link set lo up && {ip} addr add 192.0.2.1/32 dev lo && exec "$0" "$@"',
    ]


def test_a_non_loopback_bind_refuses_without_the_token_and_shows_it_once(tmp_path: Path) -> None:
    chromium_or_skip()
    pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")
    command = [*_namespace_or_skip(), sys.executable, str(PROBE), str(tmp_path)]
    done = subprocess.run(  # noqa: S603 - our own probe
        command, capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])

    assert result["refused_status"] == 401
    assert "needs its access token" in result["refused_text"]
    assert result["token"] not in result["refused_text"]
    assert result["api_status"] == 401
    assert result["opened_status"] == 200
    assert "token" not in result["opened_url"]  # traded for a cookie, gone from the address bar
    assert result["power"].replace(",", "").isdigit()
    assert result["errors"] == []
    assert result["state_status"] == 200  # the cookie opens the API too
    assert result["page_has_token"] is False and result["state_has_token"] is False
    assert result["codes"] == [0, 0]
    # Shown once, on the first start only; stored encrypted under the demo's own key.
    first, second = "\n".join(result["first_lines"]), "\n".join(result["second_lines"])
    assert "http://192.0.2.1:" in first and "shown this once" in first
    assert result["token"] in first and result["token"] not in second
    assert "needs the access token shown when it was made" in second
    stored = (tmp_path / "demo.web-token").read_text().strip()
    assert result["token"] not in stored
    assert decrypt(read_key_file(tmp_path / ".encryption_key"), stored) == result["token"]
    assert result["token"] not in (tmp_path / "demo.log").read_text()
