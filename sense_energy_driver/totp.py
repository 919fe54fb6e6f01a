"""TOTP codes (RFC 6238) from the secret an authenticator app would be given, for unattended MFA."""

from __future__ import annotations

import base64
import binascii
import time

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from .errors import SenseConfigError

__all__ = ["totp_code"]

_DIGITS = 6
_STEP_S = 30


def _key(secret_base32: str) -> bytes:
    """Decode the secret as apps show it: any case, spaces or dashes, padding optional."""
    cleaned = "".join(secret_base32.split()).replace("-", "").upper().rstrip("=")
    if not cleaned:
        raise SenseConfigError("totp_secret is not valid base32 (it is empty)")
    try:
        return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError) as err:
        raise SenseConfigError(
            "totp_secret is not valid base32 (letters A-Z and digits 2-7, as the Sense app "
            "shows it when setting up an authenticator)"
        ) from err


def totp_code(secret_base32: str, *, at: float | None = None) -> str:
    """The 6-digit code for `at` (default now), as an authenticator app would show it."""
    # RFC 6238 authenticators use HMAC-SHA1: interoperability, not hashing.
    totp = TOTP(_key(secret_base32), _DIGITS, SHA1(), _STEP_S, enforce_key_length=False)  # noqa: S303
    return totp.generate(int(time.time() if at is None else at)).decode("ascii")
