"""Logging in as a supervised task: the first attempt answers the caller, retries go on after.

Also the two commands that log in again — reconnect (coalesced: a double click reconnects once)
and submit_mfa — since they share the login's rules.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import TYPE_CHECKING, Protocol

from .errors import (
    SenseAuthError,
    SenseCommandError,
    SenseConfigError,
    SenseConnectionError,
    SenseEndpointError,
    SenseError,
    SenseForbiddenError,
    SenseMfaRequiredError,
    SenseNotFoundError,
)
from .loops import Escalation
from .monitor import select_monitor
from .realtime import FeedStatus

if TYPE_CHECKING:
    from .monitor import MonitorSession
    from .parts import Parts
    from .source import FeedHealth
    from .supervisor import Supervisor
    from .timing import Timing

__all__ = ["Login"]

LOGIN_TASK = "sense-login"


class LoginOwner(Protocol):
    """What the login needs of the driver."""

    @property
    def running(self) -> bool: ...

    def session(self) -> MonitorSession: ...

    def parts(self) -> Parts: ...

    def start_parts(self, monitor: MonitorSession) -> None: ...

    async def stop_parts(self) -> None: ...

    def log(self, level: int, message: str) -> None: ...


def _retrieve(fut: asyncio.Future[None]) -> None:
    if not fut.cancelled():
        fut.exception()  # a connect() that gave up waiting must not leave it "never retrieved"


class Login:
    """Runs the login task and tells waiters how its first attempt ended."""

    def __init__(
        self,
        owner: LoginOwner,
        *,
        lock: asyncio.Lock,
        supervisor: Supervisor,
        health: FeedHealth,
        timing: Timing,
        rng: random.Random,
    ) -> None:
        self._owner = owner
        self._lock = lock
        self._supervisor = supervisor
        self._health = health
        self._timing = timing
        self._rng = rng
        self._waiter: asyncio.Future[None] | None = None
        self._reconnect: asyncio.Task[dict[str, object]] | None = None
        self.last_error: SenseError | None = None

    async def begin(self, *, fresh: bool = False) -> asyncio.Future[None]:
        """Start logging in (stopping an older login); the future resolves after attempt one."""
        owner = self._owner
        await self._supervisor.cancel(LOGIN_TASK)
        self.abandon()
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter.add_done_callback(_retrieve)
        self._waiter = waiter
        monitor = owner.session()
        self._supervisor.spawn(LOGIN_TASK, lambda: self._run(monitor, fresh, waiter), restart=False)
        return waiter

    def abandon(self) -> None:
        """Whoever waits for the current login returns now."""
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def stop(self) -> None:
        """disconnect(): waiters return now and a reconnect under way ends (with an error)."""
        self.abandon()
        if self._reconnect is not None and not self._reconnect.done():
            self._reconnect.cancel()

    async def wait(self, waiter: asyncio.Future[None], deadline: float) -> None:
        """Until the first attempt ended, at most `deadline` s; raises what it raised to callers."""
        try:
            async with asyncio.timeout(deadline):
                await asyncio.shield(waiter)
        except TimeoutError:
            if waiter.done():
                raise
            self._owner.log(
                logging.WARNING,
                f"still logging in to Sense after {deadline:g} s; continuing in the background",
            )

    async def _run(
        self, monitor: MonitorSession, fresh: bool, waiter: asyncio.Future[None]
    ) -> None:
        owner = self._owner
        await self._health.set(FeedStatus.CONNECTING)
        escalation = Escalation("cannot reach Sense yet", owner.log)
        while True:
            try:
                summary = await monitor.start(fresh=fresh)
            except SenseConfigError as err:
                await self._refused(err, waiter)
                return
            except SenseAuthError as err:
                await self._auth_failed(err)
                _resolve(waiter)
                return
            except SenseError as err:
                self.last_error = err
                escalation.failed(err)
                await self._health.error(str(err))
                if isinstance(err, SenseEndpointError) and not waiter.done():
                    # Configuration-shaped: whoever waits hears it at once (connect() then
                    # disconnects); a running driver keeps retrying with backoff.
                    waiter.set_exception(err)
                _resolve(waiter)
            else:
                escalation.succeeded()
                self.last_error = None
                owner.log(logging.INFO, f"logged in; monitor {summary.monitor_id}")
                owner.start_parts(monitor)
                _resolve(waiter)
                return
            fresh = False
            await asyncio.sleep(self._timing.backoff.delay(escalation.failures, self._rng))

    async def _refused(self, err: SenseError, waiter: asyncio.Future[None]) -> None:
        self.last_error = err
        self._owner.log(logging.ERROR, str(err))
        await self._health.error(str(err))
        if not waiter.done():
            waiter.set_exception(err)

    async def _auth_failed(self, err: SenseAuthError) -> None:
        self.last_error = err
        hint = (
            "set totp_secret, or run the submit_mfa command with a code"
            if isinstance(err, SenseMfaRequiredError)
            else "check username and password; no retry until they change"
        )
        self._owner.log(logging.ERROR, f"{err} ({hint})")
        await self._health.set(FeedStatus.AUTH_FAILED)
        await self._health.error(str(err))

    # --- a new monitor_id, checked before it replaces the running one ----------------------------

    async def check_monitor(self, monitor: MonitorSession, wanted: str | None) -> None:
        """SenseConfigError if `wanted` is not a monitor of the logged-in account."""
        known = monitor.session.monitors
        if known:
            select_monitor(known, wanted)  # raises as the login would
            return
        if wanted is None or monitor.session.access_token is None:
            return  # not logged in: the login itself will check it
        try:
            await monitor.session.call(
                lambda t: monitor.api.get_monitor_overview(t, wanted), name="monitor overview"
            )
        except (SenseNotFoundError, SenseForbiddenError) as err:
            raise SenseConfigError(f"monitor_id '{wanted}' is not on this account ({err})") from err
        except SenseError as err:
            self._owner.log(logging.DEBUG, f"monitor_id '{wanted}' not checked ({err})")

    # --- new endpoints, tried before they replace the running ones ------------------------------

    async def try_endpoints(self, candidate: MonitorSession) -> None:
        """Log in and open the feed through a new api_url / realtime_url / ca_file. A
        configuration-shaped failure raises (the candidate closed, nothing changed); a transient
        one does not: the switch goes ahead and the login retries in the background."""
        try:
            async with asyncio.timeout(self._timing.connect_deadline):
                await candidate.start()
                conn = await candidate.open_feed()
                await conn.close()
        except (SenseConfigError, SenseEndpointError):
            await candidate.close()
            raise
        except (SenseError, TimeoutError) as err:
            self._owner.log(
                logging.INFO, f"new endpoints not confirmed yet ({err}); the login retries"
            )

    # --- commands that log in again --------------------------------------------------------------

    async def reconnect(self) -> dict[str, object]:
        """A fresh login and a new feed; concurrent calls share one reconnect."""
        task = self._reconnect
        if task is None or task.done():
            task = asyncio.get_running_loop().create_task(
                self._reconnect_once(), name="sense-reconnect"
            )
            self._reconnect = task
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if task.cancelled() and not (current is not None and current.cancelling()):
                raise SenseCommandError(
                    "reconnect: the driver was disconnected meanwhile"
                ) from None
            raise

    async def _reconnect_once(self) -> dict[str, object]:
        owner = self._owner
        limit = self._timing.reconnect_timeout
        loop = asyncio.get_running_loop()
        ends = loop.time() + limit
        async with self._lock:
            owner.session()  # raises if not connected
            await owner.stop_parts()
            waiter = await self.begin(fresh=True)
        try:
            async with asyncio.timeout_at(ends):
                await asyncio.shield(waiter)
                parts = owner.parts() if owner.running else None
                if parts is None:
                    raise SenseCommandError("reconnect: the driver was disconnected meanwhile")
                await parts.realtime.feed.wait_open(max(0.0, ends - loop.time()))
        except TimeoutError as err:
            if isinstance(err, SenseError):
                raise
            raise SenseConnectionError(
                f"reconnect: Sense did not answer within {limit:g} s; "
                "the driver keeps retrying in the background"
            ) from None
        except SenseCommandError:
            if self.last_error is not None and owner.running:
                raise SenseConnectionError(f"reconnect: {self.last_error}") from None
            raise
        monitor = owner.session().monitor
        assert monitor is not None
        return {"reconnected": True, "monitor_id": monitor.monitor_id}

    async def submit_mfa(self, code: str) -> dict[str, object]:
        """Finish a pending MFA challenge with the user's code, then start as after a login."""
        owner = self._owner
        async with self._lock:
            monitor = owner.session()
            await monitor.session.submit_mfa(code)
            await owner.stop_parts()
            waiter = await self.begin()
        await self.wait(waiter, self._timing.connect_deadline)
        found = owner.session().monitor
        if found is None:
            raise monitor.not_logged_in()
        return {"authenticated": True, "monitor_id": found.monitor_id}


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
