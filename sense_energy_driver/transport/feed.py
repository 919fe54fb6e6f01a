"""The realtime WebSocket: open, receive, close, with every websockets error translated once."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI, WebSocketException

from ..const import FEED_OPEN_TIMEOUT_S
from ..errors import (
    SenseConfigError,
    SenseConnectionError,
    SenseEndpointError,
    SenseFeedClosedError,
    SenseTimeoutError,
    SenseTokenExpiredError,
)
from ..redact import redact, redact_url
from .tls import client_ssl_context

__all__ = ["FeedConnection", "open_feed"]

_LOGGER = logging.getLogger(__name__)

# Frames larger than this close the socket (1009); the decoder skips anything over its own,
# smaller limit, so one oversized frame costs one skipped message, not a reconnect.
_WS_MAX_SIZE = 16 * 1024 * 1024


class _RedactingLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """websockets logs the request URI on some errors; it carries the access token."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return redact(str(msg)), kwargs

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        if self.isEnabledFor(level):
            text = str(msg) % args if args else str(msg)
            self.logger.log(level, redact(text), **kwargs)


class FeedConnection:
    """One open realtime feed; `recv()` returns raw frames and raises only SenseError subclasses.

    Silence is caught by one watchdog timer per connection, re-armed from the time of the last
    frame when it fires, rather than a timeout armed and cancelled around every frame (which
    cost ≈ 4 µs a frame, 2–5 frames a second, per monitor).
    """

    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws
        self._loop = asyncio.get_running_loop()
        self._last = self._loop.time()
        self._timeout = 0.0
        self._watchdog: asyncio.TimerHandle | None = None
        self._silent = False

    async def recv(self, timeout: float) -> bytes | str:
        """Next frame; SenseTimeoutError if nothing arrives within `timeout` (a dead feed)."""
        if self._watchdog is None or timeout != self._timeout:
            self._timeout = timeout
            self._arm()
        try:
            frame = await self._ws.recv()
        except ConnectionClosed as err:
            if self._silent:
                raise SenseTimeoutError(f"realtime feed silent for {timeout:g} s") from err
            raise _closed(err) from err
        self._last = self._loop.time()
        return frame

    def _arm(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        self._watchdog = self._loop.call_at(self._last + self._timeout, self._check)

    def _check(self) -> None:
        """The watchdog fired: a frame since re-arms it; none means a half-open socket."""
        if self._loop.time() - self._last < self._timeout:
            self._arm()
            return
        self._silent = True
        self._ws.transport.abort()  # the pending recv() ends with 1006, reported as silence

    async def close(self) -> None:
        """Close the socket; never raises, since closing is what we wanted anyway."""
        if self._watchdog is not None:
            self._watchdog.cancel()
        try:
            await self._ws.close()
        except (OSError, WebSocketException) as err:  # pragma: no cover - best effort
            _LOGGER.debug("closing realtime feed: %s", err)


def _closed(err: ConnectionClosed) -> SenseFeedClosedError:
    frame = err.rcvd or err.sent
    code = frame.code if frame is not None else 1006
    reason = frame.reason if frame is not None else "connection lost"
    return SenseFeedClosedError(f"realtime feed closed: {code} {reason}", code=code, reason=reason)


async def open_feed(
    url: str,
    *,
    headers: Mapping[str, str],
    ca_file: str | None = None,
    open_timeout: float = FEED_OPEN_TIMEOUT_S,
) -> FeedConnection:
    """Open the feed at `url` (which carries the access token: never log it unredacted).

    A wss:// feed is verified against the system's CAs, or only `ca_file`'s when given.
    """
    host = urlsplit(url).hostname or "?"
    secure = url[:4].lower() == "wss:"
    try:
        ws = await connect(
            url,
            additional_headers=dict(headers),
            ssl=client_ssl_context(ca_file) if secure else None,
            open_timeout=open_timeout,
            max_size=_WS_MAX_SIZE,
            max_queue=4,
            compression=None,
            proxy=None,
            logger=_RedactingLogger(logging.getLogger("websockets.client"), {}),
        )
    except InvalidStatus as err:
        status = err.response.status_code
        if status in (401, 403):
            raise SenseTokenExpiredError(f"realtime feed refused the token: http {status}") from err
        raise SenseConnectionError(
            f"realtime feed upgrade refused by {host}: http {status}"
        ) from err
    except InvalidURI as err:
        raise SenseConfigError(
            f"realtime_url is not a ws:// or wss:// URL: {redact_url(url)}"
        ) from err
    except TimeoutError as err:
        raise SenseTimeoutError(
            f"realtime feed at {host} did not open in {open_timeout:g} s"
        ) from err
    except ssl.SSLCertVerificationError as err:
        raise SenseEndpointError(
            f"realtime feed at {host}: certificate not trusted ({err.verify_message}); "
            "set ca_file to the CA that signed it",
            attribute="ca_file",
        ) from err
    except ConnectionRefusedError as err:
        raise SenseEndpointError(
            f"realtime feed at {host}: connection refused; check realtime_url",
            attribute="realtime_url",
        ) from err
    except (OSError, WebSocketException) as err:
        raise SenseConnectionError(
            f"realtime feed at {host} unreachable: {redact(str(err))}"
        ) from err
    return FeedConnection(ws)
