"""Fixtures: a real mosquitto per test (skipped, saying why, when it is not installed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.mqtt.broker import MOSQUITTO, Mosquitto
from tests.sim_fixtures import sim

__all__ = ["broker", "sim"]


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[Mosquitto]:
    if MOSQUITTO is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto; scripts/test does)")
    directory = tmp_path / "mosquitto"
    directory.mkdir()
    server = Mosquitto(directory)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
