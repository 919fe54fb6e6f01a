"""The REST transport: one httpx request at a time, with every httpx error translated once."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from ..const import HTTP_MAX_BODY_BYTES, HTTP_TIMEOUT_S
from ..errors import (
    SenseConfigError,
    SenseConnectionError,
    SenseEndpointError,
    SenseError,
    SenseProtocolError,
    SenseTimeoutError,
)
from ..redact import redact
from .tls import client_ssl_context

__all__ = ["HttpResponse", "HttpTransport"]

E = TypeVar("E", bound=BaseException)

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """What the API layer needs of an answer, so it never sees an httpx type."""

    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes


def _host_of(url: str) -> str:
    """Host and port only: a URL's userinfo, path and query stay out of messages."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


def _ssl_verify(verify: bool | str | ssl.SSLContext) -> bool | ssl.SSLContext:
    """httpx 0.28 deprecates a CA path for `verify`; hand it a (cached) context instead."""
    if verify is True or isinstance(verify, str):
        return client_ssl_context(verify if isinstance(verify, str) else None)
    return verify


def _cause(err: BaseException, kind: type[E]) -> E | None:
    """httpx wraps the socket or ssl error a layer or two deep; find it in the cause chain."""
    seen: set[int] = set()
    cur: BaseException | None = err
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, kind):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return None


# What an ssl handshake against a server that does not speak TLS (an http:// port) looks like.
_NOT_TLS = (
    "WRONG_VERSION_NUMBER",
    "record layer failure",
    "packet length too long",
    "http request",
)


class HttpTransport:
    """Sends requests under one base URL; the (possibly shared) client is the caller's if given."""

    def __init__(
        self,
        base_url: str,
        *,
        client: httpx.AsyncClient | None = None,
        timeout: float = HTTP_TIMEOUT_S,
        verify: bool | str | ssl.SSLContext = True,
        max_body: int = HTTP_MAX_BODY_BYTES,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._max_body = max_body
        self._host = _host_of(base_url)
        self._timeout = timeout
        self._owns_client = client is None
        # A shared client serves many drivers: no base_url on it, a timeout on every request.
        self._client = (
            client
            if client is not None
            else httpx.AsyncClient(
                verify=_ssl_verify(verify), timeout=timeout, follow_redirects=False
            )
        )

    @property
    def base_url(self) -> str:
        return self._base_url

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """Send one request; raises only SenseError subclasses, never an httpx exception.

        Bounded twice: httpx's timeout per phase, and twice that for the whole exchange, so a
        server that drips its answer a byte at a time cannot hold a caller. A body larger than
        `max_body` bytes is refused after reading that much.
        """
        request = self._client.build_request(
            method,
            self._base_url + path,
            params=params,
            data=form,
            headers=headers,
            timeout=self._timeout,
        )
        try:
            async with asyncio.timeout(2 * self._timeout):
                resp = await self._client.send(request, stream=True)
                try:
                    body = await self._read(resp, method, path)
                finally:
                    await resp.aclose()
        except TimeoutError as err:
            if isinstance(err, SenseError):
                raise
            raise SenseTimeoutError(
                f"{method} {path} to {self._host}: no complete answer within "
                f"{2 * self._timeout:g} s"
            ) from None
        except httpx.HTTPError as err:
            raise self._translate(method, path, err) from err
        except httpx.InvalidURL as err:
            raise SenseConfigError(f"api_url is not a valid URL (host {self._host})") from err
        _LOGGER.debug("%s %s -> %d", method, path, resp.status_code)
        return HttpResponse(
            status=resp.status_code,
            headers={k.lower(): v for k, v in resp.headers.items()},
            body=body,
        )

    async def _read(self, resp: httpx.Response, method: str, path: str) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.aiter_bytes():
            size += len(chunk)
            if size > self._max_body:
                raise SenseProtocolError(
                    f"{method} {path} to {self._host}: answer larger than "
                    f"{self._max_body} bytes; refused"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _translate(self, method: str, path: str, err: httpx.HTTPError) -> SenseError:
        """The one place httpx errors become ours; messages name the host, never a query."""
        where = f"{method} {path} to {self._host}"
        detail = redact(str(err)) or type(err).__name__
        if isinstance(err, httpx.TimeoutException):
            return SenseTimeoutError(f"{where}: no answer within {self._timeout:g} s")
        if isinstance(err, httpx.UnsupportedProtocol):
            return SenseConfigError(f"api_url must start with http:// or https:// ({detail})")
        cert = _cause(err, ssl.SSLCertVerificationError)
        if cert is not None or "CERTIFICATE_VERIFY_FAILED" in detail:
            reason = detail
            if cert is not None:
                reason = getattr(cert, "verify_message", None) or str(cert)
            return SenseEndpointError(
                f"{where}: the TLS certificate was not trusted ({reason}); "
                "set ca_file to the CA certificate (PEM) that signed it",
                attribute="ca_file",
            )
        tls = _cause(err, ssl.SSLError)
        if tls is not None and any(sign in str(tls) for sign in _NOT_TLS):
            return SenseEndpointError(
                f"{where}: the server does not speak TLS ({redact(str(tls))}); "
                "if it is an http:// server, set api_url to http://...",
                attribute="api_url",
            )
        if _cause(err, ConnectionRefusedError) is not None:
            return SenseEndpointError(
                f"{where}: connection refused; check api_url (host and port)",
                attribute="api_url",
            )
        if isinstance(err, httpx.TransportError):
            return SenseConnectionError(f"{where} failed: {detail}")
        return SenseProtocolError(f"{where}: unusable response: {detail}")

    async def aclose(self) -> None:
        """Close the client only if this transport created it; an injected one is the caller's."""
        if self._owns_client:
            await self._client.aclose()
