"""The dashboard's access token: made once, kept encrypted beside the device file, never echoed.

A non-loopback bind needs it. It lives in `<device stem>.web-token` as one gem-crypt value under
the device file's own key, so it is as safe at rest as the Sense password. The browser trades it
once (`/?token=...`) for a cookie that holds an HMAC of it, never the token itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SenseConfigError
from ..standalone.atomic import atomic_write_text
from ..standalone.crypto import (
    GemCryptError,
    KeyFileError,
    decrypt,
    encrypt,
    read_key_file,
)

__all__ = ["AccessToken", "load_or_create_token", "token_path_for"]

TOKEN_BYTES = 24
_COOKIE_CONTEXT = b"sense-energy-driver web session v1"


def token_path_for(device_path: Path) -> Path:
    """`<stem>.web-token` beside the device file."""
    return device_path.with_suffix(".web-token")


@dataclass(frozen=True, slots=True)
class AccessToken:
    """The secret a remote browser or API client must show; `repr` never reveals it."""

    secret: str = field(repr=False)
    path: Path
    created: bool = False

    @property
    def cookie_value(self) -> str:
        """What the session cookie holds: derived from the token, useless to recover it."""
        return hmac.new(self.secret.encode(), _COOKIE_CONTEXT, hashlib.sha256).hexdigest()

    def matches(self, presented: str) -> bool:
        """Constant-time check of a presented token."""
        return hmac.compare_digest(presented.encode(), self.secret.encode())

    def matches_cookie(self, presented: str) -> bool:
        """Constant-time check of a presented session cookie."""
        return hmac.compare_digest(presented.encode(), self.cookie_value.encode())


def load_or_create_token(path: Path, key_path: Path) -> AccessToken:
    """The stored token, or a new one saved encrypted (created=True: show it to the user once)."""
    try:
        key = read_key_file(key_path)
    except KeyFileError as err:
        raise SenseConfigError(f"web access token: {err}") from None
    try:
        stored = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        secret = secrets.token_urlsafe(TOKEN_BYTES)
        try:
            atomic_write_text(path, encrypt(key, secret) + "\n", new_file_mode=0o600)
        except OSError as err:
            raise SenseConfigError(
                f"{path}: cannot save the web access token: {err.strerror or err}"
            ) from None
        return AccessToken(secret, path, created=True)
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) else "not UTF-8 text"
        raise SenseConfigError(f"{path}: cannot read the web access token: {reason}") from None
    try:
        secret = decrypt(key, stored)
    except GemCryptError as err:
        raise SenseConfigError(
            f"{path}: the web access token {err} (key file {key_path}); delete the file to "
            "have a new token made"
        ) from None
    if len(secret) < 16:
        raise SenseConfigError(
            f"{path}: the web access token is too short; delete the file to have a new one made"
        )
    return AccessToken(secret, path)
