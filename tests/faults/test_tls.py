"""TLS: verification is on by default; an untrusted certificate is refused, its CA accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from sense_energy_driver.api import SenseApi
from sense_energy_driver.errors import SenseConfigError, SenseConnectionError, SenseEndpointError
from sense_energy_driver.restmodels import AuthResponse
from sense_energy_driver.simulator import SenseSimulator
from sense_energy_driver.transport import HttpTransport
from sense_energy_driver.transport.feed import open_feed
from sense_energy_driver.transport.tls import client_ssl_context
from tests.sim_fixtures import MakeDriver


async def test_untrusted_certificate_refused_then_accepted_with_ca(
    make_driver: MakeDriver,
) -> None:
    async with SenseSimulator(interval=0.05, tls=True) as sim:
        assert sim.api_url.startswith("https://")
        assert sim.realtime_url.startswith("wss://")
        refused, host = await make_driver(sim, connect=False)
        with pytest.raises(SenseEndpointError, match="certificate was not trusted") as err:
            await refused.connect()  # at once: retrying cannot make the certificate trusted
        assert err.value.attribute == "ca_file"
        assert "ca_file" in host.log_text()
        assert sim.requests["authenticate"] == 0

        trusted, host = await make_driver(sim, ca_file=str(sim.ca_file))
        await host.wait_for(lambda: host.device.get("feed_status") == "connected")
        assert "power" in host.device
        assert sim.requests["authenticate"] == 1
        await trusted.disconnect()


async def test_wss_feed_verifies_with_system_cas_by_default() -> None:
    """With no ca_file a wss:// feed is still verified (the real cloud is wss://clientrt.sense.com)."""
    async with SenseSimulator(interval=0.05, tls=True) as sim:
        url = sim.feed_url(sim.monitor_ids()[0], "not-a-token")
        with pytest.raises(SenseConnectionError, match=r"certificate not trusted.*ca_file"):
            await open_feed(url, headers={})
        assert sim.feed_counts["opened"] == 0
        token = (await _login(sim)).access_token
        conn = await open_feed(
            sim.feed_url(sim.monitor_ids()[0], token), headers={}, ca_file=str(sim.ca_file)
        )
        assert isinstance(await conn.recv(5.0), str)  # the hello frame, over TLS
        await conn.close()


async def _login(sim: SenseSimulator) -> AuthResponse:
    http = HttpTransport(sim.api_url, verify=str(sim.ca_file))
    try:
        return await SenseApi(http, device_id="tls-test").authenticate(sim.email, sim.password)
    finally:
        await http.aclose()


def test_unreadable_ca_file_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(SenseConfigError, match=r"ca_file .* cannot be loaded"):
        client_ssl_context(str(bad))
    with pytest.raises(SenseConfigError, match="cannot be loaded"):
        client_ssl_context(str(tmp_path / "missing.pem"))
