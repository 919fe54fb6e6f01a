"""The headline: CPU per realistic frame over loopback WebSockets, driver vs sense-energy.

Four clients, each alone in its own process (`benchmarks/feedclient.py`), hold a connection
each to `benchmarks/replayserver.py` (another process), which sends all four the same frames
at the same moments, burst after burst:
- *bare*: a websockets client that only receives (the floor: socket, framing, event loop);
- *transport*: the driver's own feed transport with a handler that only counts (the driver's
  receive alone, which costs less than websockets' asyncio client: no task wake-up per frame);
- *driver*: a real `SenseEnergyDriver` (logged in against the simulator, another process),
  whose realtime feed reads the replay: decode, diff, and its writes to a host that records them;
- *sense-energy*: PyPI sense-energy's own `async_realtime_stream` with a callback.
Each client reports its own process CPU (`time.process_time()`) around every burst: since they
take the same frames side by side, whatever else loads the machine loads them all. What a
client costs above the bare receive is its own work on a frame (the judged figure); what the
driver costs above its own transport is its decode, diff and writes alone. The clients are
started afresh for each of several sessions per stream (where processes land moves a session's
figures together), and a stream's ratio is the median of its sessions' ratios.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import statistics
from contextlib import AsyncExitStack
from typing import Any

from benchmarks.child import JsonChild
from benchmarks.hosts import driver_attributes
from benchmarks.realistic import zone_ids
from benchmarks.replayserver import SETS
from benchmarks.simproc import SimProcess

CLIENTS = ("bare", "transport", "driver", "sense_energy")
STREAMS = ("full20", "full60", "lean20", "lean60")


async def _clients(
    stack: AsyncExitStack, url: str, stream: str, sim: SimProcess
) -> dict[str, JsonChild]:
    n_devices, lean = SETS[stream]
    attributes = driver_attributes(sim.banner, sim.monitors[0])
    attributes["status_interval"] = 3_600_000  # no device-list poll inside a burst
    settings = json.dumps({"attributes": attributes, "zones": zone_ids(n_devices, lean=lean)})
    out = {}
    for kind in CLIENTS:
        extra = (settings,) if kind == "driver" else ()
        child = JsonChild("-m", "benchmarks.feedclient", kind, f"{url}/{stream}/{kind}", *extra)
        out[kind] = await stack.enter_async_context(child)
    return out


async def _burst(
    replay: JsonChild, clients: dict[str, JsonChild], stream: str, count: int, rate: float
) -> dict[str, tuple[float, int, int]]:
    """Every client's (CPU seconds, frames, writes) over one burst of `count` frames."""
    before = {k: await c.ask("count") for k, c in clients.items()}
    answer = await replay.ask(f"burst {stream} {count} {rate}")
    timeout = 30 + count / rate
    after = {
        k: await c.ask(f"wait {before[k]['frames'] + count} {timeout}") for k, c in clients.items()
    }
    return {
        k: (
            after[k]["cpu"] - before[k]["cpu"],
            after[k]["frames"] - before[k]["frames"],
            after[k]["writes"] - before[k]["writes"],
        )
        for k in clients
    } | {"_": (0.0, answer["bytes"], 0)}


async def _session(
    replay: JsonChild, sim: SimProcess, stream: str, rounds: int, burst: int, rate: float
) -> tuple[dict[str, list[float]], int, int]:
    """One session: fresh client processes, a warm-up, then `rounds` bursts; each
    client's CPU seconds per frame, burst by burst, the driver's writes and the frame size."""
    async with AsyncExitStack() as stack:
        clients = await _clients(stack, replay.banner["url"], stream, sim)
        await replay.ask(f"clients {stream} {len(CLIENTS)} 60")  # the driver's feed opens last
        await _burst(replay, clients, stream, 50, rate)  # warm-up: every path taken once
        per_frame: dict[str, list[float]] = {k: [] for k in CLIENTS}
        writes = size = 0
        for _ in range(rounds):
            result = await _burst(replay, clients, stream, burst, rate)
            for kind in CLIENTS:
                cpu, frames, _ = result[kind]
                per_frame[kind].append(cpu / frames)
            writes += result["driver"][2]
            size = result["_"][1]
    await replay.ask(f"idle {stream} 30")  # the next session starts with none of these left
    return per_frame, writes, size


def _ratio(theirs: float, ours: float) -> float | None:
    """sense-energy's cost ÷ the driver's; None when the driver's is at or below the floor
    (it then costs less than the floor itself: no finite ratio, and more than any target)."""
    return round(theirs / ours, 2) if ours > 0 else None


def _median_ratio(ratios: list[float | None]) -> float | None:
    """The median session's ratio, a session without a finite one counting as the highest."""
    median = statistics.median(math.inf if r is None else r for r in ratios)
    return None if math.isinf(median) else round(median, 2)


def _median_of(sessions: list[dict[str, float | None]], key: str) -> float:
    return round(statistics.median(float(s[key] or 0.0) for s in sessions), 2)


async def _measure_stream(
    replay: JsonChild,
    sim: SimProcess,
    stream: str,
    sessions: int,
    rounds: int,
    burst: int,
    rate: float,
) -> dict[str, Any]:
    """Several sessions of fresh processes: where the processes land and what runs beside them
    moves a whole session's figures together, so each session gives one ratio and the stream's
    ratio is their median (bursts within a session vary much less than sessions do)."""
    n_devices, lean = SETS[stream]
    load_before = os.getloadavg()[0]
    per_frame: dict[str, list[float]] = {k: [] for k in CLIENTS}
    above: dict[str, list[float]] = {"driver": [], "sense_energy": []}
    per_session: list[dict[str, float | None]] = []
    writes = size = 0
    for _ in range(sessions):
        session, session_writes, size = await _session(replay, sim, stream, rounds, burst, rate)
        writes += session_writes
        medians = {}
        for kind in ("driver", "sense_energy"):
            diffs = [c - b for c, b in zip(session[kind], session["bare"], strict=True)]
            above[kind] += diffs
            medians[kind] = statistics.median(diffs) * 1e6
        own = [d - t for d, t in zip(session["driver"], session["transport"], strict=True)]
        medians["own"] = statistics.median(own) * 1e6
        for kind in CLIENTS:
            per_frame[kind] += session[kind]
        per_session.append(
            {
                "driver_above_us": round(medians["driver"], 2),
                "driver_own_us": round(medians["own"], 2),
                "sense_energy_above_us": round(medians["sense_energy"], 2),
                "ratio": _ratio(medians["sense_energy"], medians["driver"]),
                "own_ratio": _ratio(medians["sense_energy"], medians["own"]),
            }
        )
    med = {k: statistics.median(v) * 1e6 for k, v in per_frame.items()}
    return {
        "stream": stream,
        "devices": n_devices,
        "lean": lean,
        "frame_bytes": size,
        "bare_us": round(med["bare"], 2),
        "transport_us": round(med["transport"], 2),
        "driver_us": round(med["driver"], 2),
        "sense_energy_us": round(med["sense_energy"], 2),
        "driver_above_us": _median_of(per_session, "driver_above_us"),
        "driver_own_us": _median_of(per_session, "driver_own_us"),
        "sense_energy_above_us": _median_of(per_session, "sense_energy_above_us"),
        "ratio": _median_ratio([r["ratio"] for r in per_session]),
        "own_ratio": _median_ratio([r["own_ratio"] for r in per_session]),
        "sessions": per_session,
        "writes_per_frame": round(writes / (sessions * rounds * burst), 2),
        "zones": len(zone_ids(n_devices, lean=lean)),
        "rate": rate,
        "burst": burst,
        "rounds_run": rounds,
        "sessions_run": sessions,
        "load": (round(load_before, 2), round(os.getloadavg()[0], 2)),
        "rounds": {k: [round(v * 1e6, 1) for v in values] for k, values in above.items()},
    }


async def measure(
    sessions: int = 5,
    rounds: int = 4,
    burst: int = 800,
    rate: float = 1000.0,
    streams: tuple[str, ...] = STREAMS,
) -> list[dict[str, Any]]:
    """Median CPU µs per frame for each client and stream, each client's cost above bare, and
    the ratio per session; the lean streams (reported, not judged) run two sessions."""
    async with (
        SimProcess(monitors=1, interval=0.5) as sim,
        JsonChild("-m", "benchmarks.replayserver") as replay,
    ):
        return [
            await _measure_stream(
                replay, sim, s, min(sessions, 2) if SETS[s][1] else sessions, rounds, burst, rate
            )
            for s in streams
        ]


if __name__ == "__main__":
    for result in asyncio.run(measure()):
        print(result)
