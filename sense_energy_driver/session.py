"""SenseSession: tokens, login with MFA, single-flight renew, retry with backoff, an auth latch."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from .api import SenseApi
from .errors import (
    SenseAuthError,
    SenseError,
    SenseMfaRequiredError,
    SenseTokenExpiredError,
)
from .restmodels import AuthResponse, MonitorSummary
from .retry import Retrier, RetryPolicy
from .totp import totp_code

__all__ = ["Credentials", "RetryPolicy", "SenseSession"]

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

# Sense's mfa_token lives about ten minutes; an older challenge is replaced before it is used.
_MFA_CHALLENGE_MAX_AGE_S = 540.0


@dataclass(frozen=True, slots=True)
class Credentials:
    """What logs in; the secrets stay out of repr so a logged object cannot leak them."""

    email: str
    password: str = field(repr=False)
    totp_secret: str | None = field(default=None, repr=False)


class SenseSession:
    """Owns the tokens: logs in, renews once for many concurrent 401s, and never storms logins."""

    def __init__(
        self,
        api: SenseApi,
        credentials: Credentials,
        *,
        refresh_token: str | None = None,
        user_id: str | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        on_auth: Callable[[AuthResponse], Awaitable[None]] | None = None,
    ) -> None:
        self._api = api
        self._credentials = credentials
        self._access_token: str | None = None
        self._refresh_token = refresh_token or None
        self._user_id = user_id or None
        self._monitors: tuple[MonitorSummary, ...] = ()
        self._auth: AuthResponse | None = None
        self._auth_failure: SenseAuthError | None = None
        self._mfa_challenge: tuple[str, float] | None = None  # (mfa_token, when it was issued)
        self._retrier = Retrier(retry or RetryPolicy(), sleep=sleep)
        self._clock = clock
        self._on_auth = on_auth
        self._lock = asyncio.Lock()
        self._login_count = 0
        self._renew_count = 0

    def __repr__(self) -> str:
        return (
            f"SenseSession(user_id={self._user_id!r}, logged_in={self._access_token is not None}, "
            f"mfa_pending={self.mfa_pending}, auth_failed={self._auth_failure is not None})"
        )

    # --- read-only state --------------------------------------------------------------------

    @property
    def access_token(self) -> str | None:
        return self._access_token

    @property
    def refresh_token(self) -> str | None:
        return self._refresh_token

    @property
    def user_id(self) -> str | None:
        return self._user_id

    @property
    def monitors(self) -> tuple[MonitorSummary, ...]:
        return self._monitors

    @property
    def auth_failure(self) -> SenseAuthError | None:
        """The refusal that latched; no request is made until the credentials change."""
        return self._auth_failure

    @property
    def mfa_pending(self) -> bool:
        return self._mfa_challenge is not None

    @property
    def login_count(self) -> int:
        return self._login_count

    @property
    def renew_count(self) -> int:
        return self._renew_count

    # --- public operations ------------------------------------------------------------------

    async def login(self, *, fresh: bool = False) -> AuthResponse:
        """Make sure we hold a token (renewing a restored refresh token first); `fresh` re-logs."""
        return await self._retrier.run("login", lambda: self._locked(lambda: self._login(fresh)))

    async def submit_mfa(self, code: str) -> AuthResponse:
        """Finish a login that Sense answered with mfa_required, with a code from the user."""
        return await self._retrier.run(
            "submit_mfa", lambda: self._locked(lambda: self._submit_mfa(code))
        )

    async def renew(self, stale_token: str | None = None) -> None:
        """Renew (or log in again); a no-op if `stale_token` was already replaced by another."""
        await self._retrier.run("renew", lambda: self._locked(lambda: self._renew(stale_token)))

    async def call(self, op: Callable[[str], Awaitable[T]], *, name: str) -> T:
        """Run `op(access_token)`: log in if needed, renew once on 401, retry transient errors."""
        return await self._retrier.run(name, lambda: self._call_once(op, name))

    async def logout(self) -> None:
        """End the session at Sense if we can, and forget the tokens either way."""
        token = self._access_token
        try:
            if token is not None:
                await self._api.logout(token)
        except SenseError as err:
            _LOGGER.debug("logout not confirmed by Sense (ignored): %s", err)
        finally:
            self._forget_tokens()

    def update_credentials(self, credentials: Credentials) -> None:
        """New credentials: forget tokens, the latch and any MFA challenge; next call logs in."""
        self._credentials = credentials
        self._forget_tokens()
        self._user_id = None
        self._monitors = ()
        self._auth_failure = None
        self._mfa_challenge = None
        self._retrier.forget_warnings()

    # --- retry ------------------------------------------------------------------------------

    async def _locked(self, fn: Callable[[], Awaitable[T]]) -> T:
        async with self._lock:
            return await fn()

    # --- one attempt of each operation ------------------------------------------------------

    async def _call_once(self, op: Callable[[str], Awaitable[T]], name: str) -> T:
        token = await self._token()
        try:
            return await op(token)
        except SenseTokenExpiredError:
            _LOGGER.debug("%s: access token rejected; renewing", name)
        await self._locked(lambda: self._renew(token))
        token = await self._token()
        try:
            return await op(token)
        except SenseTokenExpiredError as err:
            raise SenseTokenExpiredError(
                f"{name}: access token rejected again right after renewing"
            ) from err

    async def _token(self) -> str:
        self._check_latch()
        token = self._access_token
        if token is None:
            auth = await self._locked(lambda: self._login(False))
            token = self._access_token or auth.access_token
        return token

    def _check_latch(self) -> None:
        failure = self._auth_failure
        if failure is not None:
            _LOGGER.debug("not asking Sense: the last login was refused (%s)", failure)
            raise failure.with_traceback(None)

    def _latch(self, err: SenseAuthError) -> None:
        self._auth_failure = err
        _LOGGER.warning("login refused; no retry until the credentials change: %s", err)

    async def _login(self, fresh: bool) -> AuthResponse:
        self._check_latch()
        if not fresh and self._access_token is not None and self._auth is not None:
            return self._auth
        if not fresh and self._access_token is None:
            renewed = await self._try_renew()
            if renewed is not None:
                return renewed
        return await self._authenticate()

    async def _renew(self, stale_token: str | None) -> None:
        if stale_token is not None and self._access_token != stale_token:
            _LOGGER.debug("access token already renewed by a concurrent caller")
            return
        self._check_latch()
        if await self._try_renew() is None:
            await self._authenticate()

    async def _try_renew(self) -> AuthResponse | None:
        """Renew with the refresh token; None if there is none or Sense refused it."""
        user_id, refresh = self._user_id, self._refresh_token
        if not (user_id and refresh):
            return None
        try:
            resp = await self._api.renew(user_id, refresh)
        except SenseAuthError as err:
            _LOGGER.warning("%s; logging in with email and password", err)
            self._refresh_token = None
            return None
        self._renew_count += 1
        await self._store(resp)
        return resp

    async def _authenticate(self) -> AuthResponse:
        creds = self._credentials
        if creds.totp_secret:
            totp_code(creds.totp_secret, at=0)  # a bad secret is a config error, before any request
        try:
            try:
                resp = await self._api.authenticate(creds.email, creds.password)
            except SenseMfaRequiredError as mfa:
                if not creds.totp_secret:
                    self._mfa_challenge = (mfa.mfa_token, self._clock())
                    raise
                code = totp_code(creds.totp_secret, at=self._clock())
                resp = await self._validate(code, mfa.mfa_token)
        except SenseAuthError as err:
            self._latch(err)
            raise
        return await self._logged_in(resp)

    async def _submit_mfa(self, code: str) -> AuthResponse:
        challenge = self._mfa_challenge
        if challenge is None:
            raise SenseAuthError(
                "submit_mfa: no MFA challenge is pending; Sense asks for a code only after a "
                "login it answered with mfa_required"
            )
        mfa_token, issued = challenge
        if self._clock() - issued > _MFA_CHALLENGE_MAX_AGE_S:
            _LOGGER.debug("the MFA challenge has expired; asking Sense for a new one")
            creds = self._credentials
            try:
                resp = await self._api.authenticate(creds.email, creds.password)
            except SenseMfaRequiredError as mfa:
                mfa_token = mfa.mfa_token
                self._mfa_challenge = (mfa_token, self._clock())
            except SenseAuthError as err:
                self._mfa_challenge = None
                self._latch(err)
                raise
            else:
                return await self._logged_in(resp)  # Sense did not ask for MFA this time
        try:
            resp = await self._validate(code.strip(), mfa_token)
        except SenseAuthError as err:
            _LOGGER.warning("%s", err)
            raise
        return await self._logged_in(resp)

    async def _validate(self, code: str, mfa_token: str) -> AuthResponse:
        now = datetime.fromtimestamp(self._clock(), UTC)
        return await self._api.validate_mfa(code, mfa_token, client_time=now)

    async def _logged_in(self, resp: AuthResponse) -> AuthResponse:
        self._auth_failure = None
        self._mfa_challenge = None
        self._login_count += 1
        await self._store(resp)
        return resp

    async def _store(self, resp: AuthResponse) -> None:
        self._access_token = resp.access_token
        self._refresh_token = resp.refresh_token or self._refresh_token
        self._user_id = resp.user_id_str or self._user_id
        self._monitors = resp.monitors or self._monitors
        self._auth = resp
        if self._on_auth is None:
            return
        try:
            await self._on_auth(resp)
        except Exception as err:  # the host failing to persist must not undo a good login
            _LOGGER.warning(
                "on_auth callback failed (%s); the refresh token may not be saved",
                type(err).__name__,
            )

    def _forget_tokens(self) -> None:
        self._access_token = None
        self._refresh_token = None
        self._auth = None
