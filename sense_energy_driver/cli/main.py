"""The console script's entry point: parse, dispatch, and turn errors into exit statuses.

0 success; 1 a runtime failure (a SenseError from the driver, printed as one `error:` line, with
a `hint:` line when the cause is a setting); 2 bad usage or configuration (argparse, a bad device
file, a bad command argument, SenseConfigError). No traceback on the console for any error (with
--log-level debug an unexpected one is logged with its traceback), and no secret in any message.
Global options (--log-level) work before or after the subcommand.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from .. import __version__
from ..errors import SenseCommandError, SenseConfigError, SenseError
from .command import add_command_parser
from .common import LOG_LEVELS, CurrentStderrHandler
from .demo import add_demo_parser
from .dump import add_dump_parser
from .hints import hint_for
from .history import add_history_parser
from .init import add_init_parser
from .run import add_run_parser
from .simulate import add_simulate_parser

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

_LOGGER = logging.getLogger(__name__)


class _OneLineErrors(argparse.ArgumentParser):
    """Bad usage is one line, as every other error is, pointing at --help for the rest."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(*, with_simulator: bool = True) -> argparse.ArgumentParser:
    """The whole CLI; `with_simulator=False` skips importing the simulator (a placeholder)."""
    parser = _OneLineErrors(
        prog="sense-energy-driver",
        description="Run the Sense energy driver outside a host platform, or try it on a "
        "simulated Sense cloud.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_global_options(parser, default=None)
    subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
    add_demo_parser(subparsers)
    add_init_parser(subparsers)
    add_run_parser(subparsers)
    add_command_parser(subparsers)
    add_history_parser(subparsers)
    add_dump_parser(subparsers)
    add_simulate_parser(subparsers, load=with_simulator)
    for subparser in subparsers.choices.values():
        # After the subcommand too; SUPPRESS keeps a value given before it.
        _add_global_options(subparser, default=argparse.SUPPRESS)
    return parser


def _add_global_options(parser: argparse.ArgumentParser, *, default: object) -> None:
    parser.add_argument(
        "--log-level",
        choices=tuple(LOG_LEVELS),
        default=default,
        help="device log level on the console (default: info for demo/run, warning otherwise)",
    )


class _NotMirrored(logging.Filter):
    """Drop the driver's copy of each device-log line: the host's device log already shows it.

    The driver logs every device-log line to its own module logger as `("%s", text)` too, for
    hosts without a console; here that would print every line twice.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "sense_cli_shown", False):  # already said in the CLI's own words
            return False
        return not (record.name == "sense_energy_driver.hostport" and record.msg == "%s")


def _configure_logging(level_name: str | None) -> None:
    """Library warnings to stderr (debug with --log-level debug); replaces an earlier setup."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "sense_energy_cli", False):
            root.removeHandler(handler)
    handler = CurrentStderrHandler()
    handler.sense_energy_cli = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_NotMirrored())
    level = logging.DEBUG if level_name == "debug" else logging.WARNING
    handler.setLevel(level)
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.WARNING, level))


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(with_simulator="simulate" in args_list)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exit_:  # argparse: --help (0) or bad usage (2)
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    _configure_logging(args.log_level)
    try:
        result = args.func(args)
        if inspect.isawaitable(result):
            result = asyncio.run(_awaited(result))
        return int(result)
    except (SenseConfigError, SenseCommandError) as err:  # UsageError, DeviceFileError, ...
        _error(str(err))
        return EXIT_USAGE
    except SenseError as err:  # StandaloneError (store, lock, manifest) included
        _error(str(err))
        hint = hint_for(err)
        if hint:
            print(f"hint: {hint}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:  # `... | head`: the reader left; say nothing more
        _silence_stdout()
        return EXIT_FAILURE
    except OSError as err:
        _error(str(err))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except Exception as err:  # a bug: one line on the console, the traceback with debug
        _LOGGER.debug("unexpected error", exc_info=True)
        _error(
            f"unexpected {type(err).__name__}: {err} (a bug; --log-level debug shows where, "
            "please report it)"
        )
        return EXIT_FAILURE


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


async def _awaited(result: object) -> object:
    assert inspect.isawaitable(result)
    return await result
