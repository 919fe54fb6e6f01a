"""Who may see the dashboard: anyone on this machine for a loopback bind, else token holders.

With a loopback bind the Host header must name this machine too, so a web page elsewhere cannot
read the dashboard through a DNS name rebound to 127.0.0.1. With any other bind every request,
whatever its source, must show the access token (`Authorization: Bearer`, or `?token=` once,
which a browser trades for an HttpOnly session cookie); without it the answer is 401.
"""

from __future__ import annotations

import logging

from starlette.datastructures import URL, Headers, QueryParams
from starlette.requests import cookie_parser
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..netaddress import is_loopback_host
from .token import AccessToken

__all__ = ["COOKIE_NAME", "AccessGuard"]

_LOGGER = logging.getLogger(__name__)

COOKIE_NAME = "sense_web_session"
REFUSED = (
    "This dashboard is bound to a network address and needs its access token: open it once as "
    "http://HOST:PORT/?token=TOKEN, or send 'Authorization: Bearer TOKEN'. The token was shown "
    "when it was made; delete the .web-token file beside the device file to have a new one made."
)


def _host_name(header: str) -> str:
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class AccessGuard:
    """ASGI middleware in front of every route (pure ASGI, so streams are not buffered)."""

    def __init__(self, app: ASGIApp, *, token: AccessToken | None) -> None:
        self._app = app
        self._token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        refusal = self._check(scope)
        if refusal is None:
            await self._app(scope, receive, send)
        else:
            await refusal(scope, receive, send)

    def _check(self, scope: Scope) -> Response | None:
        headers = Headers(scope=scope)
        token = self._token
        if token is None:
            host = _host_name(headers.get("host", ""))
            if is_loopback_host(host):
                return None
            return PlainTextResponse(
                f"Refused: the Host header {host!r} is not this machine; this dashboard is bound "
                "to loopback and answers only to localhost, 127.0.0.1 or [::1].",
                status_code=403,
            )
        scheme, _, credential = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.matches(credential.strip()):
            return None
        cookie = cookie_parser(headers.get("cookie", "")).get(COOKIE_NAME, "")
        if cookie and token.matches_cookie(cookie):
            return None
        url = URL(scope=scope)
        presented = QueryParams(url.query).get("token")
        if presented is not None and token.matches(presented):
            if scope["method"] == "GET" and scope["path"] == "/":
                return self._session(token)
            return None
        client = scope.get("client") or ("?", 0)
        _LOGGER.info(
            "refused %s %s from %s: no valid access token", scope["method"], url.path, client[0]
        )
        return PlainTextResponse(
            REFUSED, status_code=401, headers={"WWW-Authenticate": 'Bearer realm="dashboard"'}
        )

    @staticmethod
    def _session(token: AccessToken) -> Response:
        """Set the session cookie and drop the token from the address bar."""
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            COOKIE_NAME, token.cookie_value, httponly=True, samesite="strict", path="/"
        )
        return response
