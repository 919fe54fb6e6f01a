"""The `simulate` subcommand: serve the simulated Sense cloud until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from .console import run_console
from .layout import DEFAULT_EMAIL, DEFAULT_PASSWORD
from .server import SenseSimulator
from .state import PROFILES

__all__ = ["add_simulate_parser", "build_parser", "main", "run_simulate"]

_LOGGER = logging.getLogger(__name__)


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, default=8765, help="port to bind (1-65535); 0 picks a free one"
    )
    parser.add_argument("--email", default=DEFAULT_EMAIL)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--mfa-secret", metavar="BASE32", help="require TOTP with this secret")
    parser.add_argument("--monitors", type=int, default=1, metavar="N", help="monitors (default 1)")
    parser.add_argument("--no-solar", action="store_true", help="no monitor has solar")
    parser.add_argument("--speed", type=float, default=1.0, metavar="X", help="simulated/real")
    parser.add_argument("--interval", type=float, default=0.5, help="realtime frame interval, s")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default="real",
        help="answer as the recorded Sense cloud (real, default) or the OpenAPI document (spec)",
    )
    parser.add_argument("--tls", action="store_true", help="serve HTTPS/WSS, self-made CA")
    parser.add_argument("--tls-dir", type=Path, help="where --tls writes ca.pem (default: temp)")
    parser.add_argument(
        "--console",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="read scenario commands from stdin (default: when stdin is a terminal)",
    )


def _port(text: str) -> int:
    """A TCP port number, 0 (any free port) to 65535; anything else is a usage error."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0-65535 (0 picks a free port), got {port}")
    return port


def add_simulate_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `simulate` on the main CLI's subparsers."""
    parser = subparsers.add_parser(
        "simulate",
        help="serve a simulated Sense cloud on loopback",
        description="Serve the simulated Sense cloud (REST + realtime feed) until interrupted.",
    )
    _add_arguments(parser)
    parser.set_defaults(func=run_simulate)


def _simulator(args: argparse.Namespace) -> SenseSimulator:
    return SenseSimulator(
        host=args.host,
        port=args.port,
        email=args.email,
        password=args.password,
        mfa_secret=args.mfa_secret,
        monitors=args.monitors,
        solar=not args.no_solar,
        speed=args.speed,
        interval=args.interval,
        seed=args.seed,
        tls=args.tls,
        tls_dir=args.tls_dir,
        profile=args.profile,
    )


async def run_simulate(args: argparse.Namespace) -> int:
    """Start the simulator, print how to reach it, and serve until SIGINT/SIGTERM."""
    try:
        sim = _simulator(args)
    except ValueError as err:
        print(f"simulate: {err}", file=sys.stderr)
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    console_task: asyncio.Task[None] | None = None
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        async with sim:
            print(f"Sense simulator running (started in {sim.started_in or 0:.3f} s)")
            print(f"  api_url:      {sim.api_url}")
            print(f"  realtime_url: {sim.realtime_url}")
            print(f"  email:        {sim.email}")
            print(f"  password:     {sim.password}")
            if sim.mfa_secret:
                print(f"  mfa secret:   {sim.mfa_secret} (TOTP, 6 digits, 30 s)")
            print(f"  monitors:     {', '.join(sim.monitor_ids())}")
            if sim.ca_file:
                print(f"  ca_file:      {sim.ca_file}")
            console = getattr(args, "console", None)
            if console is None:
                console = sys.stdin is not None and sys.stdin.isatty()
            if console:
                print("Type scenario commands (help lists them).")
                console_task = asyncio.create_task(run_console(sim))
            print("Press Ctrl-C to stop.", flush=True)
            await stop.wait()
            if console_task is not None:
                console_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await console_task
    except OSError as err:
        print(f"simulate: {err}", file=sys.stderr)
        return 1
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """A stand-alone parser for `python -m sense_energy_driver.simulator`."""
    parser = argparse.ArgumentParser(prog="python -m sense_energy_driver.simulator")
    _add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m sense_energy_driver.simulator`."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(run_simulate(build_parser().parse_args(argv)))
