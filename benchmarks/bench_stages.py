"""Where the driver's time per frame goes: each stage of its path timed on its own.

Stages run on the realistic streams of the headline (`benchmarks/realistic.py`), in process and
warm, each frame decoded into its own objects as on the wire, interleaved round by round;
`host writes` is the full path minus the other stages (the message handler's coroutines and
the host's writes).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

from benchmarks.bench_throughput import driver_timer
from benchmarks.realistic import realistic_frames, zone_ids
from sense_energy_driver.frames import FrameDecoder
from sense_energy_driver.models import RealtimePayload
from sense_energy_driver.samples import SampleDiff

STAGES = ("frame decode", "device diff", "zone diff", "full path")


def _cycle(fn: Callable[[int], object], n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - start) / n


def _payloads(frames: Sequence[bytes], count: int) -> list[RealtimePayload]:
    decoder = FrameDecoder()
    out = []
    for i in range(count):
        payload = decoder.decode(frames[i % len(frames)])[0].payload
        assert isinstance(payload, RealtimePayload)
        out.append(payload)
    return out


def _stage_timers(
    frames: Sequence[bytes], zones: list[str], n: int
) -> dict[str, Callable[[], float]]:
    payloads = _payloads(frames, len(frames))
    decoder, diff, aliases = FrameDecoder(), SampleDiff(), dict[str, str]()
    full, _ = driver_timer(zones)
    return {
        "frame decode": lambda: _cycle(lambda i: decoder.decode(frames[i % len(frames)]), n),
        "device diff": lambda: _cycle(
            lambda i: diff.device_writes(payloads[i % len(payloads)], 0.0), n
        ),
        "zone diff": lambda: _cycle(
            lambda i: diff.zone_writes(payloads[i % len(payloads)], zones, aliases), n
        ),
        "full path": lambda: full(frames, n),
    }


def measure(rounds: int = 9, n: int = 3000) -> list[dict[str, object]]:
    """Median µs per stage, per frame size and frame set."""
    rows: list[dict[str, object]] = []
    for n_devices, lean in ((20, False), (60, False), (20, True), (60, True)):
        kind = "lean" if lean else "real-shaped"
        frames = realistic_frames(n_devices, lean=lean)
        timers = _stage_timers(frames, zone_ids(n_devices, lean=lean), n)
        samples: dict[str, list[float]] = {k: [] for k in STAGES}
        for _ in range(rounds):
            for name in STAGES:
                samples[name].append(timers[name]())
        med = {k: statistics.median(v) * 1e6 for k, v in samples.items()}
        med["host writes"] = med["full path"] - sum(
            med[k] for k in ("frame decode", "device diff", "zone diff")
        )
        row: dict[str, object] = {"devices": n_devices, "frames": kind}
        row.update({k: round(v, 2) for k, v in med.items()})
        rows.append(row)
    return rows


if __name__ == "__main__":
    for row in measure():
        print(row)
