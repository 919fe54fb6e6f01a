"""SenseEnergyDriver: the host lifecycle (connect / command / attribute_changed / disconnect)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .api import SenseApi
from .backoff import Backoff
from .commands import COMMANDS, parse_args
from .config import DriverConfig, read_config
from .const import DEVICE_ID_HEADER, FEED_INACTIVITY_TIMEOUT_S, MSGPACK_CONTENT_TYPE
from .energy import EnergyHistory
from .errors import (
    SenseAuthError,
    SenseCommandError,
    SenseConfigError,
    SenseError,
    SenseForbiddenError,
    SenseMfaRequiredError,
    SenseNotFoundError,
)
from .fallback import RealtimeFallback
from .frames import REALTIME_UPDATE, FeedMessage
from .history import HistorySource
from .models import (
    AuthResponse,
    DataChange,
    Device,
    MonitorStatus,
    MonitorSummary,
    RealtimePayload,
)
from .poller import DevicePoller, Retrained
from .proxy import ProxyService  # proxy devices (issue 17)
from .queries import CommandBodies
from .realtime import FeedCounters, FeedStatus, RealtimeFeed
from .redact import redact
from .samples import SampleDiff
from .session import Credentials, RetryPolicy, SenseSession
from .transport.feed import FeedConnection, open_feed
from .transport.http import HttpTransport

if TYPE_CHECKING:
    import httpx

    from .host import Host

__all__ = ["SenseEnergyDriver", "Timing"]

_LOGGER = logging.getLogger(__name__)

# How long a followed zone may stay on after its id vanished, waiting for the refreshed list.
_HOLD_OFFS_S = 5.0


@dataclass(frozen=True, slots=True)
class Timing:
    """Every wait the driver makes, in one injectable place so tests run fast.

    `interval_scale` multiplies the driver's own periods (status_interval, the REST fallback's
    rate, the history refresh); 1.0 in production.
    """

    backoff: Backoff = field(default_factory=Backoff)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    inactivity_timeout: float = FEED_INACTIVITY_TIMEOUT_S
    interval_scale: float = 1.0
    fallback_after: int = 3
    reconnect_timeout: float = 30.0


class SenseEnergyDriver(CommandBodies):
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
        self._host = host
        self._http_client = http_client
        self._timing = timing or Timing()
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._cfg: DriverConfig | None = None
        self._http: HttpTransport | None = None
        self._api: SenseApi | None = None
        self._session: SenseSession | None = None
        self._monitor: MonitorSummary | None = None
        self._feed: RealtimeFeed | None = None
        self._poller: DevicePoller | None = None
        self._fallback: RealtimeFallback | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._diff = SampleDiff()
        self._payload: RealtimePayload | None = None
        self._received_at = 0.0
        self._hold_offs_until = 0.0  # clock time until which zones may not go off (retraining)
        self._hold_until_fetch = 0  # ... or until the device list of this fetch is applied
        self._host_failures: set[str] = set()  # host calls that failed, each warned about once
        self._aliases: dict[str, str] = {}
        self._checksum: str | None = None
        self._written: dict[str, object] = {}
        self._auth_error: SenseAuthError | None = None
        self._feed_token: str | None = None
        self._history_failing = False  # avg_monthly_kwh warned about once, repeats at DEBUG
        self._proxies = ProxyService(clock=clock, log=self.log)  # proxy devices (issue 17)

    # --- lifecycle -------------------------------------------------------------------------------

    async def connect(self) -> None:
        """Read configuration, log in, pick the monitor, start the poller and the feed.

        Returns once logged in. Bad configuration raises SenseConfigError. Rejected credentials
        are logged (in the spec's words) and not retried until they change; an unreachable cloud
        is retried in the background with backoff. Neither raises: the host keeps running.
        """
        if self._session is not None:
            return
        cfg = read_config(self._host.get_attribute, self.log)
        self._cfg = cfg
        await self._proxies.apply(cfg.proxy_devices, cfg.kasa_bind)  # proxy devices (issue 17)
        await self._build(cfg)
        await self._write_status(FeedStatus.CONNECTING)
        # The login runs as our own task so that disconnect() can stop it mid-request.
        task = asyncio.get_running_loop().create_task(self._start_or_retry(), name="sense-connect")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if task.cancelled() and not (current is not None and current.cancelling()):
                return  # disconnect() stopped the login: not an error for the caller
            task.cancel()
            raise
        except SenseConfigError:
            await self.disconnect()
            raise

    async def disconnect(self) -> None:
        """Stop everything; leaves no task, socket or connection behind. Safe to call twice."""
        await self._stop_components()
        await self._proxies.stop()  # proxy devices (issue 17)
        if self._http is not None:
            await self._http.aclose()
        was_running = self._session is not None
        self._http = self._api = self._session = None
        if was_running:
            await self._write_status(FeedStatus.STOPPED)

    async def command(self, cmd: Mapping[str, object]) -> object:
        """Run one command (`cmd["action"]`); the result is JSON-serialisable."""
        if not isinstance(cmd, Mapping):
            raise SenseCommandError("a command must be an object with an 'action'")
        action = cmd.get("action")
        spec = COMMANDS.get(action) if isinstance(action, str) else None
        if spec is None:
            raise SenseCommandError(
                f"unknown action {action!r}; valid actions: {', '.join(sorted(COMMANDS))}"
            )
        return await spec.handler(self, parse_args(spec, cmd))

    async def attribute_changed(self, name: str) -> None:
        """Apply a configuration change without a restart; a bad new value keeps the old one."""
        if name in ("refresh_token", "user_id", "installation_id", "selected_monitor_id"):
            return  # written by the driver itself
        cfg = read_config(self._host.get_attribute, self.log)
        old, self._cfg = self._cfg, cfg
        if name in ("proxy_devices", "kasa_bind"):  # proxy devices (issue 17)
            await self._proxies.apply(cfg.proxy_devices, cfg.kasa_bind)
            return
        if self._session is None or old is None:
            await self.connect()
            return
        if name in ("username", "password", "totp_secret"):
            self.log(logging.INFO, f"{name} changed; logging in again")
            self._session.update_credentials(self._credentials(cfg))
            await self._restart_session()
        elif name in ("api_url", "realtime_url", "ca_file"):
            self.log(logging.INFO, f"{name} changed; reconnecting")
            await self.disconnect()
            await self.connect()
        elif name == "monitor_id":
            await self._restart_session()
        elif name == "status_interval":
            if self._poller is not None:
                self._poller.set_interval(cfg.status_interval_s * self._timing.interval_scale)
        elif name == "follow_retraining":
            self._aliases = self._follow_map() if cfg.follow_retraining else {}
        elif name == "realtime_poll_interval":
            fallback = self._fallback
            if fallback is not None:
                fallback.set_interval(cfg.realtime_poll_s * self._timing.interval_scale)
        else:
            self.log(logging.WARNING, f"attribute '{name}' is not one this driver reads; ignored")

    @property
    def proxies(self) -> ProxyService:
        """The proxy devices (issue 17): their readings, their Kasa plugs, their commands."""
        return self._proxies

    @property
    def feed_counters(self) -> FeedCounters | None:
        """The realtime feed's running totals (frames, skipped, opens, closes), if it runs."""
        return self._feed.counters if self._feed is not None else None

    # --- device log and host writes --------------------------------------------------------------

    def log(self, level: int, message: str) -> None:
        """Write to the device log (and this module's logger) with every secret removed."""
        text = redact(message, self._secrets())
        _LOGGER.log(level, "%s", text)
        try:
            self._host.log(level, text)
        except Exception:  # the host's log failing must not take the driver down
            if self._host_failed("log"):
                _LOGGER.exception("host log failed (repeats are logged at DEBUG)")

    def _secrets(self) -> list[str | None]:
        cfg, session = self._cfg, self._session
        out: list[str | None] = []
        if cfg is not None:
            out += [cfg.password, cfg.totp_secret, cfg.refresh_token]
        if session is not None:
            out += [session.access_token, session.refresh_token]
        return out

    async def _set_device(self, name: str, value: object) -> None:
        try:
            await self._host.set_device_attribute(name, value)
        except Exception as err:  # a host that cannot store one value must not stop the feed
            self._host_rejected(name, f"device attribute {name}", err)

    def _host_rejected(self, key: str, what: str, err: Exception) -> None:
        level = logging.WARNING if self._host_failed(key) else logging.DEBUG
        _LOGGER.log(level, "host rejected %s: %s", what, err)

    def _host_failed(self, what: str) -> bool:
        """Note a host failure; True the first time for `what` (escalation, not spam)."""
        first = what not in self._host_failures
        self._host_failures.add(what)
        return first

    async def _write_once(self, name: str, value: object) -> None:
        """Write a health attribute only when it changed."""
        if self._written.get(name) != value:
            self._written[name] = value
            await self._set_device(name, value)

    async def _write_status(self, status: FeedStatus) -> None:
        await self._write_once("feed_status", status.value)

    async def _write_error(self, text: str) -> None:
        await self._write_once("last_error", redact(text, self._secrets())[:200])

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- session and monitor ---------------------------------------------------------------------

    def _credentials(self, cfg: DriverConfig) -> Credentials:
        return Credentials(cfg.username, cfg.password, totp_secret=cfg.totp_secret)

    async def _build(self, cfg: DriverConfig) -> None:
        installation = cfg.installation_id or uuid.uuid4().hex
        if cfg.installation_id is None:
            await self._set_device("installation_id", installation)
        self._http = HttpTransport(
            cfg.api_url, client=self._http_client, verify=cfg.ca_file or True
        )
        self._api = SenseApi(self._http, device_id=installation)
        self._installation = installation
        self._session = SenseSession(
            self._api,
            self._credentials(cfg),
            refresh_token=cfg.refresh_token,
            user_id=cfg.user_id,
            retry=self._timing.retry,
            clock=self._clock,
            on_auth=self._on_auth,
        )
        self._history = HistorySource(self._api, self._session.call)

    async def _on_auth(self, auth: AuthResponse) -> None:
        """Keep the refresh token through the host, so a restart renews instead of logging in.

        A body that lacks a field (the real /renew may leave out user_id) keeps the stored value.
        """
        self._auth_error = None
        if auth.refresh_token:
            await self._write_once("refresh_token", auth.refresh_token)
        if auth.user_id_str:
            await self._write_once("user_id", auth.user_id_str)

    async def _start_or_retry(self) -> None:
        try:
            await self._start_session()
        except SenseConfigError:
            raise
        except SenseAuthError as err:
            await self._auth_failed(err)
        except SenseError as err:
            self.log(logging.WARNING, f"cannot reach Sense yet: {err}; retrying in the background")
            await self._write_error(str(err))
            self._spawn(self._login_retry(), "sense-login-retry")

    async def _login_retry(self) -> None:
        failures = 1
        while True:
            await asyncio.sleep(self._timing.backoff.delay(failures, self._rng))
            try:
                await self._start_session()
                return
            except SenseAuthError as err:
                await self._auth_failed(err)
                return
            except SenseConfigError as err:
                self.log(logging.ERROR, str(err))
                await self._write_error(str(err))
                return
            except SenseError as err:
                failures += 1
                self.log(logging.DEBUG, f"still cannot reach Sense (attempt {failures}): {err}")

    async def _auth_failed(self, err: SenseAuthError) -> None:
        self._auth_error = err
        hint = (
            "set totp_secret, or run the submit_mfa command with a code"
            if isinstance(err, SenseMfaRequiredError)
            else "check username and password; no retry until they change"
        )
        self.log(logging.ERROR, f"{err} ({hint})")
        await self._write_status(FeedStatus.AUTH_FAILED)
        await self._write_error(str(err))

    def _require_session(self) -> SenseSession:
        if self._session is None:
            raise SenseCommandError("the driver is not connected; call connect() first")
        return self._session

    async def _start_session(self, *, fresh: bool = False) -> None:
        session = self._require_session()
        await session.login(fresh=fresh)
        monitor = await self._find_monitor(session)
        self._monitor = monitor
        await self._write_once("selected_monitor_id", monitor.monitor_id)
        self.log(logging.INFO, f"logged in; monitor {monitor.monitor_id}")
        self._start_components()

    async def _find_monitor(self, session: SenseSession) -> MonitorSummary:
        """The monitor to follow. Sense's /renew answer lists no monitors: then the configured
        or previously selected id is looked up through its overview, with no password login."""
        if session.monitors:
            return self._select_monitor(session.monitors)
        assert self._cfg is not None
        configured = self._cfg.monitor_id
        known = configured or self._selected_monitor_id()
        if known is not None:
            try:
                return await self._monitor_overview(session, known)
            except (SenseNotFoundError, SenseForbiddenError) as err:
                if configured is not None:
                    raise SenseConfigError(
                        f"monitor_id '{configured}' is not on this account ({err})"
                    ) from err
                self.log(logging.INFO, f"stored monitor {known} is gone ({err}); logging in")
        await session.login(fresh=True)  # only a login lists the account's monitors
        return self._select_monitor(session.monitors)

    def _selected_monitor_id(self) -> str | None:
        if self._monitor is not None:
            return self._monitor.monitor_id
        return self._cfg.selected_monitor_id if self._cfg is not None else None

    async def _monitor_overview(self, session: SenseSession, monitor_id: str) -> MonitorSummary:
        api = self._api
        assert api is not None
        overview = await session.call(
            lambda t: api.get_monitor_overview(t, monitor_id), name="monitor overview"
        )
        detail = overview.monitor_overview.monitor
        if detail is None:
            return MonitorSummary(id=monitor_id)
        return MonitorSummary(
            id=monitor_id,
            serial_number=detail.serial_number,
            time_zone=detail.time_zone,
            solar_configured=detail.solar_configured,
        )

    def _select_monitor(self, monitors: tuple[MonitorSummary, ...]) -> MonitorSummary:
        assert self._cfg is not None
        ids = [m.monitor_id for m in monitors]
        wanted = self._cfg.monitor_id
        if wanted is not None:
            for monitor in monitors:
                if monitor.monitor_id == wanted:
                    return monitor
            raise SenseConfigError(
                f"monitor_id '{wanted}' is not on this account; its monitors: {', '.join(ids)}"
            )
        if not monitors:
            raise SenseConfigError("the Sense account has no monitors")
        if len(monitors) > 1:
            raise SenseConfigError(
                f"the account has several monitors ({', '.join(ids)}); set monitor_id to one"
            )
        return monitors[0]

    async def _restart_session(self) -> None:
        await self._stop_components()
        self._diff.reset()
        await self._write_status(FeedStatus.CONNECTING)
        await self._start_or_retry()

    # --- components ------------------------------------------------------------------------------

    def _start_components(self) -> None:
        assert self._cfg is not None and self._monitor is not None
        scale = self._timing.interval_scale
        monitor_id = self._monitor.monitor_id
        session, api = self._require_session(), self._api
        assert api is not None
        self._poller = DevicePoller(
            lambda: session.call(lambda t: api.get_devices_overview(t, monitor_id), name="devices"),
            self._on_devices,
            interval=self._cfg.status_interval_s * scale,
            log=self.log,
        )
        history = self._history
        self._energy = EnergyHistory(
            lambda scale, start, solar: history.period(monitor_id, scale, start, solar=solar),
            solar_configured=self._monitor.solar_configured,
            clock=self._clock,
            refresh_s=300.0 * scale,
        )
        self._fallback = RealtimeFallback(self, interval=self._cfg.realtime_poll_s * scale)
        self._feed = RealtimeFeed(
            self,
            backoff=self._timing.backoff,
            inactivity_timeout=self._timing.inactivity_timeout,
            rng=self._rng,
            on_unavailable=self._fallback.feed_failed,
        )
        self._poller.start()
        self._feed.start()
        self._spawn(self._energy_loop(), "sense-energy")

    async def _stop_components(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._feed is not None:
            await self._feed.stop()
        if self._poller is not None:
            await self._poller.stop()
        fallback = self._fallback
        if fallback is not None:
            await fallback.stop()
        self._feed = None
        self._poller = None

    async def _energy_loop(self) -> None:
        failing = False
        while True:
            try:
                totals = await self._energy.today()
            except SenseError as err:
                self.log(logging.DEBUG if failing else logging.WARNING, f"energy history: {err}")
                failing = True
            else:
                failing = False
                for name, value in totals.writes():
                    await self._write_once(name, value)
            await asyncio.sleep(300.0 * self._timing.interval_scale)

    # --- the realtime feed's handler -------------------------------------------------------------

    async def open_connection(self) -> FeedConnection:
        """Open the feed for the selected monitor with the current token."""
        session, cfg, monitor = self._require_session(), self._cfg, self._monitor
        assert cfg is not None and monitor is not None
        if session.access_token is None:
            await session.login()
        token = session.access_token or ""
        self._feed_token = token
        url = f"{cfg.realtime_url}/monitors/{monitor.monitor_id}/realtimefeed?access_token={token}"
        conn = await open_feed(
            url,
            headers={"Accept": MSGPACK_CONTENT_TYPE, DEVICE_ID_HEADER: self._installation},
            ca_file=cfg.ca_file,
        )
        self._diff.reset()  # the first sample on every connection writes everything
        return conn

    async def renew_token(self) -> None:
        await self._require_session().renew(self._feed_token)

    async def on_message(self, message: FeedMessage) -> None:
        payload = message.payload
        if message.type == REALTIME_UPDATE and isinstance(payload, RealtimePayload):
            await self.apply_sample(payload)
        elif isinstance(payload, DataChange):
            checksum = payload.device_data_checksum
            if checksum and checksum != self._checksum:
                poller = self._poller
                # The first checksum of a session is news too if the list was loaded before it,
                # unless that list carried the same checksum (the real overview does).
                if (
                    poller is not None
                    and checksum != poller.checksum
                    and (self._checksum is not None or poller.catalog.loaded)
                ):
                    self.log(logging.INFO, "device list changed on Sense; refreshing it now")
                    poller.trigger()
                    if self._cfg is not None and self._cfg.follow_retraining:
                        # A followed zone whose id just vanished waits for the new list: the
                        # one fetched after this message, not one already on its way.
                        self._hold_offs_until = self._clock() + _HOLD_OFFS_S
                        self._hold_until_fetch = poller.fetches + 1
                self._checksum = checksum

    async def on_status(self, status: FeedStatus, detail: str) -> None:
        fallback = self._fallback
        if status is FeedStatus.CONNECTED:
            if fallback is not None:
                await fallback.stop()
            await self._write_error("")
        elif status is FeedStatus.OFFLINE:
            await self._write_error(detail)
        elif fallback is not None and fallback.active and status is not FeedStatus.STOPPED:
            status = FeedStatus.POLLING
        await self._write_status(status)

    async def apply_sample(self, payload: RealtimePayload) -> None:
        """One sample: only the changed device and zone values written (the hot path)."""
        now = self._clock()
        self._payload, self._received_at = payload, now
        host = self._host  # the host is awaited directly: a wrapper coroutine per write costs
        for name, value in self._diff.device_writes(payload, now):
            try:
                await host.set_device_attribute(name, value)
            except Exception as err:
                self._host_rejected(name, f"device attribute {name}", err)
        for address, name, value in self._diff.zone_writes(
            payload, host.zone_addresses(), self._aliases, hold_offs=now < self._hold_offs_until
        ):
            try:
                await host.set_zone_attribute(address, name, value)
            except Exception as err:
                self._host_rejected(f"{address}/{name}", f"zone {address} attribute {name}", err)
            self._proxies.zone_written(address, name, value)  # proxy devices (issue 17)
        self._proxies.sample_received()  # proxy devices (issue 17)

    # --- device list -----------------------------------------------------------------------------

    async def _on_devices(self, devices: tuple[Device, ...], changes: list[Retrained]) -> None:
        poller = self._poller
        if poller is not None and poller.applying >= self._hold_until_fetch:
            self._hold_offs_until = 0.0  # the list is current again
        bound = set(self._host.zone_addresses())
        for change in changes:
            note = " (a zone is bound to it)" if change.old_id in bound else ""
            self.log(
                logging.WARNING,
                f"device '{change.name}' retrained by Sense: id {change.old_id} -> "
                f"{change.new_id}{note}",
            )
        if changes and self._cfg is not None and self._cfg.follow_retraining:
            self._aliases = self._follow_map()
            for change in changes:
                self._diff.forget_zone(change.old_id)

    def _follow_map(self) -> dict[str, str]:
        """Zone address -> the id it is now read from, following chains of retrainings."""
        if self._poller is None:
            return {}
        retrained = self._poller.catalog.retrained
        out: dict[str, str] = {}
        for old in retrained:
            new, seen = retrained[old].new_id, {old}
            while new in retrained and new not in seen:
                seen.add(new)
                new = retrained[new].new_id
            out[old] = new
        return out

    def _zone_addresses(self) -> list[str]:
        return list(self._host.zone_addresses())

    # --- the REST fallback's owner ---------------------------------------------------------------

    @property
    def fallback_after(self) -> int:
        return self._timing.fallback_after

    async def fetch_status(self) -> MonitorStatus:
        return await self._rest(lambda a, t, m: a.get_monitor_status(t, m), "status")

    async def fetch_realtime(self) -> RealtimePayload:
        return await self._rest(lambda a, t, m: a.get_realtime_update(t, m), "realtime_update")

    async def polling_started(self) -> None:
        self._diff.reset()
        await self._write_status(FeedStatus.POLLING)
