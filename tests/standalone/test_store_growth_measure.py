"""The growth measurement's own numbers add up (the figures in the docs come from it)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.bench_store_growth import measure_one, report


def test_a_short_stretch_is_written_raw_then_aged_into_minutes(tmp_path: Path) -> None:
    growth = measure_one(zones=3, hours=0.1, directory=tmp_path)  # 6 minutes, 720 samples
    # device values change on nearly every sample, so there are several rows per sample
    assert 720 * 4 < growth.rows < 720 * 12
    assert growth.raw_bytes > 0
    # after retention: one row per attribute and minute, give or take the solar hours' zeros
    assert 6 * 6 <= growth.aggregate_rows <= 6 * 14
    assert 0 < growth.aggregate_bytes < growth.raw_bytes
    table = report([growth])
    assert table.splitlines()[2].startswith("| 3 | ")
