"""`--proxy NAME=WATTS|NAME=mqtt:TOPIC` and `--kasa-bind HOST:PORT` for `run` and `demo`.

The driver owns the proxy service (a host without a command line has proxies too, and
set_proxy_power must reach the same plugs), so this service only hands the command line's
proxies and address to it before it connects; the driver opens and closes the sockets.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from ..errors import SenseConfigError
from .devices import (
    DEFAULT_KASA_BIND,
    MAX_WATTS,
    BindAddress,
    Source,
    check_watts,
    parse_bind,
    parse_source,
)
from .service import ProxyService

__all__ = ["add_proxy_arguments", "proxy_options"]


class _HasProxies(Protocol):
    @property
    def proxies(self) -> ProxyService: ...


MQTT_MARK = "=mqtt:"


def _proxy(text: str) -> tuple[str, float | Source]:
    """NAME=WATTS (the last '=' splits) or NAME=mqtt:TOPIC (the first '=mqtt:' splits)."""
    name, sep, value = text.partition(MQTT_MARK)
    if sep and name.strip():
        try:
            return name.strip(), parse_source(f"mqtt:{value}", f"--proxy {name.strip()!r}")
        except SenseConfigError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
    name, sep, watts = text.rpartition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(
            f"must look like NAME=WATTS (e.g. 'Pool pump=1200') or NAME=mqtt:TOPIC, got {text!r}"
        )
    try:
        return name.strip(), check_watts(watts, f"the watts of {name.strip()!r}")
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _bind(text: str) -> BindAddress:
    try:
        return parse_bind(text, "the address")
    except SenseConfigError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_proxy_arguments(parser: argparse.ArgumentParser) -> None:
    """The proxy options of `run` and `demo`."""
    group = parser.add_argument_group("proxy devices (emulated Kasa plugs Sense reads)")
    group.add_argument(
        "--proxy",
        action="append",
        type=_proxy,
        default=[],
        metavar="NAME=WATTS|NAME=mqtt:TOPIC",
        help=f"report a load to the Sense monitor as a Kasa plug reading WATTS (0 to "
        f"{MAX_WATTS:g}) until set_proxy_power changes it, or the payloads of TOPIC on the "
        "--mqtt broker (a number, or JSON with a power/watts/value field); repeatable",
    )
    group.add_argument(
        "--kasa-bind",
        type=_bind,
        default=None,
        metavar="HOST:PORT",
        help=f"where the emulated plugs listen, UDP and TCP (default {DEFAULT_KASA_BIND}, or the "
        "device's kasa_bind)",
    )


def proxy_options(
    args: argparse.Namespace, host: object, driver: _HasProxies
) -> AbstractAsyncContextManager[object] | None:
    """The side service's factory: None unless --proxy or --kasa-bind was given."""
    proxies: list[tuple[str, float | Source]] = args.proxy
    bind: BindAddress | None = args.kasa_bind
    if not proxies and bind is None:
        return None
    return _handed_over(driver.proxies, dict(proxies), bind)


@asynccontextmanager
async def _handed_over(
    service: ProxyService, readings: dict[str, float | Source], bind: BindAddress | None
) -> AsyncIterator[object]:
    service.add_fixed(readings, bind)
    try:
        yield service
    finally:
        await service.stop()
