"""A hint line under an error that is the configuration's fault, naming the attribute to fix.

Failures such as a refused connection or an untrusted certificate reach the CLI as a SenseError
whose text carries the underlying cause; this reads that cause and says what to change.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..const import DEFAULT_API_URL
from ..netaddress import is_loopback_host

__all__ = ["hint_for", "plain_url_warnings"]

_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        (
            "certificate verify failed",
            "certificate_verify_failed",
            "self-signed certificate",
            "certificate was not trusted",  # the HTTP transport's own wording
        ),
        "the server's certificate is not trusted: set ca_file to the PEM bundle of the CA that "
        "signed it (the simulator's --tls mode prints its ca.pem)",
    ),
    (
        ("wrong version number", "record layer failure", "packet length too long"),
        "api_url says https:// but the server answers plain HTTP (or the port is not its TLS "
        "port): use http:// for a plain server, such as the simulator without --tls",
    ),
    (
        ("connection refused", "all connection attempts failed", "connect call failed"),
        "nothing accepts connections at api_url: check its host and port, and that the server runs",
    ),
    (
        ("name or service not known", "temporary failure in name resolution", "nodename nor"),
        "the host name in api_url does not resolve: check the spelling and the DNS",
    ),
    (
        ("authenticate http 404",),
        f"the server has no Sense API at api_url's path: Sense's is {DEFAULT_API_URL}",
    ),
)


def hint_for(err: BaseException) -> str | None:
    """What to change for a configuration-shaped failure, or None for any other."""
    text = str(err).casefold()
    for needles, hint in _HINTS:
        if any(n in text for n in needles):
            return hint
    return None


def plain_url_warnings(values: dict[str, object]) -> list[str]:
    """Warnings for api_url/realtime_url without TLS to another machine: secrets in the clear."""
    out = []
    for name, plain in (("api_url", "http"), ("realtime_url", "ws")):
        url = values.get(name)
        if not isinstance(url, str):
            continue
        parts = urlsplit(url)
        if parts.scheme == plain and not is_loopback_host(parts.hostname or ""):
            out.append(
                f"{name} uses plain {plain}:// to {parts.hostname}: the password and tokens "
                f"cross the network unencrypted; use {plain}s:// unless this is a test server"
            )
    return out
