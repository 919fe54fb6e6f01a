"""The simulator as a child process the benchmarks drive over stdin/stdout, one JSON line each.

    python -m benchmarks.simserver --monitors N --interval S [--speed X] [--stamp] [--spread]

The first stdout line is the banner (URLs, credentials, monitor ids); then each stdin line is a
command (`drop [CODE [MONITOR]]`, `expire [drop]`, `stats`, `truth MONITOR`, `devices`,
`stamps`, `quit`) answered by one JSON line. With `--stamp`, every realtime_update is stamped
with `time.time()` just before the simulator sends it to a client, so a benchmark can measure
end-to-end latency.
With `--spread`, monitor i's frames go out i/N of an interval after the tick, instead of every
monitor's at the same instant.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from sense_energy_driver.simulator import SenseSimulator
from sense_energy_driver.simulator.feed import FeedConnection, FeedHub
from sense_energy_driver.simulator.meter import Sample
from sense_energy_driver.simulator.state import Monitor
from sense_energy_driver.simulator.wire import Frame, Message

Stamp = tuple[str, float, float]  # monitor id, payload epoch, wall time of the send


def install_stamps(out: list[Stamp]) -> None:
    """Wrap the per-connection encoder: it runs right before the frame is written to the socket."""
    original: Callable[[FeedConnection, Message], list[Frame]] = FeedConnection._frames

    def frames(self: FeedConnection, message: Message) -> list[Frame]:
        encoded = original(self, message)
        if message.type == "realtime_update":
            out.append((self.monitor.id, message.epoch, time.time()))
        return encoded

    FeedConnection._frames = frames  # type: ignore[method-assign]


def install_spread(monitor_ids: list[str], interval: float) -> None:
    """Deliver monitor i's frames i/N of an interval late, as independent monitors' would be.

    The simulator ticks every monitor at the same instant, so N feeds get their frames in one
    burst; real monitors run on their own clocks. The sample itself (and its epoch) is unchanged.
    """
    offsets = {m: i * interval / len(monitor_ids) for i, m in enumerate(monitor_ids)}
    original: Callable[[FeedHub, Monitor, Sample], None] = FeedHub.tick

    def tick(self: FeedHub, monitor: Monitor, sample: Sample) -> None:
        delay = offsets.get(monitor.id, 0.0)
        if delay <= 0:
            original(self, monitor, sample)
        else:
            asyncio.get_running_loop().call_later(delay, original, self, monitor, sample)

    FeedHub.tick = tick  # type: ignore[method-assign]


class Commands:
    """What the parent benchmark may ask of the simulator."""

    def __init__(self, sim: SenseSimulator, stamps: list[Stamp]) -> None:
        self.sim = sim
        self.stamps = stamps

    def run(self, line: str) -> Any:
        verb, *args = line.split()
        sim = self.sim
        if verb == "drop":
            code = int(args[0]) if args else 1001
            monitor = args[1] if len(args) > 1 else None
            return {"dropped": sim.drop_feed_connections(monitor, code=code)}
        if verb == "expire":
            return {"expired": sim.expire_access_tokens(drop_feeds=bool(args))}
        if verb == "stats":
            return {
                "requests": dict(sim.requests),
                "feed": dict(sim.feed_counts),
                "clients": len(sim.hub.connections),
                "frame": sim.ticker.frame,
                "skipped_ticks": sim.ticker.skipped,
                "cpu": time.process_time(),
            }
        if verb == "truth":
            sample = sim.latest_sample(args[0])
            return {
                "epoch": round(sample.ts, 3),
                "frame": sample.frame,
                "w": sample.w,
                "watts": sample.watts(),
            }
        if verb == "devices":
            return {m: list(sim.device_ids(m)) for m in sim.monitor_ids()}
        if verb == "stamps":
            taken, self.stamps[:] = list(self.stamps), []
            return taken
        raise ValueError(f"unknown command {verb!r}")


async def serve(args: argparse.Namespace) -> None:
    stamps: list[Stamp] = []
    if args.stamp:
        install_stamps(stamps)
    sim = SenseSimulator(
        monitors=args.monitors,
        interval=args.interval,
        speed=args.speed,
        seed=args.seed,
        token_lifetime=args.token_lifetime,
    )
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    if args.spread:
        install_spread(sim.monitor_ids(), args.interval)
    async with sim:
        commands = Commands(sim, stamps)
        banner = {
            "api_url": sim.api_url,
            "realtime_url": sim.realtime_url,
            "email": sim.email,
            "password": sim.password,
            "monitors": sim.monitor_ids(),
        }
        print(json.dumps(banner), flush=True)
        while line := (await reader.readline()).decode().strip():
            if line == "quit":
                break
            try:
                answer = commands.run(line)
            except (ValueError, KeyError, IndexError, RuntimeError) as err:
                answer = {"error": str(err)}
            print(json.dumps(answer), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=1)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--token-lifetime", type=float, default=86_400.0)
    parser.add_argument("--stamp", action="store_true", help="stamp each realtime_update send")
    parser.add_argument("--spread", action="store_true", help="spread monitors' frames in time")
    logging.basicConfig(level=logging.WARNING, format="simulator %(levelname)s: %(message)s")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
