"""Frame throughput: the driver's bytes-to-host-writes path against sense-energy's, interleaved."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Collection, Sequence
from typing import Any

import msgpack
import msgspec

from benchmarks.frames import json_frame, msgpack_frame, varying_msgpack_frames, zone_ids
from sense_energy_driver.driver import SenseEnergyDriver
from sense_energy_driver.frames import FrameDecoder
from sense_energy_driver.models import RealtimePayload

Timer = Callable[[Sequence[Any], int], float]  # (frames, n) -> seconds per frame


class NoopHost:
    """A host that accepts writes and does nothing, with 10 bound zones."""

    def __init__(self, zones: list[str]) -> None:
        self.zones = zones
        self.writes = 0

    def get_attribute(self, name: str) -> object | None:
        return None

    async def set_device_attribute(self, name: str, value: object) -> None:
        self.writes += 1

    async def set_zone_attribute(self, address: str, name: str, value: object) -> None:
        self.writes += 1

    def zone_addresses(self) -> Collection[str]:
        return self.zones

    def log(self, level: int, message: str) -> None:
        pass


def _sense_energy_timer() -> Timer:
    """sense-energy's own path: its Unpacker feed and triple assembly, then `_set_realtime`."""
    from sense_energy.asyncsenseable import ASyncSenseable

    client: Any = ASyncSenseable(client_session=object())  # type: ignore[no-untyped-call]
    unpacker = msgpack.Unpacker(raw=False)
    pending: list[Any] = []

    def run(message: bytes) -> None:
        unpacker.feed(message)
        pending.extend(unpacker)
        while len(pending) >= 3:
            result = {"type": pending[0], "epoch": pending[1], "payload": pending[2]}
            del pending[:3]
            if result["type"] == "realtime_update":
                client._set_realtime(result["payload"])

    def timer(frames: Sequence[bytes], n: int) -> float:
        start = time.perf_counter()
        for i in range(n):
            run(frames[i % len(frames)])
        return (time.perf_counter() - start) / n

    return timer


def driver_timer(zones: list[str]) -> tuple[Timer, NoopHost]:
    """Our path, shaped like RealtimeFeed's receive loop: decode step, then the message handler
    (diff step + write step), inside one coroutine that runs without an event loop (the host
    never suspends)."""
    host = NoopHost(zones)
    driver = SenseEnergyDriver(host)
    decoder = FrameDecoder()

    async def loop(frames: Sequence[bytes | str], n: int) -> float:
        start = time.perf_counter()
        for i in range(n):
            for message in decoder.decode(frames[i % len(frames)]):
                await driver.on_message(message)
        return (time.perf_counter() - start) / n

    def timer(frames: Sequence[bytes | str], n: int) -> float:
        coro = loop(frames, n)
        try:
            coro.send(None)
        except StopIteration as done:
            return float(done.value)
        raise RuntimeError("handler suspended")  # pragma: no cover

    return timer, host


def _bare_timer(frames: Sequence[bytes]) -> tuple[Timer, list[bytes]]:
    """msgspec's typed decode of each frame's payload bytes alone (the header cut off first)."""
    decoder = msgspec.msgpack.Decoder(RealtimePayload)  # the driver's own realtime model
    bodies = []
    for frame in frames:
        unpacker = msgpack.Unpacker(raw=False)
        unpacker.feed(frame)
        unpacker.skip()
        unpacker.skip()
        bodies.append(frame[unpacker.tell() :])

    def timer(_: Sequence[Any], n: int) -> float:
        start = time.perf_counter()
        for i in range(n):
            decoder.decode(bodies[i % len(bodies)])
        return (time.perf_counter() - start) / n

    return timer, bodies


def measure(rounds: int = 15, n: int = 2000) -> list[dict[str, object]]:
    """Median µs per frame for each side, interleaved round by round, and their ratios.

    Two frame sets per size: one frame repeated (the issue's benchmark: after the first frame
    nothing changes, so it is the cost of a frame that writes nothing) and 64 consecutive
    frames whose watts drift (every frame writes power and most zones).
    """
    rows: list[dict[str, object]] = []
    for n_devices in (20, 60):
        for kind, packed in (
            ("identical", [msgpack_frame(n_devices)]),
            ("drifting", varying_msgpack_frames(n_devices)),
        ):
            text = [json_frame(n_devices)] if kind == "identical" else None
            ours_mp, host = driver_timer(zone_ids(n_devices))
            ours_js, _ = driver_timer(zone_ids(n_devices))
            theirs = _sense_energy_timer()
            bare, _ = _bare_timer(packed)
            sides = ("ours_mp", "ours_js", "theirs", "bare")
            samples: dict[str, list[float]] = {k: [] for k in sides}
            for _ in range(rounds):
                samples["theirs"].append(theirs(packed, n))
                samples["ours_mp"].append(ours_mp(packed, n))
                samples["bare"].append(bare(packed, n))
                if text is not None:
                    samples["ours_js"].append(ours_js(text, n))
            med = {k: statistics.median(v) * 1e6 for k, v in samples.items() if v}
            rows.append(
                {
                    "devices": n_devices,
                    "frames": kind,
                    "frame_bytes": len(packed[0]),
                    "sense_energy_us": round(med["theirs"], 2),
                    "driver_msgpack_us": round(med["ours_mp"], 2),
                    "driver_json_us": round(med["ours_js"], 2) if "ours_js" in med else None,
                    "bare_decode_us": round(med["bare"], 2),
                    "writes_per_frame": round(host.writes / (rounds * n), 2),
                    "speedup_vs_sense_energy": round(med["theirs"] / med["ours_mp"], 2),
                    "ratio_to_bare_decode": round(med["ours_mp"] / med["bare"], 2),
                }
            )
    return rows


if __name__ == "__main__":
    for row in measure():
        print(row)
