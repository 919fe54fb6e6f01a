"""Runtime attributes in SQLite: current values, raw history, and per-minute aggregates.

One connection in WAL mode (storefile.py opens it), so `history` can read while the driver
writes. Writes go to a buffer and are committed in one transaction at most every
`commit_interval` seconds or `commit_every` writes (always on flush/close), so a busy feed does
not fsync on every value. A commit that fails (a full disk, an I/O error) is rolled back as a
whole and its values stay in the buffer, bounded by `max_pending`, until a later commit
succeeds: nothing counts as stored before it is, and the store recovers by itself when space
returns. Retention (retention.py) runs in small steps after commits: raw values older than the
raw period become minute aggregates, which are kept for the aggregate period.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from .retention import Retention, prune_minutes, prune_raw
from .rollup import Block
from .sqlvalues import encode, encode_json
from .storefile import StoreError, open_store
from .storeread import (
    Series,
    StoredValue,
    current_values,
    has_aggregates,
    matching_series,
    oldest_raw,
    raw_values,
    rolled_up,
)

__all__ = [
    "DEVICE",
    "ZONE",
    "Retention",
    "RuntimeStore",
    "Series",
    "StoreError",
    "StoredValue",
]

_LOGGER = logging.getLogger(__name__)

DEVICE = "device"
ZONE = "zone"
_FAILURE_REMINDER_S = 60.0
_PRUNE_IDLE_S = 30.0
_PRUNE_MINUTES_S = 3600.0


class RuntimeStore:
    """Current values, history and aggregates of the attributes the driver writes, in SQLite."""

    def __init__(
        self,
        path: Path,
        *,
        refuse: Collection[str] = (),
        commit_interval: float = 0.5,
        commit_every: int = 200,
        read_only: bool = False,
        clock: Callable[[], float] = time.time,
        retention: Retention | None = None,
        max_pending: int = 100_000,
        max_bytes: int | None = None,
        prune_batch: int = 2000,
        retry_interval: float = 5.0,
    ) -> None:
        self.path = path
        self.retention = retention or Retention()
        self._refuse = frozenset(refuse)
        self._commit_interval = commit_interval
        self._commit_every = commit_every
        self._retry_interval = retry_interval
        self._prune_batch = prune_batch
        self._clock = clock
        self._raw: deque[tuple[float, Series, object]] = deque(maxlen=max_pending)
        self._current: dict[Series, tuple[str, float]] = {}
        self._series: dict[Series, int] = {}
        self._last_attempt = clock()
        self._next_prune = 0.0
        self._next_minute_prune = 0.0
        self._failure: StoreError | None = None
        self._failure_logged = 0.0
        self._dropped = 0
        self._waited = 0
        self._closed = False
        self._db = open_store(path, read_only=read_only)
        try:
            if max_bytes is not None and not read_only:
                self.set_max_bytes(max_bytes)
            self._series = {
                (scope, address, name): sid
                for sid, scope, address, name in self._db.execute(
                    "SELECT id, scope, address, name FROM series"
                )
            }
        except sqlite3.Error as err:
            self._db.close()
            raise StoreError(f"{path}: cannot open the value store: {err}") from None

    def set_max_bytes(self, max_bytes: int) -> None:
        """Cap the database file's size (SQLite's max_page_count); writes beyond it fail."""
        page = int(self._db.execute("PRAGMA page_size").fetchone()[0])
        self._db.execute(f"PRAGMA max_page_count={max(1, max_bytes // page)}")

    @property
    def journal_mode(self) -> str:
        return str(self._db.execute("PRAGMA journal_mode").fetchone()[0])

    @property
    def pending(self) -> int:
        """Writes not committed yet."""
        return len(self._raw)

    @property
    def failure(self) -> StoreError | None:
        """Why the last commit failed, until one succeeds again (None while healthy)."""
        return self._failure

    @property
    def dropped(self) -> int:
        """Values lost because the store could not take them before the buffer filled."""
        return self._dropped

    # --- writing --------------------------------------------------------------------------------

    def write(self, scope: str, address: str, name: str, value: object) -> None:
        """Record one value as current and in history; secure attributes are refused."""
        if name in self._refuse:
            raise ValueError(f"attribute '{name}' is secure and is never stored in the database")
        now = self._clock()
        key = (scope, address, name)
        if len(self._raw) == self._raw.maxlen:
            self._dropped += 1  # the oldest waiting value falls out of the bounded buffer
        self._raw.append((now, key, encode(value)))
        self._current[key] = (encode_json(value), now)
        if self._failure is not None:
            due = now - self._last_attempt >= self._retry_interval
        else:
            due = (
                len(self._raw) >= self._commit_every
                or now - self._last_attempt >= self._commit_interval
            )
        if due:
            self.flush()

    def flush(self, *, force: bool = False) -> bool:
        """Commit what is pending; False (logged, values kept for a retry) when it cannot.

        After a failure, commits are tried again only every `retry_interval` seconds (or when
        `force`d), however often this is called.
        """
        now = self._clock()
        if not self._raw and not self._current:
            self._last_attempt = now
            return True
        waiting = self._failure is not None and not force
        if waiting and now - self._last_attempt < self._retry_interval:
            return False
        self._last_attempt = now
        try:
            self._commit()
        except sqlite3.Error as err:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            self._failed(err, now)
            return False
        if self._failure is not None:
            _LOGGER.warning(
                "%s: values are stored again; %d that waited are stored now, %d were lost",
                self.path,
                self._waited,
                self._dropped,
            )
            self._failure = None
        self._prune_due(now)
        return True

    def _commit(self) -> None:
        raw, current = list(self._raw), dict(self._current)
        self._waited = len(raw)
        self._db.execute("BEGIN IMMEDIATE")
        new: dict[Series, int] = {}
        for key in {key for _, key, _ in raw} - self._series.keys():
            self._db.execute(
                "INSERT OR IGNORE INTO series (scope, address, name) VALUES (?, ?, ?)", key
            )
            (new[key],) = self._db.execute(
                "SELECT id FROM series WHERE scope = ? AND address = ? AND name = ?", key
            ).fetchone()
        ids = self._series | new
        self._db.executemany(
            "INSERT INTO raw (ts, series, value) VALUES (?, ?, ?)",
            [(ts, ids[key], value) for ts, key, value in raw],
        )
        self._db.executemany(
            "INSERT INTO current (scope, address, name, value, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (scope, address, name) DO UPDATE SET "
            "value = excluded.value, updated_at = excluded.updated_at",
            [(*key, text, ts) for key, (text, ts) in current.items()],
        )
        self._db.execute("COMMIT")
        self._series = ids
        self._raw.clear()
        self._current.clear()

    def _failed(self, err: sqlite3.Error, now: float) -> None:
        first = self._failure is None
        self._failure = StoreError(
            f"{self.path}: cannot store values ({err}); {len(self._raw)} values wait in memory "
            f"and are retried every {self._retry_interval:g} s"
        )
        if first or now - self._failure_logged >= _FAILURE_REMINDER_S:
            self._failure_logged = now
            _LOGGER.error("%s", self._failure)

    def _prune_due(self, now: float) -> None:
        if now < self._next_prune:
            return
        moved = self._prune_step(
            lambda: prune_raw(self._db, self.retention, now, self._prune_batch)
        )
        self._next_prune = now if moved else now + _PRUNE_IDLE_S  # a backlog goes step by step
        if moved == 0 and now >= self._next_minute_prune:
            self._prune_step(lambda: prune_minutes(self._db, self.retention, now))
            self._next_minute_prune = now + _PRUNE_MINUTES_S

    def _prune_step(self, step: Callable[[], int]) -> int:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            done = step()
            self._db.execute("COMMIT")
        except sqlite3.Error as err:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            _LOGGER.warning("%s: retention step failed, retried later: %s", self.path, err)
            return 0
        return done

    def prune(self, now: float | None = None) -> int:
        """Run retention until nothing is due (raw rows aged into aggregates, old ones dropped)."""
        when = self._clock() if now is None else now
        total = 0
        while moved := self._prune_step(
            lambda: prune_raw(self._db, self.retention, when, self._prune_batch)
        ):
            total += moved
        while deleted := self._prune_step(lambda: prune_minutes(self._db, self.retention, when)):
            total += deleted
        return total

    def close(self) -> None:
        """Commit and close; values that cannot be committed are reported lost. Safe twice."""
        if self._closed:
            return
        self._closed = True
        if not self.flush(force=True):
            _LOGGER.error(
                "%s: closing with %d values that could not be stored; they are lost",
                self.path,
                len(self._raw),
            )
        self._db.close()

    # --- reading --------------------------------------------------------------------------------

    def _reader(self) -> sqlite3.Connection:
        """The connection, after committing what this store wrote (so reads see it)."""
        if not self._closed and self._raw:
            self.flush()
        return self._db

    def current(self) -> list[StoredValue]:
        """Every attribute's newest value."""
        return current_values(self._reader())

    def oldest_raw(self) -> float | None:
        """The time of the oldest raw value kept (older ones are minute aggregates only)."""
        return oldest_raw(self._reader())

    def has_aggregates(self) -> bool:
        """Whether older values are kept as minute aggregates (see `rollup`)."""
        return has_aggregates(self._reader())

    def history(
        self,
        *,
        name: str | None = None,
        scope: str | None = None,
        address: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int | None = None,
    ) -> Iterator[StoredValue]:
        """Raw stored values, oldest first, filtered by attribute, scope, zone and time."""
        db = self._reader()
        series = matching_series(db, name, scope, address)
        return raw_values(db, series, since=since, until=until, limit=limit)

    def rollup(
        self,
        every: int,
        *,
        name: str | None = None,
        scope: str | None = None,
        address: str | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> Iterator[tuple[Series, Block]]:
        """Buckets of `every` seconds per attribute, from aggregates and raw values alike.

        Oldest bucket first (attributes in name order within a bucket); `since` is rounded down
        to a bucket boundary, values at or after `until` are left out.
        """
        db = self._reader()
        series = matching_series(db, name, scope, address)
        end = self._clock() if until is None else until
        return rolled_up(db, series, every, since=since, end=end)
