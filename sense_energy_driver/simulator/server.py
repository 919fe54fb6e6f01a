"""SenseSimulator: one uvicorn server on loopback for the REST API and the realtime feed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import socket
import tempfile
import time
from collections.abc import Generator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Self

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, WebSocketRoute

from .auth import TokenStore, totp_key
from .clock import SimClock
from .faults import Faults, RateLimiter
from .feed import FeedHub
from .layout import DEFAULT_EMAIL, DEFAULT_PASSWORD, MonitorSpec, RateLimit, default_monitors
from .observe import Observer
from .rest import API_PREFIX, RestApi, error_response
from .scenarios import Scenarios
from .state import SimState
from .ticker import Ticker
from .tls import TlsFiles, make_tls_files

__all__ = ["SenseSimulator"]

_LOGGER = logging.getLogger(__name__)
_START_TIMEOUT = 5.0
DEFAULT_PROFILE = "real"  # "real": shaped as the recorded cloud; "spec": as the OpenAPI document


class _Server(uvicorn.Server):
    """uvicorn minus signal capture (the host owns Ctrl-C) and exit polling (stops in ms)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.exit_event = asyncio.Event()
        self.started_event = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.started_event.set()

    def exit(self) -> None:
        self.should_exit = True
        self.exit_event.set()

    async def main_loop(self) -> None:
        while not await self.on_tick(0):  # tick 0 refreshes the Date header
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self.exit_event.wait()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        state = self.server_state
        for connection in list(state.connections):
            connection.shutdown()
        if state.tasks:
            timeout = self.config.timeout_graceful_shutdown or 1
            _, pending = await asyncio.wait(list(state.tasks), timeout=timeout)
            for task in pending:
                task.cancel()
        for _ in range(3):  # let the closed transports run their connection_lost callbacks
            await asyncio.sleep(0)
        for server in self.servers:
            await server.wait_closed()


def _bind(host: str, port: int) -> socket.socket:
    """Bind the listening socket ourselves, so a busy port is a plain OSError, not SystemExit."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


class SenseSimulator(Scenarios):
    """The simulated Sense cloud on loopback, so clients can be tested without a Sense account."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        email: str = DEFAULT_EMAIL,
        password: str = DEFAULT_PASSWORD,
        mfa_secret: str | None = None,
        monitors: int | Sequence[MonitorSpec] = 1,
        solar: bool = True,
        token_lifetime: float = 86_400.0,
        speed: float = 1.0,
        interval: float = 0.5,
        rate_limits: Mapping[str, RateLimit] | None = None,
        seed: int = 0,
        start_time: datetime | None = None,
        tls: bool = False,
        tls_dir: str | Path | None = None,
        data_change_every: int = 40,
        device_states_every: int = 20,
        foreground_close_after: float = 1.0,
        user_id: str = "200001",
        profile: str | None = None,
    ) -> None:
        if mfa_secret is not None:
            totp_key(mfa_secret)  # fail now on a secret that is not base32
        specs = default_monitors(monitors, solar) if isinstance(monitors, int) else tuple(monitors)
        self.host = host
        self.port = port
        self.email = email
        self.password = password
        self.mfa_secret = mfa_secret
        self.seed = seed
        self.tls = tls
        self._tls_dir = Path(tls_dir) if tls_dir is not None else None
        self._tls_files: TlsFiles | None = None
        self._tmp_dir: Path | None = None
        self.clock = SimClock(start_time, speed)
        self.profile = profile or DEFAULT_PROFILE
        self.state = SimState(
            specs, seed, self.clock.start_ts, email, password, mfa_secret, user_id, self.profile
        )
        self.observer = Observer()
        self.faults = Faults()
        self.faults.foreground_close_after = foreground_close_after
        self.limiter = RateLimiter(rate_limits or {})
        self.tokens = TokenStore(self.state, self.clock, token_lifetime)
        self.hub = FeedHub(
            self.state,
            self.tokens,
            self.clock,
            self.faults,
            self.observer,
            data_change_every,
            device_states_every,
        )
        self.rest = RestApi(
            self.state, self.tokens, self.clock, self.faults, self.limiter, self.observer
        )
        self.ticker = Ticker(self.state, self.clock, self.hub, self.observer, interval)
        self._server: _Server | None = None
        self._serve_task: asyncio.Task[None] | None = None
        self._tick_task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None
        self.started_in: float | None = None

    # --- addresses --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """REST base, e.g. http://127.0.0.1:PORT/apiservice/api/v1 (no trailing slash)."""
        return self.base_url + API_PREFIX

    @property
    def realtime_url(self) -> str:
        """Feed base, e.g. ws://127.0.0.1:PORT; the feed is at /monitors/{id}/realtimefeed."""
        return f"{'wss' if self.tls else 'ws'}://{self.host}:{self.port}"

    def feed_url(self, monitor_id: str, access_token: str) -> str:
        """The full realtime feed URL for one monitor and token."""
        return f"{self.realtime_url}/monitors/{monitor_id}/realtimefeed?access_token={access_token}"

    @property
    def ca_file(self) -> Path | None:
        """The CA certificate to trust when tls=True."""
        return self._tls_files.ca_file if self._tls_files else None

    @property
    def running(self) -> bool:
        return self._serve_task is not None and not self._serve_task.done()

    # --- lifecycle --------------------------------------------------------------------------

    def app(self) -> Starlette:
        """The ASGI application (REST routes plus the WebSocket feed)."""
        routes: list[BaseRoute] = [
            *self.rest.routes(),
            WebSocketRoute("/monitors/{monitor_id}/realtimefeed", self.hub.handle),
        ]
        return Starlette(
            routes=routes,
            exception_handlers={HTTPException: self._http_error},
        )

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        reason = "Not found" if status == 404 else str(getattr(exc, "detail", "Error"))
        self.observer.request(request.method, request.url.path, status, "unknown")
        return error_response(status, reason)

    def _ssl_kwargs(self) -> dict[str, str]:
        if not self.tls:
            return {}
        directory = self._tls_dir
        if directory is None:
            directory = self._tmp_dir = Path(tempfile.mkdtemp(prefix="sense-sim-tls-"))
        self._tls_files = make_tls_files(directory)
        return {
            "ssl_certfile": str(self._tls_files.cert_file),
            "ssl_keyfile": str(self._tls_files.key_file),
        }

    async def start(self) -> None:
        """Bind, start serving and ticking; returns once the port accepts connections."""
        if self._serve_task is not None:
            raise RuntimeError("already started")
        began = time.perf_counter()
        self._socket = sock = _bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        try:
            config = uvicorn.Config(
                self.app(),
                ws="websockets-sansio",  # supports denial responses (HTTP 401/503 to an upgrade)
                log_level="warning",
                log_config=None,
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=1,
                ws_max_size=1 << 20,
                **self._ssl_kwargs(),  # type: ignore[arg-type]
            )
            self._server = server = _Server(config)
            serve = asyncio.create_task(server.serve([sock]), name="sense-simulator-serve")
            self._serve_task = serve
            started = asyncio.create_task(server.started_event.wait())
            try:
                await asyncio.wait(
                    (serve, started), timeout=_START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                started.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await started
            if not server.started:
                with contextlib.suppress(SystemExit):
                    serve.result()
                raise RuntimeError("the simulator's server did not start")
        except BaseException:
            await self.stop()
            raise
        self.clock.restart()
        self.ticker.sample_all(0)
        self._tick_task = asyncio.create_task(self.ticker.run(), name="sense-simulator-ticker")
        self.started_in = time.perf_counter() - began
        _LOGGER.info("Sense simulator on %s (%.3f s to start)", self.base_url, self.started_in)

    async def stop(self) -> None:
        """Close feeds promptly, stop the ticker and server; leaves no task or socket behind."""
        if self._serve_task is not None and not self._serve_task.done():
            await self.hub.close_all()
        if self._tick_task is not None:
            self._tick_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._tick_task
            self._tick_task = None
        if self._server is not None and self._serve_task is not None:
            self._server.exit()
            try:
                async with asyncio.timeout(5):
                    await asyncio.shield(self._serve_task)
            except (SystemExit, RuntimeError):
                _LOGGER.debug("server task ended with an error", exc_info=True)
            except TimeoutError:
                self._server.force_exit = True
                self._serve_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._serve_task
        self._server = None
        self._serve_task = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._tmp_dir is not None:
            shutil.rmtree(self._tmp_dir, ignore_errors=True)
            self._tmp_dir = None

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
