"""Fixtures shared with the other loopback suites."""

from tests.sim_fixtures import make_driver, sim

__all__ = ["make_driver", "sim"]
