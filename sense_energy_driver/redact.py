"""Keep secrets out of log lines: tokens in query strings and known secret values."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

__all__ = ["redact", "redact_url", "shown"]

_QUERY_SECRET: Final = re.compile(
    r"(?i)((?:access_token|refresh_token|mfa_token|password|totp)=)[^&\s#'\"]+"
)
_BEARER: Final = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
REDACTED: Final = "<redacted>"


def shown(value: object, limit: int = 60) -> str:
    """A value quoted in an error message: its repr, cut short (a 100 000-character value is
    named, not echoed)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def redact_url(url: str) -> str:
    """A URL fit for a log line: any token carried in its query string replaced."""
    return _QUERY_SECRET.sub(r"\1" + REDACTED, url)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Text fit for a log line: no token query strings, bearer headers or given secrets."""
    text = _BEARER.sub(r"\1" + REDACTED, redact_url(text))
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text
