"""The value store's SQLite file: opened in WAL mode, its tables created or upgraded, or checked.

Schema 2 keeps raw values by series id (`raw`, `series`) and per-minute aggregates (`minute`);
the `history` view keeps schema 1's table name readable. A schema 1 file is upgraded in place, in
one transaction, the first time `run` opens it; a read-only open never changes the file.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from ..standalone_errors import StandaloneError

__all__ = ["SCHEMA_VERSION", "StoreError", "open_store"]

_LOGGER = logging.getLogger(__name__)

SCHEMA_VERSION = 2

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS current (
        scope TEXT NOT NULL, address TEXT NOT NULL, name TEXT NOT NULL,
        value TEXT, updated_at REAL NOT NULL,
        PRIMARY KEY (scope, address, name))""",
    """CREATE TABLE IF NOT EXISTS series (
        id INTEGER PRIMARY KEY, scope TEXT NOT NULL, address TEXT NOT NULL, name TEXT NOT NULL,
        UNIQUE (scope, address, name))""",
    """CREATE TABLE IF NOT EXISTS raw (
        id INTEGER PRIMARY KEY, ts REAL NOT NULL, series INTEGER NOT NULL, value)""",
    "CREATE INDEX IF NOT EXISTS raw_by_series ON raw (series, ts)",
    """CREATE TABLE IF NOT EXISTS minute (
        series INTEGER NOT NULL, minute INTEGER NOT NULL, count INTEGER NOT NULL,
        secs REAL NOT NULL, low REAL, high REAL, mean REAL, on_frac REAL, last,
        PRIMARY KEY (series, minute)) WITHOUT ROWID""",
    """CREATE VIEW IF NOT EXISTS history AS
        SELECT raw.id, raw.ts, series.scope, series.address, series.name, raw.value
        FROM raw JOIN series ON series.id = raw.series""",
)
_V1_UPGRADE = (
    "ALTER TABLE history RENAME TO history_v1",
    *_SCHEMA,
    "INSERT OR IGNORE INTO series (scope, address, name) "
    "SELECT DISTINCT scope, address, name FROM history_v1",
    "INSERT INTO raw (id, ts, series, value) SELECT h.id, h.ts, s.id, h.value "
    "FROM history_v1 h JOIN series s USING (scope, address, name)",
    "DROP TABLE history_v1",
)


class StoreError(StandaloneError):
    """The store cannot be opened, is not one this package wrote, or cannot store values."""


def open_store(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit); StoreError says why not.

    Writable: WAL journal (readers beside the writer), tables created or upgraded. Read-only:
    the file must exist and hold schema 2's tables.
    """
    db: sqlite3.Connection | None = None
    try:
        if read_only:
            db = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None
            )
            _check_tables(db, path)
        else:
            db = sqlite3.connect(path, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            _create_or_upgrade(db, path)
    except (sqlite3.Error, StoreError) as err:
        if db is not None:
            db.close()
        if isinstance(err, StoreError):
            raise
        raise StoreError(f"{path}: cannot open the value store: {err}") from None
    return db


def _create_or_upgrade(db: sqlite3.Connection, path: Path) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: written by a newer version (schema {version})")
    kinds = dict(db.execute("SELECT name, type FROM sqlite_master"))
    upgrade = kinds.get("history") == "table"
    if upgrade:
        _LOGGER.warning("%s: upgrading the value store to schema %d", path, SCHEMA_VERSION)
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in _V1_UPGRADE if upgrade else _SCHEMA:
            db.execute(statement)
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _check_tables(db: sqlite3.Connection, path: Path) -> None:
    names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    if not {"current", "history"} <= names:
        raise StoreError(f"{path}: not a sense-energy-driver value store")
    if not {"raw", "series", "minute"} <= names:
        raise StoreError(
            f"{path}: written by an older version; `sense-energy-driver run` upgrades it"
        )
