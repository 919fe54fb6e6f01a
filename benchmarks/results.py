"""What one suite run produced, benchmark by benchmark; a benchmark that failed leaves None."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from benchmarks.bench_latency import Latency
from benchmarks.bench_recovery import Recovery
from benchmarks.bench_rest import RestEconomy
from benchmarks.bench_scale import Scale
from benchmarks.bench_writes import WriteEconomy


@dataclass
class Results:
    """Everything report.py renders."""

    feed: list[dict[str, Any]] | None = None
    throughput: list[dict[str, Any]] | None = None
    stages: list[dict[str, Any]] | None = None
    writes: WriteEconomy | None = None
    latency: list[Latency] | None = None
    scale: Scale | None = None
    recovery: Recovery | None = None
    rest: RestEconomy | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
