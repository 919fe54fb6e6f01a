"""`--web HOST:PORT` on `run` and `demo`: the option, and the dashboard started beside the driver.

Importing this module needs no web library: starlette and uvicorn are imported only when the
option is used, so the core install stays small (`pip install 'sense-energy-driver[web]'`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, TextIO

from ..errors import SenseConfigError
from .bind import BindAddress, parse_bind
from .token import AccessToken, load_or_create_token, token_path_for

if TYPE_CHECKING:
    from ..driver import SenseEnergyDriver
    from ..standalone import StandaloneHost

__all__ = ["add_web_arguments", "build_web_service", "serve_dashboard"]


def _bind_argument(text: str) -> BindAddress:
    try:
        return parse_bind(text, where="the address")
    except SenseConfigError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_web_arguments(parser: argparse.ArgumentParser) -> None:
    """--web [HOST:]PORT."""
    parser.add_argument(
        "--web",
        type=_bind_argument,
        metavar="[HOST:]PORT",
        help="serve the live web dashboard at HOST:PORT (host 127.0.0.1 unless given; port 0 "
        "picks one). Any non-loopback address needs an access token, made and shown once",
    )


def _announce_token(token: AccessToken, url: str, out: TextIO) -> None:
    """Show a new token once (never through logging, so never in the device log)."""
    if token.created:
        print(
            f"web dashboard access token (shown this once; kept encrypted in {token.path}):\n"
            f"  {token.secret}\n"
            f"open {url}?token=<token> once in each browser, or send "
            "'Authorization: Bearer <token>'",
            file=out,
            flush=True,
        )
    else:
        print(
            f"web dashboard needs the access token shown when it was made (kept encrypted in "
            f"{token.path}; delete that file to have a new one made and shown)",
            file=out,
            flush=True,
        )


@asynccontextmanager
async def serve_dashboard(
    bind: BindAddress,
    host: StandaloneHost,
    driver: SenseEnergyDriver,
    *,
    out: TextIO | None = None,
) -> AsyncIterator[None]:
    """The dashboard for the block; says where it is (and about its token) on stderr."""
    out = out or sys.stderr
    try:
        from .server import Dashboard
    except ImportError as err:
        raise SenseConfigError(
            f"--web needs the web extra: pip install 'sense-energy-driver[web]' ({err})"
        ) from None
    token = None
    if not bind.loopback:
        token = load_or_create_token(token_path_for(host.device_path), host.key_path)
    dashboard = Dashboard(host, driver.command, bind, token=token)
    try:
        await dashboard.start()
    except OSError as err:
        await dashboard.stop()
        raise OSError(
            f"--web {bind.host}:{bind.port}: cannot serve: {err.strerror or err}"
        ) from None
    try:
        print(f"web dashboard on {dashboard.url}", file=out, flush=True)
        if token is not None:
            _announce_token(token, dashboard.url, out)
        yield
    finally:
        await dashboard.stop()


def build_web_service(
    args: argparse.Namespace, host: StandaloneHost, driver: SenseEnergyDriver
) -> AbstractAsyncContextManager[None] | None:
    """The ServiceSpec factory: the dashboard when --web was given."""
    bind: BindAddress | None = getattr(args, "web", None)
    return None if bind is None else serve_dashboard(bind, host, driver)
