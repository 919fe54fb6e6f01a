"""SenseEnergyDriver: wires the parts and is the only one that talks to the host.

Lifecycle calls (connect, disconnect, attribute_changed, reconnect, submit_mfa) are serialized by
one lock, so overlapping calls cannot leak a feed or start one twice; logins run as supervised
tasks that disconnect() can stop at any point.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from .config import DriverConfig, read_config
from .errors import SenseCommandError, SenseConfigError, SenseEndpointError, SenseError
from .frames import FeedMessage
from .handlers import COMMANDS, realtime_answer
from .hostport import HostPort
from .login import Login
from .monitor import MonitorSession
from .parts import LIVE_SETTINGS, Parts
from .proxy import ProxyService
from .realtime import FeedCounters, FeedStatus
from .source import FeedHealth
from .supervisor import Supervisor
from .timing import Timing
from .writer import SampleWriter

if TYPE_CHECKING:
    import httpx

    from .host import Host

__all__ = ["SenseEnergyDriver", "Timing"]

_LOGGER = logging.getLogger(__name__)

# Attributes the driver writes itself: a change notification for them is its own echo.
_OWN = frozenset({"refresh_token", "user_id", "installation_id", "selected_monitor_id"})
_RESTART = frozenset({"username", "password", "totp_secret", "monitor_id"})
_REBUILD = frozenset({"api_url", "realtime_url", "ca_file"})


class SenseEnergyDriver:
    """Connects one host device to one Sense monitor; see docs/host-integration.md."""

    def __init__(
        self,
        host: Host,
        *,
        http_client: httpx.AsyncClient | None = None,
        timing: Timing | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self._http_client = http_client
        self._timing = timing or Timing()
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._port = HostPort(host, self._secrets)
        self._health = FeedHealth(self._port)
        self._supervisor = Supervisor(
            on_crash=self._crashed, backoff=self._timing.backoff, rng=self._rng
        )
        self._lock = asyncio.Lock()
        self._cfg: DriverConfig | None = None
        self._wanted = False  # connect() was called and disconnect() was not
        self._monitor: MonitorSession | None = None
        self._parts: Parts | None = None
        self._login = Login(
            self,
            lock=self._lock,
            supervisor=self._supervisor,
            health=self._health,
            timing=self._timing,
            rng=self._rng,
        )
        self._proxies = ProxyService(clock=clock, log=self.log)  # proxy devices (issue 17)
        self._offline_writer: SampleWriter | None = None

    def __repr__(self) -> str:
        return f"SenseEnergyDriver(status={self._health.status.value}, running={self.running})"

    @property
    def running(self) -> bool:
        """Whether connect() has set the driver up (it may still be logging in)."""
        return self._monitor is not None

    # --- lifecycle -------------------------------------------------------------------------------

    async def connect(self) -> None:
        """Read configuration, log in, pick the monitor, start the poller and the feed.

        Returns once logged in, or after `Timing.connect_deadline` with the login going on in the
        background. Bad configuration raises SenseConfigError; failures shaped like it
        (connection refused, TLS not trusted or not spoken, a 404 on the API path) raise
        SenseEndpointError at once, its `attribute` naming what to fix. Rejected credentials are
        logged and not retried until they change; an unreachable cloud is retried in the
        background with backoff. Neither raises: the host keeps running. After a refused
        connect(), the next attribute_changed() tries again.
        """
        async with self._lock:
            self._wanted = True
            if self._monitor is not None:
                return
            cfg = self._read_config()
            self._port.open()
            self._cfg = cfg
            await self._proxies.apply(cfg.proxy_devices, cfg.kasa_bind)
            self._monitor = await self._new_session(cfg)
            waiter = await self._login.begin()
        try:
            await self._login.wait(waiter, self._timing.connect_deadline)
        except (SenseConfigError, SenseEndpointError):
            self._login.abandon()
            async with self._lock:
                await self._teardown()  # still wanted: a fixed configuration connects
            raise

    async def disconnect(self) -> None:
        """Stop everything; leaves no task, socket or connection behind. Safe to call twice."""
        self._login.stop()  # a connect() or reconnect waiting for a login returns now
        async with self._lock:
            self._wanted = False
            await self._teardown()

    async def _teardown(self) -> None:
        """Close everything that was opened, each step whatever the others did."""
        monitor, self._parts, self._monitor = self._monitor, None, None
        try:
            await self._supervisor.stop()  # re-raises only the caller's own cancellation
        finally:
            for step in (self._proxies.stop, monitor.close if monitor else None):
                if step is not None:
                    try:
                        await step()
                    except Exception as err:  # closing is what we wanted anyway
                        self.log(logging.DEBUG, f"while disconnecting: {type(err).__name__}: {err}")
            if monitor is not None:
                await self._health.set(FeedStatus.STOPPED)
            self._port.close()  # nothing reaches the host after disconnect()

    async def command(self, cmd: Mapping[str, object]) -> object:
        """Run one command (`cmd["action"]`); the result is JSON-serialisable.

        Every command answers or raises within `Timing.command_deadline` seconds.
        """
        spec = COMMANDS.find(cmd)
        args = spec.parse(cmd)
        deadline = self._timing.command_deadline
        try:
            async with asyncio.timeout(deadline):
                return await spec.body(self, args)
        except TimeoutError as err:
            if isinstance(err, SenseError):
                raise
            raise SenseCommandError(
                f"{spec.name}: no answer within {deadline:g} s; Sense is slow or unreachable"
            ) from None

    async def attribute_changed(self, name: str) -> None:
        """Apply a configuration change without a restart.

        Transactional: the new configuration is read and checked in full first, a new monitor_id
        against the account, new endpoints by logging in through them; a bad value is logged,
        raised (SenseConfigError, or SenseEndpointError naming the attribute), and the running
        configuration stays in force.
        """
        if name in _OWN:
            return
        async with self._lock:
            old, monitor, candidate = self._cfg, self._monitor, None
            try:
                cfg = self._read_config()
                if monitor is not None and name == "monitor_id":
                    await self._login.check_monitor(monitor, cfg.monitor_id)
                if monitor is not None and name in _REBUILD:
                    candidate = await self._new_session(cfg)
                    await self._login.try_endpoints(candidate)
            except (SenseConfigError, SenseEndpointError) as err:
                self.log(
                    logging.ERROR,
                    f"{name}: new value rejected, the running configuration stays: {err}",
                )
                raise
            self._cfg = cfg
            if name in ("proxy_devices", "kasa_bind"):
                await self._proxies.apply(cfg.proxy_devices, cfg.kasa_bind)
                return
            if monitor is None or old is None:
                waiter = None
            else:
                waiter = await self._apply(name, cfg, monitor, candidate)
            connect = monitor is None and self._wanted  # a refused connect(), now fixable
        if waiter is not None:
            await self._login.wait(waiter, self._timing.connect_deadline)
        elif connect:
            await self.connect()

    async def _apply(
        self, name: str, cfg: DriverConfig, monitor: MonitorSession, new: MonitorSession | None
    ) -> asyncio.Future[None] | None:
        scale = self._timing.interval_scale
        parts = self._parts
        monitor.cfg = cfg  # parts built by a login still under way read the new values
        if name in _RESTART:
            self.log(logging.INFO, f"{name} changed; logging in again")
            await self._supervisor.stop()
            self._parts = None
            if name != "monitor_id":
                monitor.update_credentials(cfg)
            return await self._login.begin()
        if name in _REBUILD and new is not None:
            self.log(logging.INFO, f"{name} changed; reconnecting")
            await self._supervisor.stop()
            self._parts = None
            await monitor.close()
            self._monitor = new
            if new.monitor is None:
                return await self._login.begin()  # not logged in through it yet: retry
            self.start_parts(new)
        elif name in LIVE_SETTINGS:
            if parts is not None:
                parts.retune(name, cfg, scale)
        else:
            self.log(logging.WARNING, f"attribute '{name}' is not one this driver reads; ignored")
        return None

    def _read_config(self) -> DriverConfig:
        return read_config(self._port.get_attribute, self.log)

    async def _new_session(self, cfg: DriverConfig) -> MonitorSession:
        installation = cfg.installation_id or uuid.uuid4().hex
        if cfg.installation_id is None:
            await self._port.set_device("installation_id", installation)
        return MonitorSession(
            cfg,
            installation_id=installation,
            persist=self._port.write_once,
            log=self.log,
            retry=self._timing.retry,
            clock=self._clock,
            http_client=self._http_client,
        )

    # --- the parts of a logged-in connection ------------------------------------------------------

    def start_parts(self, monitor: MonitorSession) -> None:
        """Logged in: build the poller, energy history and realtime source, and run them."""
        parts = Parts(
            monitor,
            port=self._port,
            health=self._health,
            timing=self._timing,
            clock=self._clock,
            rng=self._rng,
            observer=self._proxies,
        )
        self._parts = parts
        for name, factory in parts.tasks():
            self._supervisor.spawn(name, factory)

    async def stop_parts(self) -> None:
        """Stop what start_parts started (before a fresh login)."""
        parts, self._parts = self._parts, None
        if parts is not None:
            for name, _ in parts.tasks():
                await self._supervisor.cancel(name)

    async def _crashed(self, name: str, err: BaseException, crashes: int) -> None:
        """A supervised task raised something unforeseen: say so once, it restarts itself."""
        what = f"{type(err).__name__}: {err}"
        level = logging.ERROR if crashes == 1 else logging.DEBUG
        self.log(level, f"internal error in {name} (restarting it): {what}")
        _LOGGER.debug("traceback of the %s crash", name, exc_info=err)
        await self._health.error(f"internal error in {name}: {what}")
        if name == "sense-realtime":
            await self._health.set(FeedStatus.RECONNECTING)

    # --- CommandContext --------------------------------------------------------------------------

    def session(self) -> MonitorSession:
        if self._monitor is None:
            raise SenseCommandError("the driver is not connected; call connect() first")
        return self._monitor

    def parts(self) -> Parts:
        monitor = self.session()
        if self._parts is None:
            raise monitor.not_logged_in()
        return self._parts

    def clock(self) -> float:
        return self._clock()

    @property
    def feed_status(self) -> FeedStatus:
        return self._health.status

    @property
    def stale_after(self) -> float:
        return self._timing.inactivity_timeout

    async def reconnect(self) -> dict[str, object]:
        return await self._login.reconnect()

    async def submit_mfa(self, code: str) -> dict[str, object]:
        return await self._login.submit_mfa(code)

    # --- health, log, replay ---------------------------------------------------------------------

    def realtime_now(self) -> dict[str, object] | None:
        """What get_realtime answers, without awaiting: for tools and benchmarks that sample it
        from inside a host write."""
        return realtime_answer(self)

    @property
    def proxies(self) -> ProxyService:
        """The proxy devices (issue 17): their readings, their Kasa plugs, their commands."""
        return self._proxies

    @property
    def feed_counters(self) -> FeedCounters | None:
        """The realtime feed's running totals (frames, skipped, opens, closes), if it runs."""
        parts = self._parts
        return parts.realtime.counters if parts is not None else None

    def log(self, level: int, message: str) -> None:
        """Write to the device log (and this module's logger) with every secret removed."""
        self._port.log(level, message)

    def _secrets(self) -> list[str | None]:
        cfg, monitor = self._cfg, self._monitor
        out: list[str | None] = []
        if cfg is not None:
            out += [cfg.password, cfg.totp_secret, cfg.refresh_token]
        if monitor is not None:
            out += monitor.secrets()
        return out

    async def on_message(self, message: FeedMessage) -> None:
        """Apply one decoded feed message as the realtime loop would: for replay tools and
        benchmarks that push recorded frames through the write step without a connection."""
        parts = self._parts
        if parts is not None:
            await parts.realtime.on_message(message)
            return
        if self._offline_writer is None:
            self._offline_writer = SampleWriter(self._port, clock=self._clock)
        await self._offline_writer.on_message(message)
