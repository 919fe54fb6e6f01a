"""`run`: the driver against the Sense cloud (or whatever api_url says), with the live view."""

from __future__ import annotations

import argparse

from .common import add_device_argument, console_level, open_host, positive_seconds
from .fleet import add_fleet_arguments, run_fleet, wants_fleet
from .follow import following_device_file
from .progress import ConnectProgress
from .runner import ViewOptions, add_view_arguments, drive
from .services import add_service_arguments, running_services

__all__ = ["add_run_parser", "run_run"]


def add_run_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `run`."""
    parser = subparsers.add_parser(
        "run",
        help="run the driver for one device file, with a live view",
        description=(
            "Run the driver under the standalone host for the device in FILE: values go to the "
            "SQLite store beside it, the device log to the console and <stem>.log. Ctrl-C stops "
            "it cleanly."
        ),
    )
    add_device_argument(parser, required=False, instead="--devices DIR")
    add_fleet_arguments(parser)
    add_view_arguments(parser)
    add_service_arguments(parser)
    parser.add_argument(
        "--watch-interval",
        type=positive_seconds,
        default=1.0,
        metavar="S",
        help="how often to check the device file for edits, which apply without a restart "
        "(default 1 s)",
    )
    parser.set_defaults(func=run_run)


async def run_run(args: argparse.Namespace) -> int:
    """Lock and load the device file, connect, show values until --seconds or Ctrl-C."""
    from ..driver import SenseEnergyDriver

    if wants_fleet(args):
        return await run_fleet(args)
    options = ViewOptions.from_args(args)
    level = console_level(args, "info")
    with open_host(args, args.device, level=level, exclusive=True) as host:
        driver = SenseEnergyDriver(host)
        async with (
            running_services(args, host, driver),
            following_device_file(host, driver, interval=args.watch_interval),
        ):
            with ConnectProgress(host, announce=True):
                return await drive(host, driver, options, title=f"Sense: {host.name}")
