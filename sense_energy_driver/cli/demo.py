"""`demo`: the driver against the simulated Sense cloud, in-process, with the live view.

Each run starts from a fresh store (`--keep` keeps the last one) and a simulated clock placed
just before an appliance switches, so something happens within seconds; times are shown in the
simulated monitor's time zone, the zone its clock runs in.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..standalone import store_path_for
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
SWITCH_LEAD_S = 2.5  # real seconds from the simulated start to the first appliance switching
_DAY = 86_400


def demo_start(hour: int, now: datetime | None = None) -> datetime | None:
    """Today at `hour` in the monitor's time zone (None for -1: the real time)."""
    if hour == -1:
        return None
    local = (now or datetime.now(UTC)).astimezone(ZoneInfo(DEMO_TIME_ZONE))
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def first_switch(sim: SenseSimulator, after: float) -> float | None:
    """When (UTC seconds) the first appliance of the simulated monitor switches after `after`."""
    monitor = sim.monitor()
    local = after + monitor.offset
    day = int(local // _DAY)
    edges = [
        edge
        for device in monitor.active_devices()
        for d in (day - 1, day, day + 1)
        for span in device.profile.on_spans(d)
        for edge in span
        if edge > local
    ]
    return min(edges) - monitor.offset if edges else None


def switching_start(start: datetime, speed: float) -> datetime:
    """`start`, moved on to SWITCH_LEAD_S real seconds before the first appliance switches."""
    from ..simulator import SenseSimulator

    probe = SenseSimulator(speed=speed, start_time=start)  # not started: only its model is read
    edge = first_switch(probe, start.timestamp())
    if edge is None:
        return start
    return datetime.fromtimestamp(
        max(edge - SWITCH_LEAD_S * speed, start.timestamp()), start.tzinfo
    )


def fresh_store(device_path: Path) -> None:
    """Remove the last run's store (and its WAL files) so the demo opens on nothing old."""
    store = store_path_for(device_path)
    for path in (store, Path(f"{store}-wal"), Path(f"{store}-shm")):
        path.unlink(missing_ok=True)


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
        help=f"local hour of today the simulated clock starts about (default {DEMO_START_HOUR}: "
        "the busy evening; moved on to just before an appliance switches); -1 starts at the "
        "real time",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the stored values of the last demo (default: start with a fresh store)",
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
    options = ViewOptions.from_args(args, tz=ZoneInfo(DEMO_TIME_ZONE))
    start = demo_start(args.start_hour)
    if start is not None:
        start = switching_start(start, args.speed)
    if not args.keep:
        fresh_store(device_path)
    async with SenseSimulator(speed=args.speed, start_time=start) as sim:
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
