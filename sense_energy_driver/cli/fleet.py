"""`run --devices DIR --shard I/N`: many monitors in one process, one MQTT connection for all.

Each device file in DIR is one monitor with its own driver and host (store and log beside the
file). A file belongs to shard `sha256(file stem) mod N`: the stem is known before any login
(the monitor id is not, when the file leaves `monitor_id` unset), it is unique within DIR, and
sha256 gives every process on every machine the same answer, where Python's `hash()` is salted
per process. N processes started with shards 0/N .. N-1/N run every file exactly once. As with
`run`, each file is locked while it runs and its edits apply without a restart.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import logging
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import SenseError
from .common import UsageError, connect_checked, console_level, open_host, stop_on_signals
from .follow import following_device_file

if TYPE_CHECKING:
    from ..driver import SenseEnergyDriver
    from ..standalone import StandaloneHost

__all__ = [
    "Shard",
    "add_fleet_arguments",
    "fleet_files",
    "run_fleet",
    "shard_of",
    "wants_fleet",
]

_LOGGER = logging.getLogger(__name__)

# Options of `run` a fleet has no use for: saying so beats ignoring them.
_SINGLE_MONITOR_OPTIONS = (
    ("--web", "web"),
    ("--proxy", "proxy"),
    ("--kasa-bind", "kasa_bind"),
    ("--json", "json"),
    ("--summary-json", "summary_json"),
)
CONNECT_CONCURRENCY = 16  # logins at once: spreads a fleet's start over the cloud's rate limits
STATUS_EVERY_S = 10.0


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard `index` of `count` (0-based)."""

    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        index, sep, count = text.partition("/")
        try:
            shard = cls(int(index), int(count))
        except ValueError:
            shard = cls(-1, 0)
        if not sep or not 0 <= shard.index < shard.count:
            raise argparse.ArgumentTypeError(
                f"expected I/N with 0 <= I < N (e.g. 0/2 and 1/2 for two processes), got {text!r}"
            )
        return shard

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(key: str, count: int) -> int:
    """The shard a device file stem belongs to: the first 8 bytes of its sha256, mod `count`."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


def fleet_files(directory: Path, shard: Shard) -> list[Path]:
    """The device files (*.json) of DIR that belong to `shard`, sorted by name."""
    if not directory.is_dir():
        raise UsageError(f"--devices {directory}: not a directory")
    files = sorted(p for p in directory.glob("*.json") if p.is_file())
    if not files:
        raise UsageError(f"--devices {directory}: no device files (*.json) in it")
    return [p for p in files if shard_of(p.stem, shard.count) == shard.index]


def add_fleet_arguments(parser: argparse.ArgumentParser) -> None:
    """--devices DIR and --shard I/N, beside an optional --device (`wants_fleet` checks them)."""
    group = parser.add_argument_group("fleet (many monitors in one process; docs/mqtt.md)")
    group.add_argument(
        "--devices",
        type=Path,
        metavar="DIR",
        help="run every device file (*.json) in DIR that belongs to --shard, instead of --device",
    )
    group.add_argument(
        "--shard",
        type=Shard.parse,
        default=Shard(),
        metavar="I/N",
        help="run the files whose name hashes to shard I of N (default 0/1: all of them)",
    )


def wants_fleet(args: argparse.Namespace) -> bool:
    """True for --devices; UsageError unless exactly one of --device and --devices is given."""
    if (args.device is None) == (args.devices is None):
        raise UsageError("give either --device FILE (one monitor) or --devices DIR (a fleet)")
    if args.devices is None:
        return False
    if args.store is not None:
        raise UsageError("--store names one store; with --devices each file keeps its own")
    ignored = [option for option, dest in _SINGLE_MONITOR_OPTIONS if getattr(args, dest, None)]
    if ignored:
        raise UsageError(
            f"{', '.join(ignored)}: for one monitor (--device FILE); a fleet (--devices) "
            "publishes to MQTT and prints a status line"
        )
    return True


@contextlib.contextmanager
def _hosts(args: argparse.Namespace, files: Sequence[Path]) -> Iterator[list[StandaloneHost]]:
    """A host for each file, holding its lock as `run` does; a file that cannot be run is
    logged and left out (locked by another process, unreadable), the others go on."""
    hosts: list[StandaloneHost] = []
    level = console_level(args, "warning")
    try:
        for path in files:
            try:
                hosts.append(open_host(args, path, level=level, exclusive=True))
            except SenseError as err:
                _LOGGER.error("%s: not run: %s", path.name, err)
        yield hosts
    finally:
        for host in hosts:
            host.close()


async def run_fleet(args: argparse.Namespace) -> int:
    """Run this shard's monitors until --seconds pass or Ctrl-C; one status line every 10 s."""
    from ..driver import SenseEnergyDriver
    from ..mqtt.options import MqttOptions, default_client_id

    shard: Shard = args.shard
    files = fleet_files(args.devices, shard)
    options = MqttOptions.from_args(args)
    if options is None:
        _LOGGER.warning("no --mqtt: the fleet's values go only to each file's store")
    print(f"shard {shard}: {len(files)} device file(s) in {args.devices}", flush=True)
    with _hosts(args, files) as hosts:
        if files and not hosts:
            print(f"error: shard {shard}: none of its device files could be run", file=sys.stderr)
            return 1
        drivers = [SenseEnergyDriver(host) for host in hosts]
        async with contextlib.AsyncExitStack() as stack:
            if options is not None:
                from ..mqtt.service import mqtt_service

                client_id = options.client_id or default_client_id(args.devices.resolve(), shard)
                await stack.enter_async_context(
                    mqtt_service(
                        options, list(zip(hosts, drivers, strict=True)), client_id=client_id
                    )
                )
            for host, driver in zip(hosts, drivers, strict=True):  # edits apply as in `run`
                await stack.enter_async_context(
                    following_device_file(
                        host, driver, interval=args.watch_interval, check_zones=False
                    )
                )
            await _drive_fleet(hosts, drivers, args.seconds)
    return 0


async def _drive_fleet(
    hosts: Sequence[StandaloneHost], drivers: Sequence[SenseEnergyDriver], seconds: float | None
) -> None:
    stop = asyncio.Event()
    limit = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def start(host: StandaloneHost, driver: SenseEnergyDriver) -> None:
        async with limit:
            try:
                await connect_checked(driver, host, stop, fail_on_auth=False)
            except SenseError as err:  # one bad device file must not stop the others
                _LOGGER.error("%s: %s", host.device_path.name, err)

    loop = asyncio.get_running_loop()
    deadline = None if seconds is None else loop.time() + seconds
    with stop_on_signals(stop):
        starting = [loop.create_task(start(h, d)) for h, d in zip(hosts, drivers, strict=True)]
        try:
            while not stop.is_set():
                wait = (
                    STATUS_EVERY_S
                    if deadline is None
                    else min(STATUS_EVERY_S, deadline - loop.time())
                )
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(wait, 0.0)):
                        await stop.wait()
                print(_status_line(hosts), flush=True)
                if deadline is not None and loop.time() >= deadline:
                    break
        finally:
            for task in starting:
                task.cancel()
            await asyncio.gather(*starting, return_exceptions=True)
            await asyncio.gather(*(d.disconnect() for d in drivers), return_exceptions=True)
            for host in hosts:
                host.flush()


def _status_line(hosts: Sequence[StandaloneHost]) -> str:
    counts: dict[str, int] = {}
    for host in hosts:
        status = str(host.current_device_values().get("feed_status") or "starting")
        counts[status] = counts.get(status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    return f"{len(hosts)} monitor(s): {summary}"
