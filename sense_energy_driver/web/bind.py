"""The dashboard's HOST:PORT: parsed once, and whether it keeps the page on this machine."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ..errors import SenseConfigError

__all__ = ["DEFAULT_HOST", "BindAddress", "parse_bind"]

DEFAULT_HOST = "127.0.0.1"
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


@dataclass(frozen=True, slots=True)
class BindAddress:
    """Where the dashboard listens; `loopback` decides whether it needs an access token."""

    host: str
    port: int

    @property
    def loopback(self) -> bool:
        """True for 127.0.0.0/8, ::1 and localhost: only this machine can connect."""
        return is_loopback_host(self.host)

    def url(self, port: int | None = None) -> str:
        """http://HOST:PORT/ with IPv6 hosts in brackets."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port if port is None else port}/"


def is_loopback_host(host: str) -> bool:
    """Whether a host name or address (brackets allowed) can only be this machine."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_bind(text: str) -> BindAddress:
    """`PORT`, `HOST:PORT` or `[IPv6]:PORT`; the host defaults to 127.0.0.1, port 0 picks one."""
    text = text.strip()
    host, sep, port_text = text.rpartition(":")
    bracketed = host.startswith("[")
    if not sep:
        host, port_text = DEFAULT_HOST, text
    elif bracketed:
        if not host.endswith("]"):
            raise SenseConfigError(f"--web {text!r}: an IPv6 address goes in brackets, [::1]:8080")
        host = host[1:-1]
    elif ":" in host:
        raise SenseConfigError(f"--web {text!r}: put an IPv6 address in brackets, [{host}]:PORT")
    host = host or DEFAULT_HOST
    try:
        port = int(port_text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise SenseConfigError(
            f"--web {text!r}: the port must be a number from 0 to 65535 (0 picks a free one), "
            "as in 127.0.0.1:8080"
        )
    if bracketed or ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise SenseConfigError(f"--web {text!r}: {host!r} is not an IPv6 address") from None
    return BindAddress(host, port)
