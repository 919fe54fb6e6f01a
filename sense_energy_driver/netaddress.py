"""HOST:PORT addresses to listen on, parsed one way for every server (dashboard, Kasa plugs).

Also whether a host can only be this machine: a loopback bind needs no access token, and a plain
http:// URL to loopback carries no secret across a network.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .errors import SenseConfigError

__all__ = ["BindAddress", "is_loopback_host", "parse_host_port"]

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
_PORT_RANGE = "the port must be a number from 0 to 65535 (0 picks a free one)"


@dataclass(frozen=True, slots=True)
class BindAddress:
    """Where a server listens; port 0 lets the system pick a free one (tests)."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def loopback(self) -> bool:
        """True for 127.0.0.0/8, ::1 and localhost: only this machine can connect."""
        return is_loopback_host(self.host)


def is_loopback_host(host: str) -> bool:
    """Whether a host name or address (brackets allowed) can only be this machine."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_host_port(
    text: str, *, where: str, example: str, default_host: str | None = None
) -> BindAddress:
    """`HOST:PORT` or `[IPv6]:PORT`; with `default_host`, `PORT` and `:PORT` too.

    A SenseConfigError names `where` (the option or attribute), the shape, an example and
    what is wrong with `text`.
    """
    text = text.strip()
    shape = "HOST:PORT" if default_host is None else "[HOST:]PORT"

    def refused(why: str) -> SenseConfigError:
        return SenseConfigError(f"{where} must be {shape} such as {example}: {why}, got {text!r}")

    host, sep, port_text = text.rpartition(":")
    bracketed = host.startswith("[")
    if not sep:
        host, port_text = "", text
    elif bracketed:
        if not host.endswith("]"):
            raise refused("an IPv6 address goes in brackets, as in [::1]:8080")
        host = host[1:-1]
    elif ":" in host:
        raise refused(f"put an IPv6 address in brackets, as in [{host}]:PORT")
    if not host:
        if default_host is None:
            raise refused("the host is missing")
        host = default_host
    port = int(port_text) if port_text.isascii() and port_text.isdigit() else -1
    if not 0 <= port <= 65535:
        raise refused(_PORT_RANGE)
    if bracketed or ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise refused(f"{host!r} is not an IPv6 address") from None
    return BindAddress(host, port)
