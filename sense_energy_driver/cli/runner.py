"""Run the driver under the standalone host until --seconds pass or Ctrl-C, showing its values.

Shared by `demo` and `run`: a rich live view on a terminal, else one plain line a second and a
final summary (or one JSON object with --json). Stopping always disconnects the driver and
commits the store before the summary is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from ..standalone import Change, StandaloneHost
from ..standalone.store import DEVICE
from .common import connect_checked, stop_on_signals, until_stopped
from .view import plain_line, summary_json, summary_lines, zone_rows

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ..driver import SenseEnergyDriver

__all__ = ["ViewOptions", "add_view_arguments", "drive"]

LIVE_REFRESH_S = 0.25


@dataclass(frozen=True, slots=True)
class ViewOptions:
    """How long to run and how to show it."""

    seconds: float | None = None
    live: bool = False
    as_json: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ViewOptions:
        """Live only on a terminal, without --no-live or --json, and when rich is installed."""
        live = not args.no_live and not args.json and sys.stdout.isatty()
        if live:
            try:
                import rich  # noqa: F401
            except ImportError:
                live = False
        return cls(seconds=args.seconds, live=live, as_json=args.json)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text!r}")
    return value


def add_view_arguments(parser: argparse.ArgumentParser) -> None:
    """--seconds, --no-live and --json, the same for demo and run."""
    parser.add_argument(
        "--seconds", type=_positive, metavar="N", help="stop after N seconds (default: Ctrl-C)"
    )
    parser.add_argument(
        "--no-live",
        action="store_true",
        help="print a plain line a second instead of the live view (automatic without a terminal)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print only a final summary, as one JSON object"
    )


async def _stopped_within(stop: asyncio.Event, timeout: float) -> bool:
    try:
        async with asyncio.timeout(max(timeout, 0.0)):
            await stop.wait()
    except TimeoutError:
        return False
    return True


@dataclass
class _Run:
    """The running state one `drive` call shows."""

    host: StandaloneHost
    title: str
    options: ViewOptions
    stop: asyncio.Event
    out: TextIO
    samples: int = 0
    started: float = 0.0

    def count(self, change: Change) -> None:
        if change.scope == DEVICE and change.name == "last_sample":
            self.samples += 1

    def elapsed(self) -> float:
        return asyncio.get_running_loop().time() - self.started

    def remaining(self, step: float) -> float:
        if self.options.seconds is None:
            return step
        return min(step, self.options.seconds - self.elapsed())

    def over(self) -> bool:
        return self.options.seconds is not None and self.elapsed() >= self.options.seconds - 1e-3

    async def plain(self) -> None:
        tick = 1.0
        while not await _stopped_within(self.stop, self.remaining(tick - self.elapsed() % 1.0)):
            if not self.options.as_json:
                values = self.host.values()
                line = plain_line(values, zone_rows(self.host, values), self.elapsed())
                print(line, file=self.out, flush=True)
            if self.over():
                return

    async def live(self) -> None:
        from rich.console import Console
        from rich.live import Live

        from .live import render

        footer = f"Ctrl-C to stop · values stored in {self.host.store_path}"

        def frame() -> RenderableType:
            values = self.host.values()
            zones = zone_rows(self.host, values)
            return render(self.title, values, zones, f"{footer} · {self.elapsed():.0f} s")

        with Live(frame(), console=Console(file=self.out), refresh_per_second=4) as live:
            while not await _stopped_within(self.stop, self.remaining(LIVE_REFRESH_S)):
                live.update(frame())
                if self.over():
                    return

    def summary(self) -> None:
        values = self.host.values()
        zones = zone_rows(self.host, values)
        store = str(self.host.store_path)
        if self.options.as_json:
            data = summary_json(
                values, zones, elapsed=self.elapsed(), samples=self.samples, store=store
            )
            print(json.dumps(data, indent=2, default=str), file=self.out)
            return
        if self.options.live:  # the last frame is still on screen
            print(
                f"stopped after {self.elapsed():.1f} s ({self.samples} samples); "
                f"values stored in {store}",
                file=self.out,
            )
            return
        for line in summary_lines(
            values, zones, elapsed=self.elapsed(), samples=self.samples, store=store
        ):
            print(line, file=self.out)


async def drive(
    host: StandaloneHost,
    driver: SenseEnergyDriver,
    options: ViewOptions,
    *,
    title: str,
    after_connect: Callable[[], Awaitable[None]] | None = None,
    out: TextIO | None = None,
) -> int:
    """Connect, show values until stopped, disconnect, print the summary; the exit status."""
    run = _Run(host, title, options, asyncio.Event(), out or sys.stdout)
    unsubscribe = host.subscribe(run.count)
    with stop_on_signals(run.stop):
        try:
            if not await connect_checked(driver, host, run.stop):
                return 0
            if after_connect is not None:
                finished, _ = await until_stopped(after_connect(), run.stop)
                if not finished:
                    return 0
            run.started = asyncio.get_running_loop().time()
            await (run.live() if options.live else run.plain())
            run.summary()
        finally:
            unsubscribe()
            await driver.disconnect()
            host.flush()
    return 0
