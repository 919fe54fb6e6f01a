"""Fixtures: a real mosquitto per test (skipped, saying why, when it is not installed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sense_energy_driver.simulator.tls import make_tls_files
from tests.mqtt.broker import MOSQUITTO, Mosquitto
from tests.sim_fixtures import sim

__all__ = ["broker", "sim", "tls_broker"]


def _prepare(directory: Path, *, tls: bool) -> Mosquitto:
    directory.mkdir()
    return Mosquitto(directory, tls=make_tls_files(directory) if tls else None)


async def _running(directory: Path, *, tls: bool) -> AsyncIterator[Mosquitto]:
    if MOSQUITTO is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto; scripts/test does)")
    server = _prepare(directory, tls=tls)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[Mosquitto]:
    """A plain listener."""
    async for server in _running(tmp_path / "mosquitto", tls=False):
        yield server


@pytest.fixture
async def tls_broker(tmp_path: Path) -> AsyncIterator[Mosquitto]:
    """A plain listener and a TLS one (certificate for 127.0.0.1 from a throwaway CA)."""
    async for server in _running(tmp_path / "mosquitto-tls", tls=True):
        yield server
