"""Sessions, access and refresh tokens, and TOTP multi-factor login for the simulated cloud."""

from __future__ import annotations

import base64
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from .clock import SimClock
from .state import Account, SimState

__all__ = ["AuthError", "Grant", "MfaRequired", "TokenStore", "totp_code", "totp_key"]

_LOGGER = logging.getLogger(__name__)
_MFA_TOKEN_LIFETIME = 600.0
_TOTP_STEP = 30


class AuthError(Exception):
    """A credential was refused; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class MfaRequired(Exception):
    """The password was right but the account asks for a TOTP code."""

    def __init__(self, mfa_token: str) -> None:
        super().__init__("MFA required")
        self.mfa_token = mfa_token


def totp_key(secret: str) -> bytes:
    """Decode a base32 TOTP secret as authenticator apps show it (any case, spaces, no padding)."""
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def _totp(secret: str) -> TOTP:
    # RFC 6238 authenticator apps use HMAC-SHA1; this is interoperability, not hashing.
    return TOTP(totp_key(secret), 6, SHA1(), _TOTP_STEP, enforce_key_length=False)  # noqa: S303


def totp_code(secret: str, at: float | None = None) -> str:
    """The current 6-digit code for a secret, as an authenticator app would show it."""
    return _totp(secret).generate(int(time.time() if at is None else at)).decode()


@dataclass(eq=False)
class _Session:
    user_id: str
    refresh_tokens: set[str] = field(default_factory=set)
    ended: bool = False


@dataclass(frozen=True, slots=True)
class _Access:
    session: _Session
    expires_ts: float


@dataclass(frozen=True, slots=True)
class Grant:
    """Freshly issued credentials for one account."""

    account: Account
    access_token: str
    refresh_token: str


class TokenStore:
    """Issues and checks tokens; lifetimes run on the simulated clock, TOTP on the wall clock."""

    def __init__(
        self,
        state: SimState,
        clock: SimClock,
        lifetime: float,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._state = state
        self._clock = clock
        self.lifetime = lifetime
        self._wall = wall_clock
        self._access: dict[str, _Access] = {}
        self._refresh: dict[str, _Session] = {}
        self._mfa: dict[str, tuple[str, float]] = {}
        self._issued_refresh: set[str] = set()

    def _issue(self, session: _Session) -> Grant:
        access = f"t1.{secrets.token_urlsafe(24)}"
        self._access[access] = _Access(session, self._clock.now_ts() + self.lifetime)
        refresh = secrets.token_urlsafe(24)
        session.refresh_tokens.add(refresh)
        self._refresh[refresh] = session
        self._issued_refresh.add(refresh)
        return Grant(self._state.accounts[session.user_id], access, refresh)

    def login(self, email: str, password: str) -> Grant:
        """Check email and password; raise MfaRequired for an MFA account."""
        account = self._state.by_email(email)
        if account is None or not secrets.compare_digest(account.password, password):
            raise AuthError(401, "Incorrect email or password")
        if account.mfa_secret:
            mfa_token = secrets.token_urlsafe(24)
            self._mfa[mfa_token] = (account.user_id, self._clock.now_ts() + _MFA_TOKEN_LIFETIME)
            raise MfaRequired(mfa_token)
        return self._issue(_Session(account.user_id))

    def validate_mfa(self, code: str, mfa_token: str) -> Grant:
        """Accept a TOTP code for the current step or one step either side."""
        entry = self._mfa.get(mfa_token)
        if entry is None or entry[1] < self._clock.now_ts():
            raise AuthError(401, "Invalid or expired MFA token")
        account = self._state.accounts[entry[0]]
        assert account.mfa_secret is not None
        totp = _totp(account.mfa_secret)
        now = int(self._wall())
        for skew in (0, -_TOTP_STEP, _TOTP_STEP):
            try:
                totp.verify(code.strip().encode(), now + skew)
            except InvalidToken:
                continue
            del self._mfa[mfa_token]
            return self._issue(_Session(account.user_id))
        raise AuthError(401, "Invalid verification code")

    def renew(self, user_id: str, refresh_token: str) -> Grant:
        """Swap a refresh token for fresh tokens; the old refresh token stays valid too."""
        session = self._refresh.get(refresh_token)
        if session is None or session.ended or session.user_id != user_id:
            raise AuthError(401, "Invalid refresh token")
        return self._issue(session)

    def check(self, token: str) -> Account:
        """The account behind a live access token, or AuthError(401)."""
        grant = self._access.get(token)
        if grant is None or grant.session.ended:
            raise AuthError(401, "Invalid access token")
        if grant.expires_ts <= self._clock.now_ts():
            raise AuthError(401, "Access token expired")
        return self._state.accounts[grant.session.user_id]

    def logout(self, token: str) -> None:
        """End the session behind an access token: its access and refresh tokens all die."""
        self.check(token)
        session = self._access[token].session
        session.ended = True
        for refresh in session.refresh_tokens:
            self._refresh.pop(refresh, None)

    def issued(self) -> set[str]:
        """Every access and refresh token issued so far, live or not."""
        return set(self._access) | self._issued_refresh

    def expire_access_tokens(self) -> int:
        """Scenario: every access token issued so far is now expired."""
        for token, grant in self._access.items():
            self._access[token] = _Access(grant.session, float("-inf"))
        _LOGGER.info("expired %d access tokens", len(self._access))
        return len(self._access)

    def revoke_refresh_tokens(self) -> int:
        """Scenario: every refresh token issued so far is refused from now on."""
        count = len(self._refresh)
        self._refresh.clear()
        _LOGGER.info("revoked %d refresh tokens", count)
        return count
