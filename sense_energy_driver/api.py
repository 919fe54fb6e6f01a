"""SenseApi: one method per REST endpoint, typed models in and out, HTTP statuses mapped once."""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, TypeVar
from urllib.parse import quote

import msgspec

from .const import DEVICE_ID_HEADER, SCALES
from .errors import (
    SenseAuthError,
    SenseBadRequestError,
    SenseEndpointError,
    SenseError,
    SenseForbiddenError,
    SenseMfaRequiredError,
    SenseNotFoundError,
    SenseProtocolError,
    SenseRateLimitError,
    SenseServerError,
    SenseTokenExpiredError,
)
from .models import RealtimePayload
from .redact import redact
from .restmodels import (
    AlwaysOn,
    AuthResponse,
    Device,
    DeviceDetail,
    DevicesOverview,
    MfaChallenge,
    MonitorOverviewResponse,
    MonitorStatus,
    SolarHistory,
    Timeline,
    Trends,
    UsageHistory,
)
from .transport.http import HttpResponse, HttpTransport

__all__ = ["SCALES", "SenseApi"]

T = TypeVar("T")

_DEFAULT_RETRY_AFTER_S = 60.0
_MAX_REASON_CHARS = 200

_Auth = Literal["authenticate", "mfa", "renew", "bearer"]


class _ErrorBody(msgspec.Struct, frozen=True):
    """The JSON error body Sense sends with 4xx answers; only its text is read."""

    error_reason: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class _Call:
    """One request's context for the status mapping: which endpoint, what it is about."""

    name: str
    auth: _Auth = "bearer"
    subject: str = ""
    secrets: tuple[str, ...] = ()


_AUTH = msgspec.json.Decoder(AuthResponse)
_ERROR = msgspec.json.Decoder(_ErrorBody)
_MFA = msgspec.json.Decoder(MfaChallenge)
_OVERVIEW = msgspec.json.Decoder(MonitorOverviewResponse)
_STATUS = msgspec.json.Decoder(MonitorStatus)
_DEVICES_OVERVIEW = msgspec.json.Decoder(DevicesOverview)
_DEVICES = msgspec.json.Decoder(tuple[Device, ...])
_DEVICE = msgspec.json.Decoder(DeviceDetail)
_ALWAYS_ON = msgspec.json.Decoder(AlwaysOn)
_REALTIME = msgspec.json.Decoder(RealtimePayload)
_USAGE = msgspec.json.Decoder(UsageHistory)
_SOLAR = msgspec.json.Decoder(SolarHistory)
_TIMELINE = msgspec.json.Decoder(Timeline)
_TRENDS = msgspec.json.Decoder(Trends)


def _seg(value: str) -> str:
    """An id as one path segment, so an odd id cannot reach another endpoint."""
    return quote(value, safe="")


def _reason(body: bytes, secrets: Iterable[str]) -> str:
    """The server's error text, if the body is JSON, trimmed and with our secrets removed."""
    try:
        err = _ERROR.decode(body)
    except msgspec.DecodeError:
        return ""
    text = " ".join((err.error_reason or err.message).split())[:_MAX_REASON_CHARS]
    return redact(text, secrets)


def _retry_after(value: str | None, now: float) -> float:
    """Retry-After as seconds or an HTTP-date; 60 s if absent or unreadable."""
    if not value:
        return _DEFAULT_RETRY_AFTER_S
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            return _DEFAULT_RETRY_AFTER_S
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - now)
    return seconds if math.isfinite(seconds) and seconds >= 0 else _DEFAULT_RETRY_AFTER_S


def _unauthorized(
    call: _Call, resp: HttpResponse, reason: str
) -> SenseAuthError | SenseTokenExpiredError:
    if call.auth == "authenticate":
        try:
            challenge = _MFA.decode(resp.body)
        except msgspec.DecodeError:
            challenge = MfaChallenge()
        why = redact(challenge.error_reason, call.secrets)[:_MAX_REASON_CHARS] or "no reason given"
        if challenge.mfa_token or challenge.status == "mfa_required":
            return SenseMfaRequiredError(
                f"authenticate http 401 with mfa_required: {why}", mfa_token=challenge.mfa_token
            )
        return SenseAuthError(f"authenticate http 401 without mfa_required: {why}")
    if call.auth == "mfa":
        return SenseAuthError(
            f"MFA code rejected (authenticate/mfa http 401): {reason or 'no reason'}"
        )
    if call.auth == "renew":
        return SenseAuthError("renew http 401: refresh token rejected")
    return SenseTokenExpiredError(f"{call.name} http 401: access token rejected")


def _error(call: _Call, resp: HttpResponse) -> SenseError:
    """Every non-200 status mapped to the exception that says what the caller does next."""
    status = resp.status
    reason = _reason(resp.body, call.secrets)
    said = f": {reason}" if reason else ""
    about = call.subject or call.name
    if status == 400:
        return SenseBadRequestError(f"{call.name} http 400 bad request{said}")
    if status == 401:
        return _unauthorized(call, resp, reason)
    if status == 403:
        return SenseForbiddenError(f"{call.name} http 403: {about} is not this account's{said}")
    if status == 404:
        if call.auth != "bearer":
            return SenseEndpointError(
                f"{call.name} http 404: api_url does not point at the Sense API "
                "(it should end in /apiservice/api/v1)",
                attribute="api_url",
            )
        return SenseNotFoundError(f"{call.name} http 404: {about} not found{said}")
    if status == 429:
        wait = _retry_after(resp.headers.get("retry-after"), time.time())
        return SenseRateLimitError(
            f"{call.name} http 429: rate limited; retry after {wait:g} s", retry_after=wait
        )
    if 500 <= status <= 599:
        return SenseServerError(
            f"{call.name} http {status}: Sense server error{said}", status=status
        )
    return SenseProtocolError(f"{call.name}: unexpected http {status}")


def _decode(call: _Call, resp: HttpResponse, decoder: msgspec.json.Decoder[T]) -> T:
    """A 200 decoded into its model; anything else (or a body that does not fit) raises."""
    if resp.status != 200:
        raise _error(call, resp)
    try:
        return decoder.decode(resp.body)
    except msgspec.ValidationError as err:
        raise SenseProtocolError(f"{call.name}: response does not match the schema: {err}") from err
    except msgspec.DecodeError as err:
        raise SenseProtocolError(f"{call.name}: response is not valid JSON") from err


def _auth(call: _Call, resp: HttpResponse) -> AuthResponse:
    auth = _decode(call, resp, _AUTH)
    if not auth.access_token:
        raise SenseProtocolError(f"{call.name}: response has no access_token")
    return auth


def _utc(when: datetime, fmt: str) -> str:
    """Sense reads times as UTC; a naive datetime is taken to be UTC already."""
    aware = when.astimezone(UTC) if when.tzinfo is not None else when
    return aware.strftime(fmt)


def _scale(scale: str) -> str:
    wanted = scale.upper()
    if wanted not in SCALES:
        raise SenseBadRequestError(f"scale {scale!r} is not one of {', '.join(SCALES)}")
    return wanted


class SenseApi:
    """The Sense Client API (simulator/openapi.yml); knows statuses and shapes, not sessions."""

    def __init__(self, http: HttpTransport, *, device_id: str) -> None:
        self._http = http
        self._device_id = device_id

    async def _send(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        headers = {DEVICE_ID_HEADER: self._device_id}
        if token is not None:
            headers["Authorization"] = f"bearer {token}"
        return await self._http.request(method, path, params=params, form=form, headers=headers)

    async def _get(
        self,
        call: _Call,
        path: str,
        token: str,
        decoder: msgspec.json.Decoder[T],
        params: Mapping[str, str] | None = None,
    ) -> T:
        resp = await self._send("GET", path, token=token, params=params)
        return _decode(call, resp, decoder)

    # --- authentication ---------------------------------------------------------------------

    async def authenticate(self, email: str, password: str) -> AuthResponse:
        """POST /authenticate; SenseMfaRequiredError carries the mfa_token for validate_mfa."""
        call = _Call("authenticate", "authenticate", secrets=(password,))
        form = {"email": email, "password": password}
        return _auth(call, await self._send("POST", "/authenticate", form=form))

    async def validate_mfa(
        self, code: str, mfa_token: str, *, client_time: datetime
    ) -> AuthResponse:
        """POST /authenticate/mfa with a TOTP code for the challenge authenticate returned."""
        call = _Call("authenticate/mfa", "mfa", secrets=(code, mfa_token))
        form = {
            "totp": code,
            "mfa_token": mfa_token,
            "client_time": _utc(client_time, "%Y-%m-%dT%H:%M:%SZ"),
        }
        return _auth(call, await self._send("POST", "/authenticate/mfa", form=form))

    async def renew(self, user_id: str, refresh_token: str) -> AuthResponse:
        """POST /renew: a new access token without the password."""
        call = _Call("renew", "renew", secrets=(refresh_token,))
        form = {"user_id": user_id, "refresh_token": refresh_token}
        return _auth(call, await self._send("POST", "/renew", form=form))

    async def logout(self, token: str) -> None:
        """GET /logout: ends the session behind the token."""
        resp = await self._send("GET", "/logout", token=token)
        if resp.status != 200:
            raise _error(_Call("logout", secrets=(token,)), resp)

    # --- monitors and devices ---------------------------------------------------------------

    async def get_monitor_overview(self, token: str, monitor_id: str) -> MonitorOverviewResponse:
        call = _Call("monitor overview", subject=f"monitor {monitor_id}", secrets=(token,))
        path = f"/app/monitors/{_seg(monitor_id)}/overview"
        return await self._get(call, path, token, _OVERVIEW)

    async def get_monitor_status(self, token: str, monitor_id: str) -> MonitorStatus:
        call = _Call("monitor status", subject=f"monitor {monitor_id}", secrets=(token,))
        return await self._get(call, f"/app/monitors/{_seg(monitor_id)}/status", token, _STATUS)

    async def get_devices_overview(self, token: str, monitor_id: str) -> DevicesOverview:
        call = _Call("devices overview", subject=f"monitor {monitor_id}", secrets=(token,))
        path = f"/app/monitors/{_seg(monitor_id)}/devices/overview"
        return await self._get(call, path, token, _DEVICES_OVERVIEW)

    async def get_devices(self, token: str, monitor_id: str) -> tuple[Device, ...]:
        call = _Call("devices", subject=f"monitor {monitor_id}", secrets=(token,))
        return await self._get(call, f"/app/monitors/{_seg(monitor_id)}/devices", token, _DEVICES)

    async def get_device(self, token: str, monitor_id: str, device_id: str) -> DeviceDetail:
        subject = f"device {device_id} on monitor {monitor_id}"
        call = _Call("device", subject=subject, secrets=(token,))
        path = f"/app/monitors/{_seg(monitor_id)}/devices/{_seg(device_id)}"
        return await self._get(call, path, token, _DEVICE)

    async def get_always_on(self, token: str, monitor_id: str) -> AlwaysOn:
        call = _Call("always on", subject=f"monitor {monitor_id}", secrets=(token,))
        path = f"/app/monitors/{_seg(monitor_id)}/devices/always_on"
        return await self._get(call, path, token, _ALWAYS_ON)

    async def get_realtime_update(self, token: str, monitor_id: str) -> RealtimePayload:
        call = _Call("realtime update", subject=f"monitor {monitor_id}", secrets=(token,))
        path = f"/app/{_seg(monitor_id)}/realtime_update"
        return await self._get(call, path, token, _REALTIME)

    # --- history and timeline ---------------------------------------------------------------

    async def get_usage(
        self, token: str, monitor_id: str, scale: str, start: datetime
    ) -> UsageHistory:
        params = {"scale": _scale(scale), "start": _utc(start, "%Y-%m-%dT%H:%M:%S")}
        call = _Call("usage history", subject=f"monitor {monitor_id}", secrets=(token,))
        path = f"/app/monitors/{_seg(monitor_id)}/history/usage"
        return await self._get(call, path, token, _USAGE, params)

    async def get_solar(
        self, token: str, monitor_id: str, scale: str, start: datetime
    ) -> SolarHistory:
        params = {"scale": _scale(scale), "start": _utc(start, "%Y-%m-%dT%H:%M:%S")}
        call = _Call("solar history", subject=f"monitor {monitor_id}", secrets=(token,))
        path = f"/app/monitors/{_seg(monitor_id)}/history/usage/solar"
        return await self._get(call, path, token, _SOLAR, params)

    async def get_trends(self, token: str, monitor_id: str, scale: str, start: datetime) -> Trends:
        """GET /app/history/trends: usage and solar of one period, as the real cloud serves them."""
        params = {
            "monitor_id": monitor_id,
            "scale": _scale(scale),
            "start": _utc(start, "%Y-%m-%dT%H:%M:%S"),
        }
        call = _Call("trends history", subject=f"monitor {monitor_id}", secrets=(token,))
        return await self._get(call, "/app/history/trends", token, _TRENDS, params)

    async def get_timeline(
        self, token: str, user_id: str, *, n_items: int = 30, device_id: str | None = None
    ) -> Timeline:
        params = {"n_items": str(n_items)}
        if device_id is not None:
            params["device_id"] = device_id
        call = _Call("timeline", subject=f"user {user_id}", secrets=(token,))
        return await self._get(call, f"/users/{_seg(user_id)}/timeline", token, _TIMELINE, params)
