"""TLS: verification is on by default; an untrusted certificate is refused, its CA accepted."""

from __future__ import annotations

from sense_energy_driver.simulator import SenseSimulator
from tests.sim_fixtures import MakeDriver


async def test_untrusted_certificate_refused_then_accepted_with_ca(
    make_driver: MakeDriver,
) -> None:
    async with SenseSimulator(interval=0.05, tls=True) as sim:
        assert sim.api_url.startswith("https://")
        assert sim.realtime_url.startswith("wss://")
        refused, host = await make_driver(sim)
        assert host.logged("certificate") >= 1
        assert "ca_file" in host.log_text()
        assert sim.requests["authenticate"] == 0
        await refused.disconnect()

        trusted, host = await make_driver(sim, ca_file=str(sim.ca_file))
        await host.wait_for(lambda: host.device.get("feed_status") == "connected")
        assert "power" in host.device
        assert sim.requests["authenticate"] == 1
        await trusted.disconnect()
