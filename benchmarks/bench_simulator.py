"""Simulator load: start time, then N concurrent feed clients at R Hz for D seconds.

The simulator runs in a separate process (`python -m sense_energy_driver.simulator`), so the
clients here do not steal its event loop. Reports whether frames fell behind: the median and
p99 gap between consecutive realtime_update frames per client, and frames the ticker skipped.

    .venv/bin/python benchmarks/bench_simulator.py [--connections 200] [--rate 2] [--duration 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgpack
import websockets


@dataclass
class Client:
    """What one feed client saw."""

    gaps: list[float] = field(default_factory=list)
    frames: list[int] = field(default_factory=list)
    closed_early: bool = False


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process (Linux /proc), or None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


Process = asyncio.subprocess.Process


async def start_simulator(interval: float) -> tuple[Process, dict[str, str], float]:
    """Spawn the simulator and wait for its banner; returns (process, banner, seconds)."""
    began = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sense_energy_driver.simulator",
        "--port",
        "0",
        "--interval",
        str(interval),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    banner: dict[str, str] = {}
    while not (line := (await proc.stdout.readline()).decode()).startswith("Press Ctrl-C"):
        if not line:
            raise RuntimeError("the simulator exited during startup")
        key, _, value = line.strip().partition(": ")
        banner[key.strip()] = value.strip()
    return proc, banner, time.perf_counter() - began


async def run_client(url: str, use_msgpack: bool, until: float, out: Client) -> None:
    headers = {"Accept": "application/x-msgpack"} if use_msgpack else {}
    unpacker = msgpack.Unpacker(raw=False)
    pending: list[Any] = []
    last: float | None = None
    loop = asyncio.get_running_loop()
    try:
        async with websockets.connect(url, additional_headers=headers, max_size=None) as ws:
            while loop.time() < until:
                async with asyncio.timeout(max(0.1, until - loop.time())):
                    frame = await ws.recv()
                now = loop.time()
                if use_msgpack:
                    unpacker.feed(frame)
                    pending.extend(unpacker)
                    messages = []
                    while len(pending) >= 3:
                        messages.append((pending[0], pending[2]))
                        del pending[:3]
                else:
                    decoded = json.loads(frame)
                    messages = [(decoded["type"], decoded["payload"])]
                for kind, payload in messages:
                    if kind != "realtime_update":
                        continue
                    if last is not None:
                        out.gaps.append(now - last)
                    last = now
                    out.frames.append(payload["frame"])
    except TimeoutError:
        pass
    except websockets.ConnectionClosed:
        out.closed_early = True


async def main(args: argparse.Namespace) -> int:
    interval = 1 / args.rate
    proc, banner, spawn_s = await start_simulator(interval)
    try:
        own = re.search(r"started in ([0-9.]+) s", " ".join(banner))
        print(
            f"simulator process up in {spawn_s:.3f} s (interpreter and imports included); "
            f"SenseSimulator.start() itself took {own.group(1) if own else '?'} s"
        )
        api = banner["api_url"]
        async with httpx.AsyncClient() as http:
            form = {"email": banner["email"], "password": banner["password"]}
            auth = (await http.post(api + "/authenticate", data=form)).json()
        monitor, token = auth["monitors"][0]["id"], auth["access_token"]
        url = f"{banner['realtime_url']}/monitors/{monitor}/realtimefeed?access_token={token}"
        clients = [Client() for _ in range(args.connections)]
        loop = asyncio.get_running_loop()
        until = loop.time() + args.duration
        began = time.perf_counter()
        cpu_before = cpu_seconds(proc.pid)
        await asyncio.gather(
            *(run_client(url, args.encoding == "msgpack", until, c) for c in clients)
        )
        elapsed = time.perf_counter() - began
        cpu_after = cpu_seconds(proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        await proc.wait()

    gaps = [g for c in clients for g in c.gaps]
    frames = sum(len(c.frames) for c in clients)
    skipped = sum(
        sum(b - a - 1 for a, b in zip(c.frames, c.frames[1:], strict=False)) for c in clients
    )
    expected = args.connections * args.duration * args.rate
    median, p99 = statistics.median(gaps), percentile(gaps, 0.99)
    behind = p99 > 1.5 * interval or skipped > 0
    print(
        f"{args.connections} {args.encoding} clients at {args.rate:g} Hz for {elapsed:.1f} s: "
        f"{frames} frames ({frames / expected:.1%} of {expected:.0f} expected), "
        f"{sum(c.closed_early for c in clients)} closed early"
    )
    print(
        f"inter-frame gap: median {median * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
        f"max {max(gaps) * 1000:.1f} ms (interval {interval * 1000:.0f} ms); "
        f"frames skipped by the ticker: {skipped}"
    )
    if cpu_before is not None and cpu_after is not None:
        print(f"simulator CPU during the run: {(cpu_after - cpu_before) / elapsed:.1%} of one core")
    print("fell behind: " + ("YES" if behind else "no"))
    return 1 if behind else 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--rate", type=float, default=2.0, help="frames per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--encoding", choices=("msgpack", "json"), default="msgpack")
    return parser.parse_args()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(parse_args())))
