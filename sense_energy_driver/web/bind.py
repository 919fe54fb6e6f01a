"""The dashboard's `--web [HOST:]PORT`: 127.0.0.1 unless a host is given, and its page URL."""

from __future__ import annotations

from ..netaddress import BindAddress, is_loopback_host, parse_host_port

__all__ = ["DEFAULT_HOST", "BindAddress", "is_loopback_host", "page_url", "parse_bind"]

DEFAULT_HOST = "127.0.0.1"


def parse_bind(text: str, where: str = "--web") -> BindAddress:
    """`PORT`, `HOST:PORT` or `[IPv6]:PORT`; the host defaults to 127.0.0.1, port 0 picks one."""
    return parse_host_port(text, where=where, example="127.0.0.1:8080", default_host=DEFAULT_HOST)


def page_url(bind: BindAddress, port: int | None = None) -> str:
    """http://HOST:PORT/ with IPv6 hosts in brackets; `port` is the one bound, for port 0."""
    return f"http://{BindAddress(bind.host, bind.port if port is None else port)}/"
