"""The sockets of the emulated plugs: one UDP socket and one TCP listener on the same host:port.

UDP carries Sense's broadcast poll and Kasa discovery; TCP (length-prefixed) carries the queries
Kasa clients make after discovery, to the port they discovered. Every datagram or request that is
too big, not encrypted JSON, an echo of an answer, or over its sender's rate is dropped and
counted; nothing a peer sends can stop the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Final, Protocol

from ..errors import SenseConfigError, SenseProtocolError
from .answers import is_echo
from .codec import LENGTH_PREFIX, decode_request, frame
from .devices import BindAddress
from .ratelimit import RateLimit, RateLimiter

__all__ = [
    "MAX_DATAGRAM_BYTES",
    "MAX_TCP_REQUEST_BYTES",
    "KasaCounters",
    "KasaServer",
    "Responder",
]

_LOGGER = logging.getLogger(__name__)

# A Kasa query is about 100 bytes; a tenfold margin still turns away anything else.
MAX_DATAGRAM_BYTES: Final = 1024
MAX_TCP_REQUEST_BYTES: Final = 16 * 1024
MAX_TCP_CONNECTIONS: Final = 16
TCP_IDLE_TIMEOUT_S: Final = 30.0
_FREE_PORT_TRIES: Final = 8
_STOP_TIMEOUT_S: Final = 5.0


class Responder(Protocol):
    """Turns one request into the encrypted answers (the service knows the plugs)."""

    def udp_answers(self, request: dict[str, Any]) -> list[bytes]: ...

    def tcp_answer(self, request: dict[str, Any]) -> bytes: ...


@dataclass(slots=True)
class KasaCounters:
    """Running totals, for get_proxy_devices and the tests."""

    requests: int = 0  # requests answered
    answers: int = 0  # datagrams and TCP responses sent
    malformed: int = 0  # not encrypted JSON of an object
    oversized: int = 0  # datagram or TCP request over its size limit
    echoes: int = 0  # answers looped back to us
    rate_limited: int = 0  # requests over their sender's rate
    refused: int = 0  # TCP connections over the limit
    errors: int = 0  # failures of our own while answering (logged)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, on_datagram: Callable[[bytes, Any], None]) -> None:
        self._on_datagram = on_datagram

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self._on_datagram(data, addr)

    def error_received(self, exc: Exception) -> None:
        _LOGGER.debug("kasa UDP socket error: %s", exc)


class KasaServer:
    """Listens on `bind` (UDP and TCP, one port) until `stop()`; port 0 picks a free port."""

    def __init__(
        self,
        responder: Responder,
        bind: BindAddress,
        *,
        rate_limit: RateLimit | None = None,
        clock: Callable[[], float],
    ) -> None:
        self._responder = responder
        self.requested = bind  # what was asked for (port 0: any free port)
        self._limiter = RateLimiter(rate_limit or RateLimit(), clock)
        self.counters = KasaCounters()
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[Any], asyncio.StreamWriter] = {}
        self.address: BindAddress | None = None  # where it listens, once started

    async def start(self) -> BindAddress:
        """Open both sockets; SenseConfigError naming the address when they cannot be had."""
        tries = _FREE_PORT_TRIES if self.requested.port == 0 else 1
        for attempt in range(tries):
            try:
                return await self._open()
            except OSError as err:
                await self.stop()
                if attempt + 1 == tries:
                    raise SenseConfigError(
                        f"cannot listen on {self.requested} (UDP and TCP) for proxy devices: "
                        f"{err.strerror or err}; is another Kasa emulator on that port? Set "
                        "kasa_bind to a free HOST:PORT"
                    ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _open(self) -> BindAddress:
        loop = asyncio.get_running_loop()
        host = self.requested.host
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Datagrams(self._on_datagram), local_addr=(host, self.requested.port)
        )
        self._udp = transport
        port = int(transport.get_extra_info("sockname")[1])
        self._tcp = await asyncio.start_server(self._on_connection, host, port)
        self.address = BindAddress(host, port)
        return self.address

    async def stop(self) -> None:
        """Close both sockets and every open TCP connection. Safe to call twice."""
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._tcp is not None:
            self._tcp.close()
            self._tcp = None
        # Aborting the sockets ends each handler normally (a cancelled handler task would be
        # reported by asyncio's stream callback as an error).
        for writer in self._connections.values():
            writer.transport.abort()
        tasks = list(self._connections)
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=_STOP_TIMEOUT_S)
            for task in late:
                task.cancel()
        self.address = None

    # --- UDP -------------------------------------------------------------------------------------

    def _on_datagram(self, data: bytes, addr: Any) -> None:
        counters = self.counters
        if len(data) > MAX_DATAGRAM_BYTES:
            counters.oversized += 1
            return
        try:
            request = decode_request(data)
        except SenseProtocolError as err:
            counters.malformed += 1
            _LOGGER.debug("kasa datagram from %s ignored: %s", addr[0], err)
            return
        if is_echo(request):
            counters.echoes += 1
            return
        if not self._limiter.allow(str(addr[0])):
            counters.rate_limited += 1
            return
        transport = self._udp
        try:
            answers = self._responder.udp_answers(request)
            for answer in answers:
                if transport is not None:
                    transport.sendto(answer, addr)
        except Exception:  # our own bug must not close the socket every plug answers on
            counters.errors += 1
            _LOGGER.exception("kasa: answering a datagram from %s failed", addr[0])
            return
        counters.requests += 1
        counters.answers += len(answers)

    # --- TCP -------------------------------------------------------------------------------------

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        if len(self._connections) >= MAX_TCP_CONNECTIONS:
            self.counters.refused += 1
            writer.close()
            return
        self._connections[task] = writer
        try:
            await self._serve(reader, writer)
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            pass  # the client left or went quiet: close our side
        except Exception:
            self.counters.errors += 1
            _LOGGER.exception("kasa: a TCP connection failed")
        finally:
            self._connections.pop(task, None)
            writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        counters = self.counters
        while True:
            async with asyncio.timeout(TCP_IDLE_TIMEOUT_S):
                (size,) = LENGTH_PREFIX.unpack(await reader.readexactly(LENGTH_PREFIX.size))
                if size > MAX_TCP_REQUEST_BYTES:
                    counters.oversized += 1
                    return
                body = await reader.readexactly(size)
            try:
                request = decode_request(body)
            except SenseProtocolError as err:
                counters.malformed += 1
                _LOGGER.debug("kasa TCP request ignored: %s", err)
                return
            writer.write(frame(self._responder.tcp_answer(request)))
            await writer.drain()
            counters.requests += 1
            counters.answers += 1
