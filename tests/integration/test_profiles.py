"""The loopback suites' profile parametrization reaches every simulator a test starts."""

from __future__ import annotations

from sense_energy_driver.simulator import SenseSimulator


async def test_the_sim_fixture_uses_the_parametrized_profile(
    sim: SenseSimulator, sim_profile: str
) -> None:
    assert sim.profile == sim_profile
    assert sim.state.profile == sim_profile


async def test_a_simulator_started_in_the_test_uses_it_too(sim_profile: str) -> None:
    async with SenseSimulator(interval=0.05) as own:
        assert own.profile == sim_profile
