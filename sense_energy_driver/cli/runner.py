"""Run the driver under the standalone host until --seconds pass or Ctrl-C, showing its values.

Shared by `demo` and `run`: a rich live view on a terminal, else one plain line a second and a
final summary. `--json` streams one JSON object per line instead (each value the driver writes,
then the summary); `--summary-json` prints only the summary as one JSON document. Stopping always
disconnects the driver and commits the store before the summary is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, TextIO

from ..standalone import Change, StandaloneHost
from ..standalone.store import DEVICE, Retention
from .common import connect_checked, positive_seconds, stop_on_signals, until_stopped
from .view import (
    EnergyCounter,
    Freshness,
    ViewState,
    plain_line,
    summary_json,
    summary_lines,
    zone_rows,
)

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ..driver import SenseEnergyDriver

__all__ = ["ViewOptions", "add_view_arguments", "drive"]

LIVE_REFRESH_S = 0.25


@dataclass(frozen=True, slots=True)
class ViewOptions:
    """How long to run, how to show it, and the time zone times are shown in."""

    seconds: float | None = None
    live: bool = False
    as_json: bool = False
    summary_json: bool = False
    tz: tzinfo | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace, tz: tzinfo | None = None) -> ViewOptions:
        """Live only on a terminal, without --no-live or JSON, and when rich is installed."""
        as_json, summary = bool(args.json), bool(args.summary_json)
        live = not args.no_live and not as_json and not summary and sys.stdout.isatty()
        if live:
            try:
                import rich  # noqa: F401
            except ImportError:
                live = False
        return cls(
            args.seconds, live, as_json, summary, tz or datetime.now(UTC).astimezone().tzinfo
        )


def _retention(text: str) -> Retention:
    try:
        return Retention(raw_days=float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a number of days more than 0, got {text!r}"
        ) from None


def add_view_arguments(parser: argparse.ArgumentParser) -> None:
    """--seconds, --no-live, the JSON outputs and the store's --keep-raw, for demo and run."""
    parser.add_argument(
        "--seconds",
        type=positive_seconds,
        metavar="N",
        help="stop after N seconds (default: Ctrl-C)",
    )
    parser.add_argument(
        "--no-live",
        action="store_true",
        help="print a plain line a second instead of the live view (automatic without a terminal)",
    )
    out = parser.add_mutually_exclusive_group()
    out.add_argument(
        "--json",
        action="store_true",
        help="stream one JSON object per line (NDJSON): each value as the driver writes it, "
        'then the summary (its "type" is "summary")',
    )
    out.add_argument(
        "--summary-json", action="store_true", help="print only a final summary, as one JSON object"
    )
    parser.add_argument(
        "--keep-raw",
        dest="retention",
        type=_retention,
        metavar="DAYS",
        help="keep raw values this many days, then per-minute aggregates for 2 years (default 7)",
    )


async def _stopped_within(stop: asyncio.Event, timeout: float) -> bool:
    try:
        async with asyncio.timeout(max(timeout, 0.0)):
            await stop.wait()
    except TimeoutError:
        return False
    return True


def _epoch(iso: object) -> float | None:
    if not isinstance(iso, str):
        return None
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


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
    freshness: Freshness = field(default_factory=Freshness)
    energy: EnergyCounter = field(default_factory=EnergyCounter)

    def seen(self, change: Change) -> None:
        if change.scope == DEVICE:
            if change.name == "last_sample":
                self.samples += 1
                self.freshness.sample()
                self.energy.sample(_epoch(change.value), self.host.values().device.get("power"))
            elif change.name == "usage_today_kwh":
                self.energy.reset()  # the driver's own figure includes what was counted here
        if self.options.as_json:
            self.emit(
                {
                    "type": "change",
                    "ts": datetime.fromtimestamp(change.ts, UTC).isoformat(timespec="milliseconds"),
                    "scope": change.scope,
                    "address": change.address,
                    "name": change.name,
                    "value": change.value,
                }
            )

    def emit(self, item: dict[str, object]) -> None:
        print(json.dumps(item, default=str), file=self.out, flush=True)

    def state(self) -> ViewState:
        values = self.host.values()
        return ViewState(
            values,
            zone_rows(self.host, values),
            stale=self.freshness.stale_for(),
            counted_kwh=self.energy.kwh,
            tz=self.options.tz,
        )

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
        quiet = self.options.as_json or self.options.summary_json
        while not await _stopped_within(self.stop, self.remaining(tick - self.elapsed() % 1.0)):
            if not quiet:
                print(plain_line(self.state(), self.elapsed()), file=self.out, flush=True)
            if self.over():
                return

    async def live(self) -> None:
        from rich.console import Console
        from rich.live import Live

        from .live import frame_height, render

        console = Console(file=self.out)
        footer = f"Ctrl-C to stop · values stored in {self.host.store_path}"

        def frame() -> RenderableType:
            text = f"{self.elapsed():.0f} s · {footer}"
            return render(self.title, self.state(), text, height=frame_height(console.size.height))

        with Live(frame(), console=console, refresh_per_second=4) as live:
            while not await _stopped_within(self.stop, self.remaining(LIVE_REFRESH_S)):
                live.update(frame())
                if self.over():
                    return

    def summary(self) -> None:
        state, elapsed, store = self.state(), self.elapsed(), str(self.host.store_path)
        if self.options.as_json or self.options.summary_json:
            data = summary_json(state, elapsed=elapsed, samples=self.samples, store=store)
            if self.options.as_json:
                self.emit({"type": "summary", **data})
            else:
                print(json.dumps(data, indent=2, default=str), file=self.out)
        elif self.options.live:  # the last frame is still on screen
            print(
                f"stopped after {self.elapsed():.1f} s ({self.samples} samples); "
                f"values stored in {store}",
                file=self.out,
            )
        else:
            for line in summary_lines(state, elapsed=elapsed, samples=self.samples, store=store):
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
    unsubscribe = host.subscribe(run.seen)
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
