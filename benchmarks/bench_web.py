"""Web dashboard cost: CPU the host process spends serving N open pages at the feed's rate.

    .venv/bin/python -m benchmarks.bench_web [--clients 20] [--rate 2] [--seconds 20]

The host process here is the standalone host with 14 zones and the dashboard on loopback; a
writer stands in for the driver and writes what the driver writes for each sample (power,
solar, grid, voltage, last_sample, a zone's watts) `--rate` times a second. The pages are
`--clients` event-stream connections opened by a separate process, so their own CPU is not
counted. The figure is (host CPU with the pages open − host CPU without) ÷ wall time, in % of
one core, each over `--seconds` of steady state. Target (issue 15): ≤ 2 % for 20 pages at 2/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sense_energy_driver.standalone import StandaloneHost
from sense_energy_driver.web.bind import BindAddress
from sense_energy_driver.web.server import Dashboard

TARGET_PERCENT = 2.0
ZONES = 14


@dataclass(frozen=True)
class WebCost:
    """One measurement."""

    clients: int
    rate: float
    seconds: float
    idle_cpu_s: float
    served_cpu_s: float
    frames_per_client: float
    load: float

    @property
    def added_percent(self) -> float:
        return 100.0 * (self.served_cpu_s - self.idle_cpu_s) / self.seconds

    @property
    def per_frame_us(self) -> float:
        """Added CPU per frame sent to one page, in microseconds."""
        frames = self.clients * self.rate * self.seconds
        return 1e6 * (self.served_cpu_s - self.idle_cpu_s) / frames if frames else 0.0


# --- the pages, in their own process ------------------------------------------------------------


async def _page(host: str, port: int, counts: list[int], index: int, ready: asyncio.Event) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    request = f"GET /api/events HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n"
    writer.write(request.encode())
    await writer.drain()
    try:
        while chunk := await reader.read(65536):
            counts[index] += chunk.count(b"event: frame")
            if b"event: state" in chunk:
                ready.set()
    finally:
        writer.close()


async def _pages(url: str, clients: int) -> None:
    """Open `clients` streams; print READY once all have their state, counts when stdin closes."""
    host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    counts = [0] * clients
    readies = [asyncio.Event() for _ in range(clients)]
    tasks = [
        asyncio.create_task(_page(host, int(port), counts, i, readies[i])) for i in range(clients)
    ]
    await asyncio.gather(*(ready.wait() for ready in readies))
    start = list(counts)
    print("READY", flush=True)
    await asyncio.to_thread(sys.stdin.read)  # until the benchmark closes our stdin
    print(json.dumps([c - s for c, s in zip(counts, start, strict=True)]), flush=True)
    for task in tasks:
        task.cancel()


# --- the host process ---------------------------------------------------------------------------


def _device_file(directory: Path) -> Path:
    path = directory / "bench.json"
    zones = [{"address": f"dev{i:02d}", "label": f"Device {i}"} for i in range(ZONES)]
    document = {
        "name": "Benchmark home",
        "attributes": {"username": "bench@example.com", "password": "bench-password"},
        "zones": zones,
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


async def _writer(host: StandaloneHost, rate: float, stop: asyncio.Event) -> None:
    """What the driver writes per sample: a handful of device values and one zone's watts."""
    await host.set_device_attribute("feed_status", "connected")
    n = 0
    loop = asyncio.get_running_loop()
    next_at = loop.time()
    while not stop.is_set():
        n += 1
        power = 1500 + (n * 37) % 900
        await host.set_device_attribute("power", power)
        await host.set_device_attribute("grid_power", power - 400)
        await host.set_device_attribute("solar_power", 400 + n % 7)
        await host.set_device_attribute("voltage", 120.0 + (n % 5) / 10)
        stamp = datetime.fromtimestamp(time.time(), UTC).isoformat()
        await host.set_device_attribute("last_sample", stamp)
        await host.set_zone_attribute(f"dev{n % ZONES:02d}", "power", n % 1000)
        next_at += 1.0 / rate
        try:
            async with asyncio.timeout(max(0.0, next_at - loop.time())):
                await stop.wait()
        except TimeoutError:
            pass


async def _usage(command: object) -> object:
    return {"usage_kwh": 12.5}


async def _cpu_over(seconds: float) -> float:
    before = time.process_time()
    await asyncio.sleep(seconds)  # a benchmark's measuring window, not a test's wait
    return time.process_time() - before


async def measure(clients: int = 20, rate: float = 2.0, seconds: float = 20.0) -> WebCost:
    """Host CPU over `seconds` without pages, then with `clients` pages open."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-web-") as tmp,
        StandaloneHost(_device_file(Path(tmp)), console_level=40) as host,
    ):
        stop = asyncio.Event()
        writer = asyncio.create_task(_writer(host, rate, stop))
        bind = BindAddress("127.0.0.1", 0)
        async with Dashboard(host, _usage, bind, token=None) as dashboard:
            await asyncio.sleep(1.0)  # warm up: the first frames, imports, caches
            idle = await _cpu_over(seconds)
            served, counts = await _served(dashboard.url, clients, seconds)
        stop.set()
        await writer
    return WebCost(
        clients=clients,
        rate=rate,
        seconds=seconds,
        idle_cpu_s=idle,
        served_cpu_s=served,
        frames_per_client=sum(counts) / max(1, len(counts)),
        load=os.getloadavg()[0],
    )


async def _served(url: str, clients: int, seconds: float) -> tuple[float, list[int]]:
    """Host CPU over `seconds` while the pages process holds `clients` streams open."""
    pages = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.bench_web",
        "--pages",
        url,
        "--clients",
        str(clients),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert pages.stdout is not None and pages.stdin is not None
    assert (await pages.stdout.readline()).strip() == b"READY"
    served = await _cpu_over(seconds)
    pages.stdin.close()
    counts = json.loads(await pages.stdout.readline())
    await pages.wait()
    return served, counts


def report(cost: WebCost) -> str:
    verdict = "meets" if cost.added_percent <= TARGET_PERCENT else "MISSES"
    return (
        f"web dashboard: {cost.clients} pages at {cost.rate:g} frames/s for {cost.seconds:g} s\n"
        f"  host CPU without pages {100 * cost.idle_cpu_s / cost.seconds:.2f} % of a core, "
        f"with pages {100 * cost.served_cpu_s / cost.seconds:.2f} %\n"
        f"  added {cost.added_percent:.2f} % of a core ({verdict} the ≤ {TARGET_PERCENT:g} % "
        f"target); {cost.per_frame_us:.0f} µs per frame per page\n"
        f"  frames received per page {cost.frames_per_client:.0f} "
        f"(expected ≈ {cost.rate * cost.seconds:.0f}); load average {cost.load:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rate", type=float, default=2.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--pages", metavar="URL", help=argparse.SUPPRESS)  # the client process
    args = parser.parse_args()
    if args.pages:
        asyncio.run(_pages(args.pages, args.clients))
        return
    print(report(asyncio.run(measure(args.clients, args.rate, args.seconds))))


if __name__ == "__main__":
    main()
