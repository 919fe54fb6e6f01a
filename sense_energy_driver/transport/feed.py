"""Opening the realtime WebSocket, with every websockets error translated once."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from websockets.client import ClientProtocol
from websockets.exceptions import InvalidStatus, InvalidURI, WebSocketException
from websockets.http11 import USER_AGENT
from websockets.uri import parse_uri

from ..const import FEED_OPEN_TIMEOUT_S
from ..errors import (
    SenseConfigError,
    SenseConnectionError,
    SenseEndpointError,
    SenseTimeoutError,
    SenseTokenExpiredError,
)
from ..redact import redact, redact_url
from .feedconn import FeedConnection
from .tls import client_ssl_context

__all__ = ["FeedConnection", "open_feed"]

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
    try:
        uri = parse_uri(url)
        protocol = ClientProtocol(
            uri,
            max_size=_WS_MAX_SIZE,
            logger=_RedactingLogger(logging.getLogger("websockets.client"), {}),
        )
        request = protocol.connect()
        request.headers.update(headers)
        request.headers.setdefault("User-Agent", USER_AGENT)
        protocol.send_request(request)
        conn = FeedConnection(protocol)
        async with asyncio.timeout(open_timeout):
            await conn.open(uri.host, uri.port, client_ssl_context(ca_file) if uri.secure else None)
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
    return conn
