"""Every read the dashboard makes from the SQLite store, in one place, off the event loop.

Each call opens its own read-only connection in a worker thread (the store is in WAL mode, so
reads never block the host's writes) and closes it before returning.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..standalone.store import ZONE, RuntimeStore, StoredValue

__all__ = ["Series", "read_current", "read_series", "read_zone_states"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Series:
    """(ts, value) points of one attribute, oldest first; `truncated` when the cap cut it."""

    points: list[tuple[float, object]]
    truncated: bool


def _with_store(path: Path, read: Callable[[RuntimeStore], T]) -> T:
    store = RuntimeStore(path, read_only=True)
    try:
        return read(store)
    finally:
        store.close()


async def _read(path: Path, read: Callable[[RuntimeStore], T]) -> T:
    return await asyncio.to_thread(_with_store, path, read)


async def read_current(path: Path) -> list[StoredValue]:
    """Every attribute's newest value, with the time it was written."""
    return await _read(path, lambda store: store.current())


def _collect(rows: Iterable[StoredValue], until: float | None, cap: int) -> Series:
    points: list[tuple[float, object]] = []
    for row in rows:
        if until is not None and row.ts > until:
            break
        if len(points) == cap:
            return Series(points, truncated=True)
        points.append((row.ts, row.value))
    return Series(points, truncated=False)


async def read_series(
    path: Path,
    *,
    name: str,
    scope: str,
    address: str,
    since: float,
    until: float | None,
    cap: int,
) -> Series:
    """One attribute's stored values from `since` to `until`, at most `cap` points."""

    def read(store: RuntimeStore) -> Series:
        rows = store.history(name=name, scope=scope, address=address, since=since)
        return _collect(rows, until, cap)

    return await _read(path, read)


async def read_zone_states(path: Path, since: float) -> dict[str, list[tuple[float, str]]]:
    """Every zone's on/off writes since `since`, oldest first, keyed by address."""

    def read(store: RuntimeStore) -> dict[str, list[tuple[float, str]]]:
        out: dict[str, list[tuple[float, str]]] = {}
        for row in store.history(name="state", scope=ZONE, since=since):
            out.setdefault(row.address, []).append((row.ts, str(row.value)))
        return out

    return await _read(path, read)
