"""The REST API under /apiservice/api/v1 (Starlette routes): auth, monitors, devices, history."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import real_devices, real_rest, views
from .auth import AuthError, Grant, MfaRequired, TokenStore
from .clock import SimClock
from .faults import Faults, RateLimiter
from .history import SCALES, History, period
from .observe import Observer
from .real_feed import realtime_payload as real_realtime_payload
from .restio import ApiError, bearer, error_response, parse_time, read_form
from .state import Account, Monitor, SimState
from .timeline import Timeline
from .trends import trends_body
from .wire import realtime_payload

__all__ = ["API_PREFIX", "ApiError", "RestApi", "error_response"]

_LOGGER = logging.getLogger(__name__)
API_PREFIX = "/apiservice/api/v1"
OPENAPI = Path(__file__).with_name("openapi.yml")
_MAX_ITEMS = 1000

Body = dict[str, Any] | list[Any] | Response
Handler = Callable[[Request, Account | None], Awaitable[Body]]


class RestApi:
    """Handlers over the shared state; each wrapped for faults, rate limits, auth and logging."""

    def __init__(
        self,
        state: SimState,
        tokens: TokenStore,
        clock: SimClock,
        faults: Faults,
        limiter: RateLimiter,
        observer: Observer,
    ) -> None:
        self.state = state
        self.tokens = tokens
        self.clock = clock
        self.faults = faults
        self.limiter = limiter
        self.observer = observer
        self.histories: dict[str, History] = {}
        self.timeline = Timeline()
        self.real = state.profile == "real"

    def history(self, mon: Monitor) -> History:
        if mon.id not in self.histories:
            self.histories[mon.id] = History(mon)
        return self.histories[mon.id]

    def routes(self) -> list[Route]:
        """Every path of the OpenAPI document, plus the document itself."""
        m = "/app/monitors/{monitor_id}"
        table: list[tuple[str, str, str, Handler, bool]] = [
            ("POST", "/authenticate", "authenticate", self.authenticate, False),
            ("POST", "/authenticate/mfa", "authenticate_mfa", self.authenticate_mfa, False),
            ("POST", "/renew", "renew", self.renew, False),
            ("GET", "/logout", "logout", self.logout, True),
            ("GET", "/openapi.yml", "openapi", self.openapi, False),
            ("GET", f"{m}/overview", "monitor_overview", self.overview, True),
            ("GET", f"{m}/status", "monitor_status", self.status, True),
            ("GET", f"{m}/devices", "devices", self.devices, True),
            ("GET", f"{m}/devices/overview", "devices_overview", self.devices_overview, True),
            ("GET", f"{m}/devices/always_on", "always_on", self.always_on, True),
            ("GET", f"{m}/devices/{{device_id}}", "device_info", self.device_info, True),
            ("GET", "/monitors/{monitor_id}/devices", "raw_devices", self.devices, True),
            ("GET", f"{m}/history/usage", "usage_history", self.usage, True),
            ("GET", f"{m}/history/usage/solar", "solar_history", self.solar, True),
            ("GET", "/app/history/trends", "history_trends", self.trends, True),
            ("GET", "/app/{monitor_id}/realtime_update", "realtime_update", self.realtime, True),
            ("GET", "/users/{user_id}/timeline", "timeline", self.user_timeline, True),
        ]
        return [
            Route(API_PREFIX + path, self._wrap(name, handler, auth), methods=[method], name=name)
            for method, path, name, handler, auth in table
        ]

    def _wrap(
        self, name: str, handler: Handler, auth: bool
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                response = await self._dispatch(name, handler, auth, request)
            except ApiError as err:
                response = error_response(err.status, err.reason, err.headers)
            except Exception:
                _LOGGER.exception("simulator bug answering %s", name)
                response = error_response(500, "Internal server error")
            self.observer.request(request.method, request.url.path, response.status_code, name)
            return response

        return endpoint

    async def _dispatch(
        self, name: str, handler: Handler, auth: bool, request: Request
    ) -> Response:
        fault = self.faults.take(name)
        if fault is not None:
            headers = None
            if fault.retry_after is not None:
                headers = {"Retry-After": str(int(fault.retry_after))}
            raise ApiError(fault.status, "Injected fault", headers)
        wait = self.limiter.check(name)
        if wait is not None:
            raise ApiError(429, "Too many requests", {"Retry-After": str(int(wait))})
        account = None
        if auth:
            try:
                account = self.tokens.check(bearer(request))
            except AuthError as err:
                raise ApiError(err.status, err.reason) from None
        body = await handler(request, account)
        return body if isinstance(body, Response) else JSONResponse(body)

    def _monitor(
        self, request: Request, account: Account | None, monitor_id: str | None = None
    ) -> Monitor:
        mon = self.state.monitors.get(monitor_id or request.path_params["monitor_id"])
        if mon is None:
            raise ApiError(404, "Monitor not found")
        if account is None or mon.owner != account.user_id:
            raise ApiError(403, "Monitor belongs to another account")
        return mon

    # --- authentication ---------------------------------------------------------------------

    async def authenticate(self, request: Request, _: Account | None) -> Body:
        form = await read_form(request, "email", "password")
        try:
            grant = self.tokens.login(form["email"], form["password"])
        except MfaRequired as mfa:
            body = {
                "status": "mfa_required",
                "mfa_token": mfa.mfa_token,
                "mfa_type": "totp",
                "error_reason": "Multi-factor authentication required",
            }
            return JSONResponse(body, 401)
        except AuthError as err:
            raise ApiError(err.status, err.reason) from None
        return self._auth_body(grant)

    def _auth_body(self, grant: Grant) -> Body:
        if self.real:
            return real_rest.auth_body(self.state, grant)
        return views.auth_body(self.state, grant)

    async def authenticate_mfa(self, request: Request, _: Account | None) -> Body:
        form = await read_form(request, "totp", "mfa_token", "client_time")
        parse_time(form["client_time"], "client_time")
        try:
            grant = self.tokens.validate_mfa(form["totp"], form["mfa_token"])
        except AuthError as err:
            raise ApiError(err.status, err.reason) from None
        return self._auth_body(grant)

    async def renew(self, request: Request, _: Account | None) -> Body:
        form = await read_form(request, "user_id", "refresh_token")
        try:
            grant = self.tokens.renew(form["user_id"], form["refresh_token"])
        except AuthError as err:
            raise ApiError(err.status, err.reason) from None
        if self.real:  # the real /renew lists no monitors
            return real_rest.renew_body(grant, self.clock.now_ts() + self.tokens.lifetime)
        return views.auth_body(self.state, grant)

    async def logout(self, request: Request, _: Account | None) -> Body:
        self.tokens.logout(bearer(request))
        return {"status": "ok"}

    async def openapi(self, request: Request, _: Account | None) -> Body:
        return Response(OPENAPI.read_bytes(), media_type="application/yaml")

    # --- monitors and devices ---------------------------------------------------------------

    async def overview(self, request: Request, account: Account | None) -> Body:
        mon = self._monitor(request, account)
        return real_rest.overview_body(mon) if self.real else views.overview_body(mon)

    async def status(self, request: Request, account: Account | None) -> Body:
        mon = self._monitor(request, account)
        if self.real:
            return real_rest.status_body(mon, self.clock.now_ts())
        return views.status_body(mon)

    async def devices(self, request: Request, account: Account | None) -> Body:
        mon = self._monitor(request, account)
        if self.real:
            return real_devices.device_list(mon)
        return [views.device_body(d, mon.meter.last) for d in mon.listed_devices()]

    async def devices_overview(self, request: Request, account: Account | None) -> Body:
        mon = self._monitor(request, account)
        if self.real:
            return real_devices.devices_overview_body(mon)
        devices = [views.device_body(d, mon.meter.last) for d in mon.listed_devices()]
        return {
            "devices": devices,
            "total_count": len(devices),
            "device_data_checksum": mon.checksum,
        }

    async def always_on(self, request: Request, account: Account | None) -> Body:
        mon = self._monitor(request, account)
        return views.always_on_body(mon, mon.meter.last)

    async def device_info(self, request: Request, account: Account | None) -> Body:
        mon = self._monitor(request, account)
        try:
            dev = mon.device(request.path_params["device_id"])
        except KeyError:
            raise ApiError(404, "Device not found") from None
        body = views.device_body(dev, mon.meter.last)
        body["energy_kwh"] = self.history(mon).device_energy(dev, self.clock.now())
        return body

    async def realtime(self, request: Request, account: Account | None) -> Body:
        mon = self._monitor(request, account)
        if mon.old_firmware:
            raise ApiError(404, "realtime_update needs monitor firmware 1.64 or later")
        assert mon.meter.last is not None
        if self.real:
            return real_realtime_payload(mon, mon.meter.last)
        return realtime_payload(mon, mon.meter.last)

    # --- history ----------------------------------------------------------------------------

    def _period_args(self, request: Request) -> tuple[str, datetime]:
        scale = request.query_params.get("scale", "").upper()
        if scale not in SCALES:
            raise ApiError(400, f"Unknown or missing scale; one of {', '.join(SCALES)}")
        start = request.query_params.get("start")
        if not start:
            raise ApiError(400, "Missing start")
        return scale, parse_time(start, "start")

    def _only_in_spec(self) -> None:
        """The OpenAPI history paths: the real cloud answers them 404 (no client uses them)."""
        if self.real:
            raise ApiError(404, "Not found")

    async def usage(self, request: Request, account: Account | None) -> Body:
        self._only_in_spec()
        mon = self._monitor(request, account)
        scale, start = self._period_args(request)
        return self.history(mon).usage(period(scale, start, mon), self.clock.now_ts())

    async def solar(self, request: Request, account: Account | None) -> Body:
        self._only_in_spec()
        mon = self._monitor(request, account)
        scale, start = self._period_args(request)
        return self.history(mon).solar(period(scale, start, mon), self.clock.now_ts())

    async def trends(self, request: Request, account: Account | None) -> Body:
        """/app/history/trends?monitor_id=…: the real profile's history (404 in the spec one)."""
        if not self.real:
            raise ApiError(404, "Not found")
        monitor_id = request.query_params.get("monitor_id", "")
        if not monitor_id:
            raise ApiError(400, "Missing monitor_id")
        mon = self._monitor(request, account, monitor_id)
        scale, start = self._period_args(request)
        p = period(scale, start, mon)
        return trends_body(self.history(mon), p, self.clock.now_ts())

    async def user_timeline(self, request: Request, account: Account | None) -> Body:
        user_id = request.path_params["user_id"]
        if account is None or user_id != account.user_id:
            if user_id in self.state.accounts:
                raise ApiError(403, "Timeline belongs to another account")
            raise ApiError(404, "User not found")
        query = request.query_params
        try:
            n_items = int(query.get("n_items", "30"))
        except ValueError:
            raise ApiError(400, "n_items must be an integer") from None
        if n_items < 0:
            raise ApiError(400, "n_items must not be negative")
        prior = query.get("prior_to_item")
        prior_ts = parse_time(prior, "prior_to_item").timestamp() if prior else None
        monitors = [self.state.monitors[m] for m in account.monitor_ids]
        n_items = min(n_items, _MAX_ITEMS)
        if self.real:
            items = self.timeline.events(monitors, query.get("device_id"), prior_ts)
            return real_rest.timeline_body(account, items, n_items)
        return self.timeline.body(monitors, n_items, query.get("device_id"), prior_ts)
