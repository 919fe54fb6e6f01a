"""StandaloneHost: the reference `Host`, running the driver outside a host platform.

Configuration comes from a device file (secure values encrypted at rest), runtime attributes go
to a SQLite store (current values and history), the device log to the console and a rotating
file. The CLI's live view and the tests watch values through `values()`, `subscribe()` and
`wait_for()`. Edits to the device file while the driver runs reach it through
`follow_device_file()`; `exclusive=True` makes this the only host running that file.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from ..manifest import load_manifest
from .changes import Change, HostValues, log_path_for, store_path_for
from .devicefile import DeviceFile, DeviceFileError, FileChanges
from .devicelog import DeviceLog
from .lock import DeviceFileLock
from .schema import Zone
from .store import DEVICE, ZONE, Retention, RuntimeStore

__all__ = ["Change", "HostValues", "StandaloneHost", "log_path_for", "store_path_for"]

_LOGGER = logging.getLogger(__name__)


class StandaloneHost:
    """A `Host` backed by a device file, an encrypted key file, SQLite and a device log.

    A `BatchingHost` too: a realtime sample's values arrive in one call, are announced with one
    time and wake the waiters once.
    """

    def __init__(
        self,
        device_path: str | Path,
        *,
        store_path: str | Path | None = None,
        key_path: str | Path | None = None,
        log_path: str | Path | None = None,
        console_handler: logging.Handler | None = None,
        console_level: int = logging.INFO,
        commit_interval: float = 0.5,
        retention: Retention | None = None,
        exclusive: bool = False,
        record: bool = True,
    ) -> None:
        """Load and check the device file first (DeviceFileError), then open store and log.

        With `exclusive`, first take the device file's lock (DeviceInUseError names the process
        holding it), held until close(). Without `record`, runtime values are kept in memory
        and told to listeners but not stored: a one-off connection (the `command` CLI) leaves
        the store to the host that runs the device, which may be running beside it.
        """
        manifest = load_manifest()
        self.device_path = Path(device_path)
        self._lock = DeviceFileLock(self.device_path) if exclusive else None
        if self._lock is not None:
            self._lock.acquire()
        try:
            self._file = DeviceFile.load(
                self.device_path, key_path=Path(key_path) if key_path is not None else None
            )
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise
        self._driver_written = manifest.driver_written_names
        self._config_names = frozenset(manifest.attribute_names)
        self.store_path = Path(store_path) if store_path else store_path_for(self.device_path)
        self.log_path = Path(log_path) if log_path else log_path_for(self.device_path)
        self._commit_interval = commit_interval
        self._store = RuntimeStore(
            self.store_path,
            refuse=manifest.secure_names,
            commit_interval=commit_interval,
            retention=retention,
        )
        try:
            self._device_log = DeviceLog(
                self._file.name, self.log_path, console=console_handler, console_level=console_level
            )
        except OSError:
            self._store.close()
            if self._lock is not None:
                self._lock.release()
            raise
        self._record_values = record
        self._unreadable: object = None  # the broken edit last warned about
        self._device: dict[str, object] = {}
        self._zones: dict[str, dict[str, object]] = {}
        for row in self._store.current():
            if row.scope == DEVICE:
                self._device[row.name] = row.value
            else:
                self._zones.setdefault(row.address, {})[row.name] = row.value
        self._subscribers: list[Callable[[Change], None]] = []
        self._changed = asyncio.Event()
        self._committed = asyncio.Event()
        self._flush_timer: asyncio.TimerHandle | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"StandaloneHost({str(self.device_path)!r})"

    # --- the Host protocol -----------------------------------------------------------------------

    def get_attribute(self, name: str) -> object | None:
        """A configuration attribute (secure ones decrypted), or None when it is not set."""
        return self._file.get(name)

    async def set_device_attribute(self, name: str, value: object) -> None:
        """Driver-kept configuration goes to the device file; everything else to the store."""
        change = self._device_change(name, value, time.time())
        if change is not None:
            self._record((change,))

    async def set_zone_attribute(self, address: str, name: str, value: object) -> None:
        """Record a zone's runtime value."""
        self._zones.setdefault(address, {})[name] = value
        self._record((Change(ZONE, address, name, value, time.time()),))

    async def set_attributes(
        self, device: Sequence[tuple[str, object]], zones: Sequence[tuple[str, str, object]]
    ) -> None:
        """One realtime sample (BatchingHost): stored, and announced with one time, together."""
        now = time.time()
        changes: list[Change] = []
        for name, value in device:
            change = self._device_change(name, value, now)
            if change is not None:
                changes.append(change)
        values = self._zones
        for address, name, value in zones:
            values.setdefault(address, {})[name] = value
            changes.append(Change(ZONE, address, name, value, now))
        self._record(changes)

    def _device_change(self, name: str, value: object, now: float) -> Change | None:
        """A device value: kept as the current one and returned as a change to record, or
        saved in the device file (configuration the driver keeps, such as tokens)."""
        if name in self._driver_written:
            self._file.set(name, value)
            return None
        if name in self._config_names:
            raise ValueError(f"attribute '{name}' is configuration; the driver may not write it")
        self._device[name] = value
        return Change(DEVICE, "", name, value, now)

    def zone_addresses(self) -> Collection[str]:
        """The addresses bound now (re-read on every call, so added zones count at once)."""
        return [zone.address for zone in self._file.zones]

    def log(self, level: int, message: str) -> None:
        """Append to the device log (console and rotating file)."""
        self._device_log.log(level, message)

    # --- configuration, for the CLI and tests ----------------------------------------------------

    @property
    def name(self) -> str:
        """The device's name: the file's "name", else its file name without extension."""
        return self._file.name

    @property
    def key_path(self) -> Path:
        return self._file.key_path

    @property
    def zones(self) -> tuple[Zone, ...]:
        return self._file.zones

    def zone_labels(self) -> dict[str, str]:
        """Address -> label (the address itself when the zone has no label)."""
        return {zone.address: zone.title for zone in self._file.zones}

    def add_zone(self, address: str, label: str = "", *, persist: bool = False) -> bool:
        """Bind a zone while running (and save it in the device file if `persist`)."""
        return self._file.add_zone(Zone(address, label), persist=persist)

    def set_attribute(self, name: str, value: object) -> bool:
        """Change a configuration attribute, as a user would; call driver.attribute_changed next.

        Returns False when the value did not change. Raises DeviceFileError for an unknown name
        or a wrong type.
        """
        return self._file.set(name, value)

    async def reload_device_file(
        self, apply: Callable[[str], Awaitable[None]] | None = None
    ) -> FileChanges:
        """Take an edited device file: zones at once, each changed attribute through `apply`.

        `apply` is the driver's `attribute_changed`. An edit that does not load (bad JSON, a
        wrong type) is reported once in the device log and the running configuration is kept.
        """
        try:
            changes = self._file.reload()
        except DeviceFileError as err:
            if str(err) != self._unreadable:
                self._unreadable = str(err)
                self.log(logging.WARNING, f"{err}; keeping the running configuration")
            return FileChanges()
        self._unreadable = None
        if not changes:
            return changes
        self.log(logging.INFO, f"device file changed: {_describe(changes)}")
        for name in changes.attributes:
            if apply is None:
                continue
            try:
                await apply(name)
            except Exception as err:  # a bad value must not end the run; the driver said why
                self.log(logging.WARNING, f"attribute '{name}' not applied: {err}")
        return changes

    async def follow_device_file(
        self, apply: Callable[[str], Awaitable[None]] | None = None, *, interval: float = 1.0
    ) -> None:
        """Check the device file for edits every `interval` seconds until cancelled."""
        while not self._closed:
            await asyncio.sleep(interval)  # a poll period: the file gives no event to wait on
            if self._file.changed_on_disk():
                await self.reload_device_file(apply)

    # --- runtime values --------------------------------------------------------------------------

    def current_device_values(self) -> dict[str, object]:
        """The newest value of every device attribute (including those from earlier runs)."""
        return dict(self._device)

    def current_zone_values(self) -> dict[str, dict[str, object]]:
        """Zone address -> the newest value of each of its attributes."""
        return {address: dict(values) for address, values in self._zones.items()}

    def values(self) -> HostValues:
        """A snapshot of all current runtime values."""
        return HostValues(self.current_device_values(), self.current_zone_values())

    def subscribe(self, callback: Callable[[Change], None]) -> Callable[[], None]:
        """Call `callback` on every runtime write; returns the function that unsubscribes."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    async def wait_for(
        self, predicate: Callable[[HostValues], bool], timeout: float = 10.0
    ) -> HostValues:
        """Wait until `predicate(values)` holds, re-checking on every write; TimeoutError if not."""
        async with asyncio.timeout(timeout):
            while True:
                changed = self._changed
                values = self.values()
                if predicate(values):
                    return values
                await changed.wait()

    def _record(self, changes: Iterable[Change]) -> None:
        """Store changes, tell each listener about each, then wake `wait_for` once."""
        subscribers = list(self._subscribers)
        for change in changes:
            if self._closed:
                _LOGGER.debug("host closed; %s %s not stored", change.scope, change.name)
            elif self._record_values:
                self._store.write(change.scope, change.address, change.name, change.value)
            for callback in subscribers:
                try:
                    callback(change)
                except Exception:  # one bad listener must not stop the driver's writes
                    _LOGGER.exception("change listener failed")
        if self._store.pending and self._flush_timer is None and not self._closed:
            loop = asyncio.get_running_loop()
            self._flush_timer = loop.call_later(self._commit_interval, self._flush_soon)
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _flush_soon(self) -> None:
        self._flush_timer = None
        if not self._closed:
            self.flush()

    # --- lifetime --------------------------------------------------------------------------------

    def flush(self) -> None:
        """Commit pending values now."""
        self._store.flush()
        committed, self._committed = self._committed, asyncio.Event()
        committed.set()

    async def committed(self, timeout: float = 10.0) -> None:
        """Wait until every value written so far is committed, so another connection sees it."""
        async with asyncio.timeout(timeout):
            while self._store.pending:
                await self._committed.wait()

    def close(self) -> None:
        """Commit, close the store and the log file; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        self._store.close()
        self._device_log.close()
        if self._lock is not None:
            self._lock.release()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _describe(changes: FileChanges) -> str:
    """Names only: an attribute's value may be a secret."""
    parts = []
    if changes.attributes:
        parts.append("attributes " + ", ".join(changes.attributes))
    for what, zones in (
        ("zones added", changes.zones_added),
        ("zones removed", changes.zones_removed),
        ("zones relabelled", changes.zones_relabelled),
    ):
        if zones:
            parts.append(f"{what} " + ", ".join(z.address for z in zones))
    return "; ".join(parts)
