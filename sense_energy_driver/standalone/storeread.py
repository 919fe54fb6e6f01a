"""Reading the value store: current values, raw history, and buckets over raw and aggregates."""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from .retention import read_block
from .rollup import MINUTE, NO_VALUE, Block, buckets, minute_blocks
from .sqlvalues import decode

__all__ = [
    "Series",
    "StoredValue",
    "current_values",
    "has_aggregates",
    "matching_series",
    "oldest_raw",
    "raw_values",
    "rolled_up",
]

Series = tuple[str, str, str]
"""(scope, address, name): one attribute of the device or of a zone."""


@dataclass(frozen=True, slots=True)
class StoredValue:
    """One stored value: when, where (device, or a zone's address), which attribute, what."""

    ts: float
    scope: str
    address: str
    name: str
    value: object


def current_values(db: sqlite3.Connection) -> list[StoredValue]:
    """Every attribute's newest value."""
    rows = db.execute(
        "SELECT updated_at, scope, address, name, value FROM current ORDER BY scope, address, name"
    )
    return [StoredValue(ts, scope, addr, name, decode(v)) for ts, scope, addr, name, v in rows]


def matching_series(
    db: sqlite3.Connection, name: str | None, scope: str | None, address: str | None
) -> dict[int, Series]:
    """Series id -> (scope, address, name) for the attributes matching the filters."""
    rows = db.execute("SELECT id, scope, address, name FROM series ORDER BY scope, address, name")
    return {
        sid: (row_scope, row_address, row_name)
        for sid, row_scope, row_address, row_name in rows
        if (name is None or row_name == name)
        and (scope is None or row_scope == scope)
        and (address is None or row_address == address)
    }


def oldest_raw(db: sqlite3.Connection) -> float | None:
    """The time of the oldest raw value kept (older ones are minute aggregates only)."""
    row = db.execute("SELECT ts FROM raw ORDER BY id LIMIT 1").fetchone()
    return None if row is None else float(row[0])


def has_aggregates(db: sqlite3.Connection) -> bool:
    """Whether any raw values were aged into minute aggregates (and are kept)."""
    return db.execute("SELECT 1 FROM minute LIMIT 1").fetchone() is not None


def raw_values(
    db: sqlite3.Connection,
    series: dict[int, Series],
    *,
    since: float | None,
    until: float | None,
    limit: int | None,
) -> Iterator[StoredValue]:
    """Raw values of these series, oldest first; with `limit`, only the newest that many."""
    if not series:
        return
    where = [f"series IN ({','.join('?' * len(series))})"]
    params: list[float | int] = list(series)
    if since is not None:
        where.append("ts >= ?")
        params.append(since)
    if until is not None:
        where.append("ts < ?")
        params.append(until)
    # Only fixed text and '?' marks are formatted in; every value is a bound parameter.
    base = "SELECT id, ts, series, value FROM raw WHERE " + " AND ".join(where)  # noqa: S608
    if limit is None:
        sql = base + " ORDER BY ts, id"
    else:
        sql = f"SELECT * FROM ({base} ORDER BY ts DESC, id DESC LIMIT ?) ORDER BY ts, id"  # noqa: S608
        params.append(limit)
    for _, ts, sid, value in db.execute(sql, params):
        scope, address, name = series[sid]
        yield StoredValue(ts, scope, address, name, decode(value))


def rolled_up(
    db: sqlite3.Connection,
    series: dict[int, Series],
    every: int,
    *,
    since: float | None,
    end: float,
) -> Iterator[tuple[Series, Block]]:
    """Buckets of `every` seconds of each series, oldest first, then in series order."""
    start = None if since is None else since // every * every
    (newest,) = db.execute("SELECT MAX(updated_at) FROM current").fetchone()
    end = end if newest is None else min(end, newest)  # values held while the driver wrote
    streams = [
        _keyed(key, _series_buckets(db, sid, every, start, end)) for sid, key in series.items()
    ]
    yield from heapq.merge(*streams, key=lambda item: (item[1].start, item[0]))


def _keyed(key: Series, blocks: Iterator[Block]) -> Iterator[tuple[Series, Block]]:
    for block in blocks:
        yield key, block


def _series_buckets(
    db: sqlite3.Connection, sid: int, every: int, start: float | None, end: float
) -> Iterator[Block]:
    carry = NO_VALUE if start is None else _value_before(db, sid, start)
    stored = [
        read_block(row)
        for row in db.execute(
            "SELECT minute, count, secs, low, high, mean, on_frac, last FROM minute "
            "WHERE series = ? AND minute >= ? AND minute < ? ORDER BY minute",
            (sid, -1 if start is None else int(start // MINUTE), int(end // MINUTE) + 1),
        )
    ]
    points = db.execute(
        "SELECT ts, value FROM raw WHERE series = ? AND ts >= ? AND ts < ? ORDER BY ts, id",
        (sid, -1.0 if start is None else start, end),
    )
    fresh = minute_blocks(
        ((ts, decode(value)) for ts, value in points),
        carry=stored[-1].last if stored else carry,
        limit=end,
    )
    yield from buckets(_joined(stored, fresh), every, carry=carry, start=start, until=end)


def _value_before(db: sqlite3.Connection, sid: int, when: float) -> object:
    """The value in force just before `when`: the newest raw value, else aggregate."""
    row = db.execute(
        "SELECT value FROM raw WHERE series = ? AND ts < ? ORDER BY ts DESC LIMIT 1",
        (sid, when),
    ).fetchone()
    if row is None:
        row = db.execute(
            "SELECT last FROM minute WHERE series = ? AND minute < ? ORDER BY minute DESC LIMIT 1",
            (sid, int(when // MINUTE)),
        ).fetchone()
    return NO_VALUE if row is None else decode(row[0])


def _joined(stored: list[Block], fresh: Iterator[Block]) -> Iterator[Block]:
    """Stored minute blocks then those made from raw values; one minute in both is combined."""
    yield from stored[:-1]
    tail = stored[-1] if stored else None
    for block in fresh:
        if tail is not None:
            if block.start == tail.start:
                block = tail.combine(block)
            else:
                yield tail
            tail = None
        yield block
    if tail is not None:
        yield tail
