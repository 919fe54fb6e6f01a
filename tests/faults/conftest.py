"""Fixtures shared with the other loopback suites."""

from tests.sim_fixtures import make_driver, sim, sim_profile

__all__ = ["make_driver", "sim", "sim_profile"]
