"""`python -m benchmarks`: every benchmark in one run (under 5 minutes), then docs/performance.md.

    .venv/bin/python -m benchmarks [--out FILE] [--only NAME ...]

A partial run (`--only`) prints its report and writes a file only when `--out` is given.

Benchmarks report, they do not fail: a missed target is marked in the table, and a benchmark
that crashes is reported with its error while the others still run.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import (
    bench_feed,
    bench_latency,
    bench_recovery,
    bench_rest,
    bench_scale,
    bench_stages,
    bench_throughput,
    bench_writes,
)
from benchmarks.measure import machine
from benchmarks.report import render
from benchmarks.results import Results

# name -> (Results field, how to run it); the CPU-bound ones first, on a quiet machine.
SUITE: dict[str, tuple[str, Callable[[], Any]]] = {
    "feed": ("feed", lambda: asyncio.run(bench_feed.measure())),
    "throughput": ("throughput", bench_throughput.measure),
    "stages": ("stages", bench_stages.measure),
    "writes": ("writes", lambda: asyncio.run(bench_writes.measure())),
    "latency": ("latency", lambda: asyncio.run(bench_latency.measure())),
    "scale": ("scale", bench_scale.measure_isolated),
    "recovery": ("recovery", lambda: asyncio.run(bench_recovery.measure())),
    "rest": ("rest", lambda: asyncio.run(bench_rest.measure())),
}


def run(names: list[str]) -> Results:
    results = Results()
    for name in names:
        attr, fn = SUITE[name]
        print(f"[benchmarks] {name} ...", file=sys.stderr, flush=True)
        began = time.perf_counter()
        try:
            setattr(results, attr, fn())
        except Exception as err:  # report it and go on: one broken benchmark hides no others
            traceback.print_exc()
            results.errors[name] = f"{type(err).__name__}: {err}"
        results.seconds[name] = time.perf_counter() - began
        print(f"[benchmarks] {name}: {results.seconds[name]:.1f} s", file=sys.stderr, flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, help="report file (default docs/performance.md; none with --only)"
    )
    parser.add_argument("--only", nargs="+", choices=list(SUITE), help="run just these")
    args = parser.parse_args()
    machine()  # the commit and date of the code being run, before anything else happens
    # The drivers log reconnects at WARNING by design; the report has the figures that matter.
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    began = time.perf_counter()
    results = run(args.only or list(SUITE))
    text = render(results, time.perf_counter() - began, partial=bool(args.only))
    out = args.out or (None if args.only else Path("docs/performance.md"))
    if out is not None:
        out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
