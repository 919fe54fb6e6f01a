"""MonitorSession: one account and one monitor — login, monitor selection, REST calls, feed URL."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from .api import SenseApi
from .config import DriverConfig
from .const import DEVICE_ID_HEADER, MSGPACK_CONTENT_TYPE
from .errors import SenseCommandError, SenseConfigError, SenseForbiddenError, SenseNotFoundError
from .history import HistorySource
from .restmodels import AuthResponse, MonitorSummary
from .session import Credentials, RetryPolicy, SenseSession
from .transport.feed import FeedConnection, open_feed
from .transport.http import HttpTransport

if TYPE_CHECKING:
    import httpx

__all__ = ["MonitorSession", "select_monitor"]

T = TypeVar("T")
Persist = Callable[[str, str], Awaitable[None]]
Log = Callable[[int, str], None]


def credentials(cfg: DriverConfig) -> Credentials:
    return Credentials(cfg.username, cfg.password, totp_secret=cfg.totp_secret)


def select_monitor(monitors: tuple[MonitorSummary, ...], wanted: str | None) -> MonitorSummary:
    """The monitor to follow among the account's; SenseConfigError naming monitor_id if none."""
    ids = [m.monitor_id for m in monitors]
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


class MonitorSession:
    """Owns the HTTP client, the token session and the selected monitor of one configuration.

    Values Sense hands out that a restart needs (refresh token, user id, the monitor followed) go
    to `persist`; a response lacking one never overwrites the stored value with an empty one.
    """

    def __init__(
        self,
        cfg: DriverConfig,
        *,
        installation_id: str,
        persist: Persist,
        log: Log,
        retry: RetryPolicy,
        clock: Callable[[], float],
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.cfg = cfg
        self._installation_id = installation_id
        self._persist = persist
        self._log = log
        self._http = HttpTransport(cfg.api_url, client=http_client, verify=cfg.ca_file or True)
        self.api = SenseApi(self._http, device_id=installation_id)
        self.session = SenseSession(
            self.api,
            credentials(cfg),
            refresh_token=cfg.refresh_token,
            user_id=cfg.user_id,
            retry=retry,
            clock=clock,
            on_auth=self._on_auth,
        )
        self.history = HistorySource(self.api, self.session.call)
        self._monitor: MonitorSummary | None = None
        self._feed_token: str | None = None

    @property
    def monitor(self) -> MonitorSummary | None:
        """The monitor followed, once logged in."""
        return self._monitor

    def secrets(self) -> list[str | None]:
        """Every secret this session knows, for redaction."""
        cfg, session = self.cfg, self.session
        return [
            cfg.password,
            cfg.totp_secret,
            cfg.refresh_token,
            session.access_token,
            session.refresh_token,
        ]

    def update_credentials(self, cfg: DriverConfig) -> None:
        """New username, password or TOTP secret: the next login uses them."""
        self.cfg = cfg
        self.session.update_credentials(credentials(cfg))

    async def close(self) -> None:
        await self._http.aclose()

    # --- login and monitor -----------------------------------------------------------------------

    async def start(self, *, fresh: bool = False) -> MonitorSummary:
        """Log in (renewing a stored refresh token first) and find the monitor to follow."""
        await self.session.login(fresh=fresh)
        monitor = await self._find_monitor()
        self._monitor = monitor
        await self._persist("selected_monitor_id", monitor.monitor_id)
        return monitor

    async def _on_auth(self, auth: AuthResponse) -> None:
        if auth.refresh_token:
            await self._persist("refresh_token", auth.refresh_token)
        if auth.user_id_str:
            await self._persist("user_id", auth.user_id_str)

    async def _find_monitor(self) -> MonitorSummary:
        """Sense's /renew answer lists no monitors: then the configured or previously selected
        id is looked up through its overview, with no password login."""
        session = self.session
        if session.monitors:
            return select_monitor(session.monitors, self.cfg.monitor_id)
        configured = self.cfg.monitor_id
        known = configured or (self._monitor.monitor_id if self._monitor else None)
        known = known or self.cfg.selected_monitor_id
        if known is not None:
            try:
                return await self._overview(known)
            except (SenseNotFoundError, SenseForbiddenError) as err:
                if configured is not None:
                    raise SenseConfigError(
                        f"monitor_id '{configured}' is not on this account ({err})"
                    ) from err
                self._log(logging.INFO, f"stored monitor {known} is gone ({err}); logging in")
        await session.login(fresh=True)  # only a login lists the account's monitors
        return select_monitor(session.monitors, self.cfg.monitor_id)

    async def _overview(self, monitor_id: str) -> MonitorSummary:
        api = self.api
        overview = await self.session.call(
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

    # --- REST for the selected monitor and the feed ----------------------------------------------

    def monitor_id(self) -> str:
        """The followed monitor's id; SenseCommandError before the login found it."""
        if self._monitor is None:
            raise self.not_logged_in()
        return self._monitor.monitor_id

    def not_logged_in(self) -> SenseCommandError:
        """Why a command cannot reach Sense yet: the refused login if there was one."""
        failure = self.session.auth_failure
        if failure is not None:
            return SenseCommandError(
                f"not logged in to Sense: {failure}; fix username/password and reconnect"
            )
        return SenseCommandError("not logged in to Sense yet; see the device log")

    async def call(self, op: Callable[[SenseApi, str, str], Awaitable[T]], name: str) -> T:
        """Run one REST call for the selected monitor through the session (renew, retry)."""
        monitor_id, api = self.monitor_id(), self.api
        return await self.session.call(lambda token: op(api, token, monitor_id), name=name)

    async def open_feed(self) -> FeedConnection:
        """Open the realtime feed of the selected monitor with the current token."""
        monitor_id, session, cfg = self.monitor_id(), self.session, self.cfg
        if session.access_token is None:
            await session.login()
        token = session.access_token or ""
        self._feed_token = token
        url = f"{cfg.realtime_url}/monitors/{monitor_id}/realtimefeed?access_token={token}"
        headers = {"Accept": MSGPACK_CONTENT_TYPE, DEVICE_ID_HEADER: self._installation_id}
        return await open_feed(url, headers=headers, ca_file=cfg.ca_file)

    async def renew_feed_token(self) -> None:
        """The feed rejected the token it was opened with: renew it (once for many callers)."""
        await self.session.renew(self._feed_token)
