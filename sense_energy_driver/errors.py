"""One exception tree for the driver, shaped by what the caller does next.

SenseError
├── retry later:       SenseConnectionError (SenseTimeoutError, SenseFeedClosedError,
│                      SenseEndpointError — raised at once by connect(), names the attribute),
│                      SenseServerError
├── wait:              SenseRateLimitError (.retry_after)
├── renew the token:   SenseTokenExpiredError
├── fix credentials:   SenseAuthError (SenseMfaRequiredError: give a code)
└── fix the request:   SenseConfigError, SenseCommandError, SenseProtocolError,
                       SenseForbiddenError, SenseNotFoundError, SenseBadRequestError
"""

from __future__ import annotations

__all__ = [
    "SenseAuthError",
    "SenseBadRequestError",
    "SenseCommandError",
    "SenseConfigError",
    "SenseConnectionError",
    "SenseEndpointError",
    "SenseError",
    "SenseFeedClosedError",
    "SenseForbiddenError",
    "SenseMfaRequiredError",
    "SenseNotFoundError",
    "SenseProtocolError",
    "SenseRateLimitError",
    "SenseServerError",
    "SenseTimeoutError",
    "SenseTokenExpiredError",
]


class SenseError(Exception):
    """Root of every error this package raises, so a host can catch them all in one place."""


# --- retry: the network or the cloud failed transiently -----------------------------------------


class SenseConnectionError(SenseError):
    """The cloud could not be reached (DNS, refused, reset, TLS); retrying later may work."""


class SenseTimeoutError(SenseConnectionError, TimeoutError):
    """A request or the feed took too long; also a TimeoutError so generic handlers still work."""


class SenseServerError(SenseError):
    """The cloud answered 5xx; retry with backoff."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class SenseEndpointError(SenseConnectionError):
    """The configured endpoint cannot be the Sense cloud as configured: connection refused, TLS
    not trusted or not spoken, or a 404 on the API path. `attribute` names the configuration
    attribute to fix (api_url, realtime_url or ca_file). connect() and one-shot commands raise it
    at once instead of retrying; the background loops keep retrying it with backoff."""

    def __init__(self, message: str, *, attribute: str) -> None:
        super().__init__(message)
        self.attribute = attribute


class SenseFeedClosedError(SenseConnectionError):
    """The realtime WebSocket closed; carries the close code and reason for the device log."""

    def __init__(self, message: str, *, code: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


# --- wait: the cloud asked us to slow down ------------------------------------------------------


class SenseRateLimitError(SenseError):
    """The cloud answered 429; do not ask again before `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# --- renew the token; or fix the credentials (siblings: the first is routine, the second not) ----


class SenseTokenExpiredError(SenseError):
    """A bearer call got 401: the access token is stale; renew it (the session does), then go on.

    Not an SenseAuthError: nothing is wrong with the credentials."""


class SenseAuthError(SenseError):
    """Credentials (or the refresh token) were rejected; retrying with the same ones would only
    lock the account, so the driver waits until they change."""


class SenseMfaRequiredError(SenseAuthError):
    """The account has MFA enabled; a TOTP code is needed to finish logging in."""

    def __init__(self, message: str, *, mfa_token: str) -> None:
        super().__init__(message)
        self.mfa_token = mfa_token

    def __repr__(self) -> str:
        return f"SenseMfaRequiredError({str(self)!r}, mfa_token=<redacted>)"


# --- give up loudly: the request or the data is wrong -------------------------------------------


class SenseForbiddenError(SenseError):
    """403: the resource (usually a monitor) belongs to another account."""


class SenseNotFoundError(SenseError):
    """404: the monitor or device does not exist."""


class SenseBadRequestError(SenseError):
    """400: the cloud rejected the request's parameters."""


class SenseProtocolError(SenseError):
    """The cloud sent something this driver cannot understand (schema drift, bad frame)."""


class SenseConfigError(SenseError):
    """A configuration attribute is missing or invalid; the message names it and what is valid."""


class SenseCommandError(SenseError):
    """A command's action or argument is invalid; the message names what is valid."""
