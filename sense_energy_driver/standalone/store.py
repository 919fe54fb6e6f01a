"""Runtime attributes in SQLite: current values plus a timestamped history, kept across restarts.

One connection in WAL mode, so `history` can read while the driver writes. Writes are small and
synchronous; commits are batched (at most every `commit_interval` seconds or `commit_every`
writes, and always on flush/close) so a busy feed does not fsync on every value.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEVICE", "ZONE", "RuntimeStore", "StoreError", "StoredValue"]

_LOGGER = logging.getLogger(__name__)

DEVICE = "device"
ZONE = "zone"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS current (
    scope TEXT NOT NULL,
    address TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT,
    updated_at REAL NOT NULL,
    PRIMARY KEY (scope, address, name)
);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    scope TEXT NOT NULL,
    address TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT
);
CREATE INDEX IF NOT EXISTS history_by_attribute ON history (scope, address, name, ts);
CREATE INDEX IF NOT EXISTS history_by_time ON history (ts);
"""


class StoreError(RuntimeError):
    """The store cannot be opened or is not one this package wrote."""


@dataclass(frozen=True, slots=True)
class StoredValue:
    """One stored value: when, where (device, or a zone's address), which attribute, what."""

    ts: float
    scope: str
    address: str
    name: str
    value: object


def _decode(text: str | None) -> object:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


class RuntimeStore:
    """Current values and history of the attributes the driver writes, in one SQLite file."""

    def __init__(
        self,
        path: Path,
        *,
        refuse: Collection[str] = (),
        commit_interval: float = 0.5,
        commit_every: int = 200,
        read_only: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self._refuse = frozenset(refuse)
        self._commit_interval = commit_interval
        self._commit_every = commit_every
        self._clock = clock
        self._pending = 0
        self._last_commit = clock()
        try:
            if read_only:
                uri = f"{path.resolve().as_uri()}?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, isolation_level=None)
                self._check_tables()
            else:
                self._db = sqlite3.connect(path, isolation_level=None)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.executescript(_SCHEMA)
                self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.Error as err:
            raise StoreError(f"{path}: cannot open the value store: {err}") from None

    def _check_tables(self) -> None:
        names = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        if not {"current", "history"} <= names:
            raise StoreError(f"{self.path}: not a sense-energy-driver value store")

    @property
    def journal_mode(self) -> str:
        return str(self._db.execute("PRAGMA journal_mode").fetchone()[0])

    @property
    def pending(self) -> int:
        """Writes not committed yet."""
        return self._pending

    # --- writing --------------------------------------------------------------------------------

    def write(self, scope: str, address: str, name: str, value: object) -> None:
        """Record one value as current and in history; secure attributes are refused."""
        if name in self._refuse:
            raise ValueError(f"attribute '{name}' is secure and is never stored in the database")
        now = self._clock()
        text = json.dumps(value, default=str, separators=(",", ":"))
        if self._pending == 0:
            self._db.execute("BEGIN")
        self._db.execute(
            "INSERT INTO current (scope, address, name, value, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (scope, address, name) DO UPDATE SET "
            "value = excluded.value, updated_at = excluded.updated_at",
            (scope, address, name, text, now),
        )
        self._db.execute(
            "INSERT INTO history (ts, scope, address, name, value) VALUES (?, ?, ?, ?, ?)",
            (now, scope, address, name, text),
        )
        self._pending += 1
        if self._pending >= self._commit_every or now - self._last_commit >= self._commit_interval:
            self.flush()

    def flush(self) -> None:
        """Commit what is pending."""
        if self._pending:
            self._db.execute("COMMIT")
            self._pending = 0
        self._last_commit = self._clock()

    def close(self) -> None:
        """Commit and close; safe to call twice."""
        try:
            self.flush()
        except sqlite3.ProgrammingError:
            return  # already closed
        self._db.close()

    # --- reading --------------------------------------------------------------------------------

    def current(self) -> list[StoredValue]:
        """Every attribute's newest value."""
        rows = self._db.execute(
            "SELECT updated_at, scope, address, name, value FROM current "
            "ORDER BY scope, address, name"
        )
        return [StoredValue(ts, scope, addr, name, _decode(v)) for ts, scope, addr, name, v in rows]

    def history(
        self,
        *,
        name: str | None = None,
        scope: str | None = None,
        address: str | None = None,
        since: float | None = None,
        limit: int | None = None,
    ) -> Iterator[StoredValue]:
        """Stored values, oldest first, filtered by attribute, scope, zone and time."""
        where: list[str] = []
        params: list[str | float | int] = []
        for column, wanted in (("name", name), ("scope", scope), ("address", address)):
            if wanted is not None:
                where.append(f"{column} = ?")
                params.append(wanted)
        if since is not None:
            where.append("ts >= ?")
            params.append(since)
        # Only fixed column names are formatted in; every value is a bound parameter.
        base = "SELECT id, ts, scope, address, name, value FROM history"
        if where:
            base += " WHERE " + " AND ".join(where)
        if limit is None:
            sql = base + " ORDER BY ts, id"
        else:
            sql = f"SELECT * FROM ({base} ORDER BY ts DESC, id DESC LIMIT ?) ORDER BY ts, id"  # noqa: S608 - fixed columns, bound values
            params.append(limit)
        for _, ts, row_scope, row_address, row_name, value in self._db.execute(sql, params):
            yield StoredValue(ts, row_scope, row_address, row_name, _decode(value))
