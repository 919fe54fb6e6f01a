"""The dashboard's ASGI application: the page, its vendored files, the API, and the guards."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .api import DashboardApi
from .auth import AccessGuard
from .token import AccessToken

__all__ = ["STATIC_DIR", "build_app"]

STATIC_DIR = Path(__file__).parent / "static"

# The page loads nothing from elsewhere and runs no inline script.
SECURITY_HEADERS = (
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every HTTP response (pure ASGI: streams pass straight through)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self._app(scope, receive, send_with_headers)


async def _page(request: Request) -> Response:
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-store"})


async def _favicon(request: Request) -> Response:
    """Browsers ask for /favicon.ico on pages without an icon link, such as an API answer."""
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")


async def _no_such_api(request: Request) -> Response:
    return JSONResponse(
        {"error": f"no API at {request.url.path}; see docs/web.md for the endpoints"},
        status_code=404,
    )


def build_app(api: DashboardApi, token: AccessToken | None) -> ASGIApp:
    """The whole application; `token` None means a loopback bind (no token asked)."""
    routes: list[BaseRoute] = [
        Route("/", _page),
        Route("/favicon.ico", _favicon),
        *api.routes(),
        Route("/api/{rest:path}", _no_such_api),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    return AccessGuard(SecurityHeaders(Starlette(routes=routes)), token=token)
