"""`demo`: the driver against the simulated Sense cloud, in-process, with the live view."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..standalone.atomic import atomic_write_text
from .common import UsageError, console_level, open_host
from .runner import ViewOptions, add_view_arguments, drive
from .services import add_service_arguments, running_services

if TYPE_CHECKING:
    from ..driver import SenseEnergyDriver
    from ..simulator import SenseSimulator
    from ..standalone import StandaloneHost

__all__ = ["DEMO_DIR", "add_demo_parser", "run_demo"]

_LOGGER = logging.getLogger(__name__)

DEMO_DIR = Path("var/demo")
DEVICE_FILE_NAME = "demo.json"
DEMO_SPEED = 60.0
DEMO_START_HOUR = 18
DEMO_TIME_ZONE = "America/New_York"  # the simulated monitor's time zone


def demo_start(hour: int, now: datetime | None = None) -> datetime | None:
    """Today at `hour` in the monitor's time zone (None for -1: the real time)."""
    if hour == -1:
        return None
    local = (now or datetime.now(UTC)).astimezone(ZoneInfo(DEMO_TIME_ZONE))
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def add_demo_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `demo`."""
    parser = subparsers.add_parser(
        "demo",
        help="run the driver against the built-in simulated Sense cloud",
        description=(
            "Start the simulated Sense cloud in this process, write a device file for it (one "
            "zone per simulated appliance), and run the driver under the standalone host with a "
            "live view. Ctrl-C stops it cleanly."
        ),
    )
    add_view_arguments(parser)
    add_service_arguments(parser)
    parser.add_argument(
        "--speed",
        type=float,
        default=DEMO_SPEED,
        metavar="X",
        help=f"simulated seconds per real second (default {DEMO_SPEED:g}: appliances switch on "
        "and off within seconds; 1 is real time)",
    )
    parser.add_argument(
        "--start-hour",
        type=int,
        default=DEMO_START_HOUR,
        metavar="H",
        help=f"local hour of today the simulated clock starts at (default {DEMO_START_HOUR}: the "
        "busy evening); -1 starts at the real time",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=DEMO_DIR,
        metavar="DIR",
        help=f"where the device file, key, store and log go (default ./{DEMO_DIR})",
    )
    parser.set_defaults(func=run_demo)


def write_demo_device_file(path: Path, sim: SenseSimulator) -> None:
    """A fresh device file pointing at this simulator; the host encrypts the password on load."""
    attributes: dict[str, object] = {
        "username": sim.email,
        "password": sim.password,
        "api_url": sim.api_url,
        "realtime_url": sim.realtime_url,
    }
    if sim.ca_file is not None:
        attributes["ca_file"] = str(sim.ca_file)
    document = {"name": "Sense demo", "attributes": attributes, "zones": []}
    atomic_write_text(path, json.dumps(document, indent=2) + "\n")


async def bind_all_devices(driver: SenseEnergyDriver, host: StandaloneHost) -> None:
    """One zone per device Sense knows, as a user would set them up after get_devices."""
    devices = await driver.command({"action": "get_devices"})
    assert isinstance(devices, list)
    for device in devices:
        if isinstance(device, dict) and device.get("id"):
            host.add_zone(str(device["id"]), str(device.get("name") or ""), persist=True)
    _LOGGER.debug("bound %d zones", len(host.zones))


def run_demo(args: argparse.Namespace) -> Coroutine[Any, Any, int]:
    """Check the options and make the directory now; the coroutine runs the demo."""
    if args.speed <= 0:
        raise UsageError(f"--speed must be more than 0, got {args.speed}")
    if not -1 <= args.start_hour <= 23:
        raise UsageError(f"--start-hour must be 0 to 23 (or -1 for now), got {args.start_hour}")
    directory: Path = args.dir
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"{directory}: cannot create the demo directory: {err.strerror}") from None
    return _demo(args, directory / DEVICE_FILE_NAME)


async def _demo(args: argparse.Namespace, device_path: Path) -> int:
    """Simulator up, device file written, driver run until --seconds or Ctrl-C."""
    try:
        from ..driver import SenseEnergyDriver
        from ..simulator import SenseSimulator
    except ImportError as err:
        raise UsageError(
            f"the demo needs the simulator: pip install 'sense-energy-driver[demo]' ({err})"
        ) from None
    options = ViewOptions.from_args(args)
    async with SenseSimulator(speed=args.speed, start_time=demo_start(args.start_hour)) as sim:
        write_demo_device_file(device_path, sim)
        with open_host(args, device_path, level=console_level(args, "info")) as host:
            driver = SenseEnergyDriver(host)
            async with running_services(args, host, driver):
                return await drive(
                    host,
                    driver,
                    options,
                    title="Sense demo (simulated cloud)",
                    after_connect=lambda: bind_all_devices(driver, host),
                )
