"""Retention of the value store: raw values age into minute aggregates, old aggregates go.

Each step does a bounded amount of work in its own short transaction, so the store can run it
between the driver's commits without holding the event loop for long.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .rollup import MINUTE, NO_VALUE, Block, minute_blocks
from .sqlvalues import decode, encode

__all__ = ["DAY", "Retention", "prune_minutes", "prune_raw", "read_block", "write_block"]

DAY = 86_400
_MAX_BATCH = 200_000


@dataclass(frozen=True, slots=True)
class Retention:
    """How long raw values and their per-minute aggregates are kept, in days."""

    raw_days: float = 7.0
    aggregate_days: float = 730.0

    def __post_init__(self) -> None:
        if not self.raw_days > 0:
            raise ValueError(f"raw values must be kept more than 0 days, got {self.raw_days}")
        if not self.aggregate_days >= self.raw_days:
            raise ValueError(
                f"aggregates must be kept at least as long as raw values ({self.raw_days} days), "
                f"got {self.aggregate_days}"
            )

    def raw_cutoff(self, now: float) -> float:
        """Raw values before this (a minute boundary) become minute aggregates."""
        return (now - self.raw_days * DAY) // MINUTE * MINUTE

    def aggregate_cutoff(self, now: float) -> int:
        """Minute aggregates before this minute are deleted."""
        return int((now - self.aggregate_days * DAY) // MINUTE)


_BLOCK_COLUMNS = "minute, count, secs, low, high, mean, on_frac, last"
# Statistics are kept in thousandths: a whole number in a REAL column is stored in 1-4 bytes
# instead of 8, a third of a minute row. 0.001 W, V or Hz is finer than Sense reports.
_SCALE = 1000


def _packed(value: float | None) -> float | None:
    return None if value is None else float(round(value * _SCALE))


def _unpacked(value: object) -> float | None:
    return None if value is None else float(value) / _SCALE  # type: ignore[arg-type]


def read_block(row: Sequence[object]) -> Block:
    """A block from a `minute` row's columns in the order of _BLOCK_COLUMNS."""
    minute, count, secs, low, high, mean, on, last = row
    assert isinstance(minute, int) and isinstance(count, int)
    return Block(
        float(minute * MINUTE),
        float(MINUTE),
        count,
        float(secs),  # type: ignore[arg-type]
        _unpacked(low),
        _unpacked(high),
        _unpacked(mean),
        _unpacked(on),
        decode(last),
    )


def write_block(db: sqlite3.Connection, series: int, block: Block) -> None:
    """Store one minute block, combined with one already stored for that minute."""
    minute = int(block.start // MINUTE)
    row = db.execute(
        f"SELECT {_BLOCK_COLUMNS} FROM minute WHERE series = ? AND minute = ?",  # noqa: S608 - fixed columns
        (series, minute),
    ).fetchone()
    if row is not None:  # the clock went back, or a minute was split: merge, never lose it
        block = read_block(row).combine(block)
    db.execute(
        f"INSERT OR REPLACE INTO minute (series, {_BLOCK_COLUMNS}) "  # noqa: S608 - fixed columns
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            series,
            minute,
            block.count,
            round(block.secs, 3),
            _packed(block.low),
            _packed(block.high),
            _packed(block.mean),
            _packed(block.on),
            encode(block.last),
        ),
    )


def _carry(db: sqlite3.Connection, series: int, minute: int) -> object:
    row = db.execute(
        "SELECT last FROM minute WHERE series = ? AND minute < ? ORDER BY minute DESC LIMIT 1",
        (series, minute),
    ).fetchone()
    return NO_VALUE if row is None else decode(row[0])


def _old_prefix(db: sqlite3.Connection, cutoff: float, batch: int) -> list[Any]:
    """The oldest raw rows (id order) before `cutoff`, ending on a whole minute."""
    while True:
        prefix: list[Any] = []
        for row in db.execute(
            "SELECT id, ts, series, value FROM raw ORDER BY id LIMIT ?", (batch,)
        ):
            if row[1] >= cutoff:
                return prefix  # the rest is younger (ids follow time)
            prefix.append(row)
        if len(prefix) < batch:
            return prefix
        last_minute = prefix[-1][1] // MINUTE
        whole = [row for row in prefix if row[1] // MINUTE != last_minute]
        if whole or batch >= _MAX_BATCH:
            return whole or prefix
        batch *= 4  # one minute holds more rows than a batch: read it whole


def prune_raw(db: sqlite3.Connection, retention: Retention, now: float, batch: int) -> int:
    """Turn up to about `batch` raw rows older than the raw period into minute blocks."""
    prefix = _old_prefix(db, retention.raw_cutoff(now), batch)
    if not prefix:
        return 0
    by_series: dict[int, list[tuple[float, object]]] = {}
    for _, ts, series, value in prefix:
        by_series.setdefault(series, []).append((ts, decode(value)))
    for series, points in by_series.items():
        carry = _carry(db, series, int(points[0][0] // MINUTE))
        for block in minute_blocks(points, carry=carry):
            write_block(db, series, block)
    db.execute("DELETE FROM raw WHERE id <= ?", (prefix[-1][0],))
    return len(prefix)


def prune_minutes(db: sqlite3.Connection, retention: Retention, now: float) -> int:
    """Delete minute blocks older than the aggregate period, at most a week per attribute."""
    cutoff = retention.aggregate_cutoff(now)
    deleted = 0
    for (series,) in db.execute("SELECT id FROM series").fetchall():
        first = db.execute(
            "SELECT minute FROM minute WHERE series = ? ORDER BY minute LIMIT 1", (series,)
        ).fetchone()
        if first is not None and first[0] < cutoff:
            end = min(cutoff, first[0] + 7 * DAY // MINUTE)
            cursor = db.execute("DELETE FROM minute WHERE series = ? AND minute < ?", (series, end))
            deleted += cursor.rowcount
    return deleted
