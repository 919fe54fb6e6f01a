"""The dashboard as one async context manager: live feed, daily totals and a uvicorn server.

It serves from the host's own event loop (no thread, no second process), binds its socket
itself so a busy port is a plain OSError, and stops in well under a second: open event streams
are ended first, then the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Self

import uvicorn

from ..standalone.store import DEVICE
from .api import DashboardApi
from .app import build_app
from .bind import BindAddress, page_url
from .daily import CONNECTED, DailyUsage
from .live import LiveFeed
from .token import AccessToken

if TYPE_CHECKING:
    from ..standalone import Change, StandaloneHost

__all__ = ["Dashboard"]

_LOGGER = logging.getLogger(__name__)
START_TIMEOUT_S = 5.0

Command = Callable[[Mapping[str, object]], Awaitable[object]]


class _Server(uvicorn.Server):
    """uvicorn without signal handlers: the CLI owns Ctrl-C and stops us through `__aexit__`."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


def _listen(bind: BindAddress) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(
        bind.host, bind.port, type=socket.SOCK_STREAM
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


class Dashboard:
    """Serve the dashboard for `host` at `bind` while the `async with` block runs."""

    def __init__(
        self,
        host: StandaloneHost,
        command: Command,
        bind: BindAddress,
        *,
        token: AccessToken | None,
        stale_after: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if token is None and not bind.loopback:
            raise ValueError(f"{bind.host} is not a loopback address: an access token is needed")
        self.bind = bind
        self.host = host
        self.token = token
        self.live = LiveFeed(host, stale_after=stale_after, clock=clock)
        self.daily = DailyUsage(
            command,
            ready=lambda: host.current_device_values().get("feed_status") in CONNECTED,
            clock=clock,
            on_update=lambda snapshot: self.live.announce("daily", snapshot),
        )
        self.app = build_app(DashboardApi(host, self.live, self.daily, clock=clock), token)
        self.port = bind.port
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def url(self) -> str:
        """Where the page is, with the port actually bound."""
        return page_url(self.bind, self.port)

    def _on_change(self, change: Change) -> None:
        if change.scope == DEVICE and change.name == "feed_status" and change.value in CONNECTED:
            self.daily.poke()

    async def start(self) -> None:
        """Seed the live feed, bind, serve; returns once the port accepts connections."""
        await self.live.start()
        self._unsubscribe = self.host.subscribe(self._on_change)
        self._socket = sock = _listen(self.bind)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
            server_header=False,
        )
        self._server = server = _Server(config)
        self._task = asyncio.create_task(server.serve([sock]), name="sense-web-serve")
        ready = asyncio.create_task(server.ready.wait())
        try:
            await asyncio.wait(
                (self._task, ready), timeout=START_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            ready.cancel()
        if not server.ready.is_set():
            await self.stop()
            raise OSError(f"the web dashboard did not start on {self.url}")
        _LOGGER.info("web dashboard on %s", self.url)

    async def stop(self) -> None:
        """End the event streams, stop the server and the daily fetch; safe to call twice."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.live.stop()
        await self.daily.stop()
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            try:
                async with asyncio.timeout(5):
                    await asyncio.shield(self._task)
            except TimeoutError:
                self._server.force_exit = True
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            except (SystemExit, OSError):
                _LOGGER.debug("web server ended with an error", exc_info=True)
        self._server = None
        self._task = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
