"""End-to-end latency: the simulator's send of a frame to the host's `power` write.

The simulator runs in its own process with `--stamp`: it records `time.time()` right before it
writes each realtime_update to a client's socket. The host records `time.time()` when the
driver writes `power`, and the epoch of the sample being written (from `realtime_now`);
(monitor, epoch) joins the two. A wrapper on the handler the feed transport hands each frame to
also stamps when the frame left the websockets protocol ("recv"), which splits the total into
network + wake-up (send → recv) and the driver's own work (recv → write). Frames whose rounded
power did not change write no `power` and are not counted. The same burst is also read by bare
websockets clients (no driver) as a baseline for what delivery alone costs.
"""

from __future__ import annotations

import asyncio
import bisect
import contextvars
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import httpx
import msgpack
import websockets

from benchmarks.fleet import Member, build_fleet, connect_all, disconnect_all, frames_received
from benchmarks.measure import cpu_seconds, median, percentile
from benchmarks.simproc import SimProcess
from sense_energy_driver.transport import feed
from sense_energy_driver.transport.feedconn import OnFrame

_RECEIVED: contextvars.ContextVar[float] = contextvars.ContextVar("received", default=0.0)


@contextmanager
def recv_stamps() -> Iterator[None]:
    """Stamp each frame as the feed transport hands it to the driver (in its read callback)."""
    original = feed.FeedConnection.run

    async def run(self: feed.FeedConnection, on_frame: OnFrame, timeout: float) -> NoReturn:
        def stamped(frame: bytes | str) -> Coroutine[Any, Any, None] | None:
            _RECEIVED.set(time.time())
            return on_frame(frame)

        await original(self, stamped, timeout)

    feed.FeedConnection.run = run  # type: ignore[method-assign]
    try:
        yield
    finally:
        feed.FeedConnection.run = original  # type: ignore[method-assign]


@dataclass(frozen=True)
class Latency:
    """One configuration's figures, in milliseconds."""

    instances: int
    interval: float
    spread: bool
    client: str  # "driver", or "websockets" for the bare baseline
    samples: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    driver_p50_ms: float
    driver_p99_ms: float
    cpu_us_per_frame: float  # this process's CPU per received frame, all of it


Arrival = tuple[float, float, float]  # epoch, time of the power write, time of the recv
Sends = dict[tuple[str, float], list[float]]


def _sends(stamps: list[list[Any]]) -> Sends:
    """(monitor, epoch) -> the send times of its frames, in order.

    The feed's epochs are whole seconds, as the real cloud's are, so at 2 or 10 frames a second
    several frames share one epoch."""
    out: Sends = {}
    for monitor, epoch, at in stamps:
        out.setdefault((monitor, round(epoch, 3)), []).append(at)
    for times in out.values():
        times.sort()
    return out


def _sent_at(sends: Sends, monitor: str, epoch: float, seen_at: float) -> float | None:
    """When the frame seen at `seen_at` was sent: the last send of its epoch before then."""
    times = sends.get((monitor, round(epoch, 3)))
    if not times:
        return None
    i = bisect.bisect_right(times, seen_at)
    return times[i - 1] if i else None


async def run(
    instances: int, interval: float, seconds: float, *, spread: bool, zones_each: int = 5
) -> Latency:
    """`instances` drivers (one monitor each) against a stamping simulator for `seconds`."""
    arrivals: dict[str, list[Arrival]] = {}
    members: dict[str, Member] = {}

    def on_write(monitor: str) -> Callable[[str, str, object], None]:
        seen = arrivals.setdefault(monitor, [])

        def record(target: str, name: str, value: object) -> None:
            if name == "power" and target == "device":
                now = time.time()
                realtime = members[monitor].driver.realtime_now()
                if realtime is not None:
                    epoch = float(realtime["epoch"])  # type: ignore[arg-type]
                    seen.append((epoch, now, _RECEIVED.get()))

        return record

    async with SimProcess(
        monitors=instances, interval=interval, stamp=True, spread=spread, seed=3
    ) as sim:
        fleet = await build_fleet(sim, zones_each=zones_each, on_write=on_write)
        members.update((m.monitor, m) for m in fleet)
        try:
            with recv_stamps():
                await connect_all(fleet)
                await asyncio.sleep(2.0)  # warm-up: first-sample writes and startup REST calls
                await sim.ask("stamps")  # discard the warm-up's stamps
                for seen in arrivals.values():
                    seen.clear()
                frames0, cpu0 = frames_received(fleet), cpu_seconds()
                await asyncio.sleep(seconds)
                cpu, frames = cpu_seconds() - cpu0, frames_received(fleet) - frames0
                stamps = await sim.ask("stamps")
        finally:
            await disconnect_all(fleet)
    sends = _sends(stamps)
    total, own = [], []
    for monitor, seen in arrivals.items():
        for epoch, wrote, received in seen:
            at = _sent_at(sends, monitor, epoch, wrote)
            if at is not None:
                total.append((wrote - at) * 1000)
                own.append((wrote - received) * 1000)
    return Latency(
        instances=instances,
        interval=interval,
        spread=spread,
        client="driver",
        samples=len(total),
        p50_ms=median(total),
        p99_ms=percentile(total, 0.99),
        max_ms=max(total),
        driver_p50_ms=median(own),
        driver_p99_ms=percentile(own, 0.99),
        cpu_us_per_frame=cpu / frames * 1e6,
    )


def _triple(frame: bytes) -> list[Any]:
    """(type, epoch, payload) of a one-message msgpack frame."""
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(frame)
    return list(unpacker)


async def _bare_client(url: str, until: float, out: list[tuple[bytes, float]]) -> None:
    headers = {"Accept": "application/x-msgpack"}
    loop = asyncio.get_running_loop()
    async with websockets.connect(url, additional_headers=headers, max_size=None) as ws:
        while loop.time() < until:
            try:
                async with asyncio.timeout(until - loop.time()):
                    frame = await ws.recv()
            except TimeoutError:
                return
            out.append((frame, time.time()))  # type: ignore[arg-type]


async def run_bare(instances: int, interval: float, seconds: float, *, spread: bool) -> Latency:
    """The same measurement with bare websockets clients that only stamp; decoded afterwards."""
    async with SimProcess(
        monitors=instances, interval=interval, stamp=True, spread=spread, seed=3
    ) as sim:
        banner = sim.banner
        async with httpx.AsyncClient() as http:
            form = {"email": banner["email"], "password": banner["password"]}
            token = (await http.post(banner["api_url"] + "/authenticate", data=form)).json()[
                "access_token"
            ]
        received: dict[str, list[tuple[bytes, float]]] = {m: [] for m in sim.monitors}
        until = asyncio.get_running_loop().time() + 2.0 + seconds
        url = banner["realtime_url"] + "/monitors/{}/realtimefeed?access_token=" + token
        clients = [
            asyncio.create_task(_bare_client(url.format(m), until, received[m]))
            for m in sim.monitors
        ]
        await asyncio.sleep(2.0)
        await sim.ask("stamps")
        started, cpu0 = time.time(), cpu_seconds()
        await asyncio.gather(*clients)
        cpu = cpu_seconds() - cpu0
        stamps = await sim.ask("stamps")
    sends = _sends(stamps)
    total = []
    counted = sum(1 for frames in received.values() for _, at in frames if at >= started)
    for monitor, frames in received.items():
        for frame, at in frames:
            if at < started:
                continue
            kind, epoch, _ = _triple(frame)
            sent = _sent_at(sends, monitor, epoch, at) if kind == "realtime_update" else None
            if sent is not None:
                total.append((at - sent) * 1000)
    return Latency(
        instances=instances,
        interval=interval,
        spread=spread,
        client="websockets",
        samples=len(total),
        p50_ms=median(total),
        p99_ms=percentile(total, 0.99),
        max_ms=max(total),
        driver_p50_ms=0.0,
        driver_p99_ms=0.0,
        cpu_us_per_frame=cpu / counted * 1e6,
    )


async def measure() -> list[Latency]:
    """One instance at 10 frames/s; 100 at 2 frames/s, spread in time and in one burst."""
    return [
        await run(1, 0.1, 12.0, spread=False),
        await run(100, 0.5, 15.0, spread=True),
        await run(100, 0.5, 10.0, spread=False),
        await run_bare(100, 0.5, 10.0, spread=False),
    ]


if __name__ == "__main__":
    for row in asyncio.run(measure()):
        print(row)
