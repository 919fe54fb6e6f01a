"""What every subcommand shares: the device option, logging, stop signals, a checked connect."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import signal
import sys
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from ..errors import SenseAuthError, SenseConnectionError
from ..standalone import Change, StandaloneHost
from ..standalone.store import DEVICE
from ..standalone_errors import StandaloneConfigError
from .hints import plain_url_warnings

if TYPE_CHECKING:
    from ..driver import SenseEnergyDriver

__all__ = [
    "LOG_LEVELS",
    "CurrentStderrHandler",
    "UsageError",
    "add_device_argument",
    "connect_checked",
    "open_host",
    "positive_seconds",
    "stop_on_signals",
    "until_stopped",
]

T = TypeVar("T")

LOG_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


class UsageError(StandaloneConfigError):
    """Bad usage found after parsing (a value argparse cannot check); exit status 2."""


class CurrentStderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever sys.stderr is at emit time, so rich's live view can redirect it."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def add_device_argument(
    parser: argparse.ArgumentParser, *, required: bool = True, instead: str = ""
) -> None:
    """The --device FILE option (and --store), the same on every subcommand that needs one.

    `required=False` where another option can stand in for it; `instead` names that option in
    the help (the subcommand checks that exactly one was given).
    """
    parser.add_argument(
        "--device",
        type=Path,
        required=required,
        metavar="FILE",
        help="device file (JSON: name, attributes, zones); see docs/host-integration.md"
        + (f" (or {instead})" if instead else ""),
    )
    parser.add_argument(
        "--store",
        type=Path,
        metavar="PATH",
        help="SQLite file of runtime values (default: <device file stem>.sqlite3 beside it)",
    )


def console_level(args: argparse.Namespace, default: str) -> int:
    """The device log's console level: --log-level, else the subcommand's default."""
    return LOG_LEVELS[getattr(args, "log_level", None) or default]


def open_host(
    args: argparse.Namespace,
    device: Path,
    *,
    level: int,
    exclusive: bool = False,
    record: bool = True,
) -> StandaloneHost:
    """A StandaloneHost whose device log shares the CLI's stderr handler.

    `exclusive` (for `run`) takes the device file's lock: a second `run` is refused at once.
    `record=False` (for `command`) stores no runtime value (see StandaloneHost).
    """
    handler = CurrentStderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    host = StandaloneHost(
        device,
        store_path=getattr(args, "store", None),
        retention=getattr(args, "retention", None),
        console_handler=handler,
        console_level=level,
        exclusive=exclusive,
        record=record,
    )
    urls = {name: host.get_attribute(name) for name in ("api_url", "realtime_url")}
    for warning in plain_url_warnings(urls):
        host.log(logging.WARNING, warning)
    return host


def positive_seconds(text: str) -> float:
    """An argparse type: a finite number of seconds above zero (not nan, not inf)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number more than 0, got {text!r}")
    return value


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGINT/SIGTERM set `stop` once; a second Ctrl-C interrupts the usual way."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []

    def first(sig: signal.Signals) -> None:
        stop.set()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(sig)

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, first, sig)
            installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


async def until_stopped(work: Awaitable[T], stop: asyncio.Event) -> tuple[bool, T | None]:
    """Run `work` unless `stop` is set first: (True, result) or (False, None) when stopped."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if task.cancelled():
        return False, None
    return True, task.result()


async def connect_checked(
    driver: SenseEnergyDriver,
    host: StandaloneHost,
    stop: asyncio.Event,
    *,
    fail_on_auth: bool = True,
    fail_unreachable: bool = False,
) -> bool:
    """Connect; False if stopped first. Rejected credentials raise SenseAuthError.

    The driver does not raise for rejected credentials or an unreachable cloud (a host keeps
    running, and the driver retries); a CLI wants to know, so this watches what it writes.
    With `fail_unreachable`, a cloud that cannot be reached raises SenseConnectionError.
    """
    seen: dict[str, object] = {}

    def watch(change: Change) -> None:
        if change.scope == DEVICE and change.name in ("feed_status", "last_error"):
            seen[change.name] = change.value

    unsubscribe = host.subscribe(watch)
    try:
        finished, _ = await until_stopped(driver.connect(), stop)
    finally:
        unsubscribe()
    if not finished:
        return False
    error = str(seen.get("last_error") or "")
    if seen.get("feed_status") == "auth_failed":
        if fail_on_auth:
            raise SenseAuthError(error or "Sense rejected the credentials")
    elif fail_unreachable and error:
        raise SenseConnectionError(f"cannot reach Sense: {error}")
    return True
