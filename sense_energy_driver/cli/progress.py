"""While the driver is not connected, say what it is doing instead of staying silent.

Two sources, both the driver's own: the values it writes (feed_status, last_error) and the
session's retry records ("login failed (attempt 2 of 5): ...; retrying in 4.00 s"). Lines go to
stderr, one per new state, so a script reading stdout is not disturbed.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Self, TextIO
from urllib.parse import urlsplit

from ..const import DEFAULT_API_URL
from ..standalone.store import DEVICE
from .hints import hint_for

if TYPE_CHECKING:
    from ..standalone import Change, StandaloneHost

__all__ = ["ConnectProgress", "server_of", "target_of"]

SESSION_LOGGER = "sense_energy_driver.retry"  # the session's REST retries are logged there
_RETRY_MSG = "%s failed (attempt %d of %d): %s; retrying in %.2f s"
HEALTHY = ("connected", "polling")


def target_of(host: StandaloneHost) -> str:
    """host:port of the REST API the device file points at."""
    return server_of(str(host.get_attribute("api_url") or DEFAULT_API_URL))


def server_of(url: str) -> str:
    """A URL's host[:port] for the console: never its user:password@ or its path and query."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname:
        return "api_url"  # not a URL at all: name the attribute rather than echo the text
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{host}:{port}" if port else host


class _RetryRecords(logging.Handler):
    def __init__(self, progress: ConnectProgress) -> None:
        super().__init__(logging.DEBUG)
        self._progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if record.msg != _RETRY_MSG or not isinstance(args, tuple) or len(args) != 5:
            return
        _, attempt, attempts, err, delay = args
        hint = hint_for(err) if isinstance(err, BaseException) else None
        if hint and isinstance(err, BaseException) and self._progress.give_up(err):
            record.sense_cli_shown = True  # the command ends with this error and its hint
            return
        wait = f"{delay:.0f} s" if isinstance(delay, int | float) else "a moment"
        self._progress.say(
            f"connecting to {self._progress.target}: {err}; retry in {wait} "
            f"(attempt {attempt} of {attempts} failed)"
        )
        if hint:
            self._progress.hint(hint)
        record.sense_cli_shown = True  # the CLI's own stderr handler skips it: said once


class ConnectProgress:
    """Context manager: report connection trouble on `out` until the block ends."""

    def __init__(
        self,
        host: StandaloneHost,
        *,
        announce: bool = False,
        out: TextIO | None = None,
        stop_on_hint: asyncio.Event | None = None,
    ) -> None:
        """`stop_on_hint` (one-shot commands): set at the first configuration-shaped failure,
        which retrying cannot mend; `fatal` then holds it."""
        self.host = host
        self.fatal: BaseException | None = None
        self._stop_on_hint = stop_on_hint
        self.target = target_of(host)
        self._announce = announce
        self._out = out
        self._last = ""
        self._troubled = False
        self._hinted: set[str] = set()
        self._status: object = None
        self._error: object = None
        self._handler = _RetryRecords(self)
        self._logger = logging.getLogger(SESSION_LOGGER)
        self._old_level = self._logger.level
        self._unsubscribe: Callable[[], None] = _nothing

    def say(self, line: str) -> None:
        if line != self._last:
            self._last = line
            print(line, file=self._out or sys.stderr, flush=True)
        self._troubled = True

    def hint(self, text: str) -> None:
        """A hint line, once per run however often its failure repeats."""
        if text not in self._hinted:
            self._hinted.add(text)
            print(f"hint: {text}", file=self._out or sys.stderr, flush=True)

    def give_up(self, err: BaseException) -> bool:
        """A failure that needs a configuration change: True if it stops a one-shot command."""
        if self._stop_on_hint is None:
            return False
        if self.fatal is None:
            self.fatal = err
            self._stop_on_hint.set()
        return True

    def _changed(self, change: Change) -> None:
        if change.scope != DEVICE or change.name not in ("feed_status", "last_error"):
            return
        if change.name == "feed_status":
            self._status = change.value
        else:
            self._error = change.value
        if self._status in HEALTHY:
            if self._troubled:
                self._troubled = False
                self._last = ""
                print(f"{self._status} to {self.target}", file=self._out or sys.stderr)
        elif self._status not in ("stopped", None) and self._error:
            self.say(f"feed {self._status}: {self._error}")

    def __enter__(self) -> Self:
        if self._announce:
            print(f"connecting to {self.target} …", file=self._out or sys.stderr, flush=True)
        self._unsubscribe = self.host.subscribe(self._changed)
        self._logger.addHandler(self._handler)
        if self._logger.getEffectiveLevel() > logging.DEBUG:
            self._logger.setLevel(logging.DEBUG)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._unsubscribe()
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._old_level)


def _nothing() -> None:
    return None
