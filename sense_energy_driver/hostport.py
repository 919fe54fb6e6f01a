"""The driver's one way to its host: every call guarded, every log line made safe.

A host whose get_attribute, zone_addresses, set_* or log raises costs a logged line, never the
feed. (A host write is awaited without a timer of its own: that would cost microseconds per
frame, and a host that never returns is the host's bug to fix.) Log lines carry no secret and no
control character, so a device name from the cloud with a newline or an ANSI escape cannot forge
or recolour lines of the device log. After `close()` nothing reaches the host any more: a driver
that was disconnected stays quiet.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from .errors import SenseConfigError
from .host import BatchingHost, Host
from .redact import redact

__all__ = ["HostPort", "printable"]

_LOGGER = logging.getLogger(__name__)

_MAX_LOG_CHARS = 2000

# C0 and C1 controls, DEL, and Unicode line/paragraph separators: shown escaped, never obeyed.
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
_CONTROLS |= {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def printable(text: str) -> str:
    """Text with every control character escaped: one log line stays one log line."""
    return text.translate(_CONTROLS)


class HostPort:
    """Wraps the Host: guarded calls, de-duplicated health writes, a sanitised device log."""

    def __init__(self, host: Host, secrets: Callable[[], Iterable[str | None]]) -> None:
        self._host = host
        self._secrets = secrets
        self._failed: set[str] = set()  # host calls that failed, each warned about once
        self._written: dict[str, object] = {}
        self._zones: list[str] = []
        self._raw: list[object] | None = None  # a copy of the host's last answer
        self.closed = False  # read before every write; set only by open() and close()
        self.dropped = 0  # writes refused because the port was closed
        # The host again when it takes a whole sample at once: the write step uses it.
        self.batch: BatchingHost | None = host if isinstance(host, BatchingHost) else None

    @property
    def host(self) -> Host:
        """The host itself, for the write step (SampleWriter), which guards each call as
        set_device does: checked for `closed` first, failures through `host_failed`."""
        return self._host

    def open(self) -> None:
        """Accept writes again (a connect after a disconnect)."""
        self.closed = False

    def close(self) -> None:
        """From now on nothing is written to the host and nothing is logged to it."""
        self.closed = True

    def safe(self, text: str) -> str:
        """Text fit for a log line or last_error: secrets removed, controls escaped, bounded."""
        return printable(redact(text, self._secrets()))[:_MAX_LOG_CHARS]

    # --- reads -----------------------------------------------------------------------------------

    def get_attribute(self, name: str) -> object | None:
        """A configuration attribute; a host that fails to read it is a configuration error."""
        try:
            return self._host.get_attribute(name)
        except Exception as err:
            # Only the type: the text may carry the very secret that could not be read.
            raise SenseConfigError(
                f"attribute '{name}' could not be read from the host ({type(err).__name__})"
            ) from None

    def zone_addresses(self) -> list[str]:
        """The bound zone addresses (strings only); the last good list if the host fails.

        Called for every sample: an answer equal to the last one is not checked again.
        """
        try:
            raw = self._host.zone_addresses()
            if raw == self._raw:
                return self._zones
            copy: list[object] = list(raw)  # a host may hand out, and later change, its own list
            zones = [a for a in copy if isinstance(a, str)]
        except Exception as err:
            self.host_failed("zone_addresses", err)
            return self._zones
        self._raw, self._zones = copy, zones
        return zones

    # --- writes ----------------------------------------------------------------------------------

    # A sample's writes (a dozen per real frame) do not come through here: SampleWriter calls
    # the host itself (`batch` when it has one), guarded the same way, so a write costs one
    # coroutine, not two.

    async def set_device(self, name: str, value: object) -> None:
        if self.closed:
            self.dropped += 1
            return
        try:
            await self._host.set_device_attribute(name, value)
        except Exception as err:  # a host that cannot store one value must not stop the feed
            self.host_failed(name, err)

    async def write_once(self, name: str, value: object) -> None:
        """Write a device attribute only when it differs from what this port wrote last."""
        if self._written.get(name) != value:
            self._written[name] = value
            await self.set_device(name, value)

    def last_written(self, name: str) -> object | None:
        return self._written.get(name)

    async def write_error(self, text: str) -> None:
        await self.write_once("last_error", self.safe(text)[:200])

    # --- the device log --------------------------------------------------------------------------

    def log(self, level: int, message: str) -> None:
        """One device-log line (and this module's logger), secrets removed, controls escaped."""
        text = self.safe(message)
        _LOGGER.log(level, "%s", text)
        if self.closed:
            return
        try:
            self._host.log(level, text)
        except Exception as err:  # the host's log failing must not take the driver down
            self.host_failed("log", err)

    def host_failed(self, what: str, err: BaseException | str) -> None:
        """First failure of each host call at WARNING, repeats at DEBUG; text redacted."""
        level = logging.DEBUG if what in self._failed else logging.WARNING
        self._failed.add(what)
        detail = f"{type(err).__name__}: {err}" if isinstance(err, BaseException) else err
        _LOGGER.log(level, "host call failed (%s): %s", what, self.safe(detail))
