"""Record a minute of realtime frames from the simulator, as the bytes a driver would receive."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import msgpack
import websockets

from sense_energy_driver.simulator import SenseSimulator

# 18:00 in New York (monitor 100001's zone) on a spring Saturday: appliances busy, sun still up.
START = datetime(2026, 3, 14, 22, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Recording:
    """Frames as received (msgpack), the monitor's device ids, and what the feed skipped."""

    frames: list[bytes]
    device_ids: list[str]
    realtime_frames: int
    first_frame: int
    last_frame: int


def _frame_number(frame: bytes) -> int | None:
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(frame)
    kind, _epoch, payload = list(unpacker)
    return int(payload["frame"]) if kind == "realtime_update" else None


async def record_minute(
    seconds: float = 60.0, sim_interval: float = 0.5, speedup: float = 20.0, seed: int = 7
) -> Recording:
    """`seconds` of simulated time at one frame per `sim_interval` simulated seconds, sped up."""
    wanted = round(seconds / sim_interval)
    async with SenseSimulator(
        interval=sim_interval / speedup, speed=speedup, seed=seed, start_time=START
    ) as sim:
        async with httpx.AsyncClient() as http:
            form = {"email": sim.email, "password": sim.password}
            auth = (await http.post(sim.api_url + "/authenticate", data=form)).json()
        monitor = sim.monitor_ids()[0]
        url = sim.feed_url(monitor, auth["access_token"])
        frames: list[bytes] = []
        numbers: list[int] = []
        headers = {"Accept": "application/x-msgpack"}
        async with websockets.connect(url, additional_headers=headers, max_size=None) as ws:
            async with asyncio.timeout(seconds / speedup * 4 + 10):
                while len(numbers) < wanted:
                    frame = await ws.recv()
                    assert isinstance(frame, bytes)
                    frames.append(frame)
                    number = _frame_number(frame)
                    if number is not None:
                        numbers.append(number)
        return Recording(
            frames=frames,
            device_ids=list(sim.device_ids(monitor)),
            realtime_frames=len(numbers),
            first_frame=numbers[0],
            last_frame=numbers[-1],
        )
