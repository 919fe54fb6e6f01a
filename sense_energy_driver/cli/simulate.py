"""`simulate`: the simulator's own subcommand, imported only when asked for.

The simulator needs the `sim` extra (starlette, uvicorn); every other subcommand must work
without it, and should not pay for importing it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from .common import UsageError

__all__ = ["add_simulate_parser"]

_HELP = "serve a simulated Sense cloud on loopback"


def add_simulate_parser(subparsers: argparse._SubParsersAction, *, load: bool) -> None:  # type: ignore[type-arg]
    """Register `simulate`: the real parser when `load`, else a light placeholder for --help."""
    if load:
        try:
            from ..simulator.cli import add_simulate_parser as add_real
        except ImportError as err:
            reason = str(err)
        else:
            add_real(subparsers)
            return
    else:
        reason = ""
    parser = subparsers.add_parser("simulate", help=_HELP, add_help=False)
    parser.add_argument("rest", nargs=argparse.REMAINDER)
    parser.set_defaults(func=_missing(reason))


def _missing(reason: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        raise UsageError(
            "simulate needs the simulator's dependencies: "
            f"pip install 'sense-energy-driver[sim]' ({reason or 'not loaded'})"
        )

    return run
