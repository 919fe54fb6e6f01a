"""Fixtures: the simulator, a standalone host with one zone per simulated device, the driver, the
dashboard on loopback, and (for the browser tests) Debian's Chromium driven through Playwright."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from sense_energy_driver import SenseEnergyDriver, Timing
from sense_energy_driver.backoff import Backoff
from sense_energy_driver.simulator import SenseSimulator
from sense_energy_driver.standalone import StandaloneHost
from sense_energy_driver.web.bind import BindAddress
from sense_energy_driver.web.server import Dashboard

CHROMIUM = Path("/usr/bin/chromium")
CANARY_PASSWORD = "canary-password-5f0d3b7e"

# A silent feed must not be replaced by a reconnect or REST polling while a test watches the
# page go stale, so the inactivity bound stays long; reconnects themselves are quick.
WEB_TIMING = Timing(
    backoff=Backoff(initial=0.05, maximum=0.4, jitter=0.1),
    inactivity_timeout=60.0,
)


@dataclass
class WebEnv:
    """Everything one dashboard test needs, running on loopback."""

    sim: SenseSimulator
    host: StandaloneHost
    driver: SenseEnergyDriver
    dashboard: Dashboard
    device_path: Path
    devices: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.dashboard.url

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url.rstrip("/"), timeout=10.0)


def write_device_file(path: Path, sim: SenseSimulator, devices: dict[str, str]) -> None:
    """A device file for the simulator: plaintext password (the host encrypts it), all zones."""
    document = {
        "name": "Test home",
        "attributes": {
            "username": sim.email,
            "password": sim.password,
            "api_url": sim.api_url,
            "realtime_url": sim.realtime_url,
        },
        "zones": [{"address": a, "label": n} for a, n in devices.items()],
    }
    path.write_text(json.dumps(document), encoding="utf-8")


@pytest.fixture
async def web_env(tmp_path: Path) -> AsyncIterator[WebEnv]:
    """Simulator → driver → standalone host → dashboard, connected, with samples flowing."""
    async with SenseSimulator(interval=0.1, seed=5, password=CANARY_PASSWORD) as sim:
        devices = {
            device_id: name
            for device_id, name in sim.device_ids().items()
            if device_id not in ("always_on", "unknown")
        }
        device_path = tmp_path / "home.json"
        write_device_file(device_path, sim, devices)
        with StandaloneHost(device_path, console_level=40) as host:
            driver = SenseEnergyDriver(host, timing=WEB_TIMING)
            dashboard = Dashboard(
                host, driver.command, BindAddress("127.0.0.1", 0), token=None, stale_after=1.5
            )
            async with dashboard:
                try:
                    await driver.connect()
                    await host.wait_for(lambda v: "power" in v.device, timeout=10)
                    yield WebEnv(sim, host, driver, dashboard, device_path, devices)
                finally:
                    await driver.disconnect()


# --- the browser ----------------------------------------------------------------------------


def chromium_or_skip() -> Path:
    """Debian's Chromium, or skip saying how to get it."""
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip(
            "Debian's chromium is not installed at /usr/bin/chromium: apt-get install chromium "
            "(scripts/test installs it when run as root)"
        )
    return CHROMIUM


@dataclass
class BrowserPage:
    """One Playwright page plus every console error and uncaught exception it produced."""

    page: Any
    errors: list[str]


OpenPage = Callable[..., Any]


@pytest.fixture
async def open_page() -> AsyncIterator[OpenPage]:
    """Open URLs in headless Chromium (the system browser; Playwright never downloads one)."""
    executable = chromium_or_skip()
    playwright_api = pytest.importorskip(
        "playwright.async_api", reason="the playwright package is not installed (dev extra)"
    )
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(executable))
        try:

            async def open_(url: str, *, width: int = 1280, height: int = 900) -> BrowserPage:
                page = await browser.new_page(viewport={"width": width, "height": height})
                errors: list[str] = []
                page.on(
                    "console",
                    lambda msg: (
                        errors.append(f"console {msg.type}: {msg.text}")
                        if msg.type == "error"
                        else None
                    ),
                )
                page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
                await page.goto(url)
                return BrowserPage(page, errors)

            yield open_
        finally:
            await browser.close()
