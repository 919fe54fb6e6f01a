"""TLS client contexts, built once per CA file: each build costs about 20 ms of blocking CPU."""

from __future__ import annotations

import functools
import ssl

import certifi

from ..errors import SenseConfigError
from ..redact import shown

__all__ = ["client_ssl_context"]


@functools.lru_cache(maxsize=8)
def client_ssl_context(ca_file: str | None = None) -> ssl.SSLContext:
    """A verifying client context: certifi's CAs (as httpx uses), or only `ca_file`'s if given."""
    try:
        return ssl.create_default_context(cafile=ca_file or certifi.where())
    except (OSError, ssl.SSLError, ValueError) as err:  # ValueError: a NUL in the path
        reason = getattr(err, "strerror", None) or str(err)
        raise SenseConfigError(
            f"ca_file {shown(ca_file)} cannot be loaded as a PEM CA certificate: {reason}"
        ) from err
