"""Reading the simulator's REST requests (form fields, bearer token, times); its error answers."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

__all__ = ["ApiError", "bearer", "error_response", "parse_time", "read_form"]


class ApiError(Exception):
    """An error answer: HTTP status and the `error_reason` for the JSON body."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers


def error_response(status: int, reason: str, headers: dict[str, str] | None = None) -> Response:
    """The JSON error body every failure carries."""
    return JSONResponse({"status": "error", "error_reason": reason}, status, headers=headers)


def parse_time(value: str, name: str) -> datetime:
    """An ISO 8601 time; naive means UTC (as the real API reads `start`).

    A '+' offset that arrived unescaped in a query string (so as a space) is restored.
    """
    value = re.sub(r" (\d{2}:?\d{2})$", r"+\1", value.strip())
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"Malformed {name}: expected an ISO 8601 date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def read_form(request: Request, *names: str) -> dict[str, str]:
    """Form-encoded (or JSON) fields; a missing one is a 400."""
    raw = await request.body()
    try:
        if "json" in request.headers.get("content-type", ""):
            loaded = json.loads(raw or b"{}")
            if not isinstance(loaded, dict):
                raise ValueError("not an object")
            fields = {str(k): str(v) for k, v in loaded.items()}
        else:
            parsed = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            fields = {k: v[0] for k, v in parsed.items()}
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "Malformed request body") from None
    missing = [n for n in names if not fields.get(n)]
    if missing:
        raise ApiError(400, f"Missing form field(s): {', '.join(missing)}")
    return fields


def bearer(request: Request) -> str:
    """The token of an `Authorization: bearer <token>` header (scheme in any case)."""
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Missing bearer token")
    return token.strip()
