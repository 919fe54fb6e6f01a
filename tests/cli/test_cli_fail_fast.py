"""A one-shot command against a misconfigured cloud address ends at its first failure with the
hint that names the attribute to fix: the real errors (socket, TLS), not strings made up for
`hint_for`. "At once" is counted in login attempts, not seconds."""

from __future__ import annotations

import logging
import socket

import pytest

from sense_energy_driver.cli.progress import server_of
from sense_energy_driver.simulator import SenseSimulator
from tests.cli.conftest import RunCli, WriteDevice, simulator_thread
from tests.sim_fixtures import attributes_for

pytestmark = pytest.mark.timeout(60)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _last_two_lines(err: str) -> tuple[str, str]:
    lines = err.strip().splitlines()
    assert len(lines) >= 2, err
    return lines[-2], lines[-1]


@pytest.fixture
def attempts(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="sense_energy_driver.retry")
    return caplog


def _retries(caplog: pytest.LogCaptureFixture) -> int:
    """REST retries logged by the one retry engine: a configuration-shaped failure has none."""
    return sum(
        1
        for r in caplog.records
        if r.name == "sense_energy_driver.retry" and "failed (attempt" in r.getMessage()
    )


def _ends_with_one_hint(err: str, hint: str) -> None:
    error, last = _last_two_lines(err)
    assert error.startswith("error: "), err
    assert last.startswith(f"hint: {hint}"), err
    assert err.count("hint: ") == 1, err
    assert err.count("cannot reach Sense yet") <= 1, err  # the device log is not printed twice
    assert "Traceback" not in err


def test_a_refused_connection_names_api_url(
    cli: RunCli, write_device: WriteDevice, attempts: pytest.LogCaptureFixture
) -> None:
    device = write_device(api_url=f"http://127.0.0.1:{_closed_port()}/apiservice/api/v1")
    result = cli("command", "get_monitors", "--device", device)
    assert result.code == 1
    _ends_with_one_hint(result.err, "nothing accepts connections at api_url")
    assert _retries(attempts) == 0


def test_https_against_a_plain_server_names_api_url(
    cli: RunCli,
    threaded_sim: SenseSimulator,
    write_device: WriteDevice,
    attempts: pytest.LogCaptureFixture,
) -> None:
    attributes = attributes_for(threaded_sim)
    attributes["api_url"] = str(attributes["api_url"]).replace("http://", "https://", 1)
    result = cli("command", "get_monitors", "--device", write_device(**attributes))
    assert result.code == 1
    _ends_with_one_hint(result.err, "api_url says https:// but the server answers plain HTTP")
    assert _retries(attempts) == 0
    assert threaded_sim.requests.get("authenticate", 0) == 0  # never got as far as a login


def test_an_untrusted_certificate_names_ca_file(
    cli: RunCli, write_device: WriteDevice, attempts: pytest.LogCaptureFixture
) -> None:
    with simulator_thread(tls=True) as sim:
        attributes = attributes_for(sim)
        assert str(attributes["api_url"]).startswith("https://")
        result = cli("command", "get_monitors", "--device", write_device(**attributes))
        assert sim.requests.get("authenticate", 0) == 0
    assert result.code == 1
    _ends_with_one_hint(result.err, "the server's certificate is not trusted: set ca_file")
    assert _retries(attempts) == 0


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://api.sense.com/apiservice/api/v1", "api.sense.com"),
        ("http://127.0.0.1:8765/apiservice/api/v1?x=1", "127.0.0.1:8765"),
        ("https://me:pw-canary@proxy.example:8443/api", "proxy.example:8443"),
        ("http://[::1]:8080/api", "[::1]:8080"),
        ("not a url pw-canary", "api_url"),
    ],
)
def test_the_progress_lines_name_the_server_and_nothing_else(url: str, shown: str) -> None:
    assert server_of(url) == shown
