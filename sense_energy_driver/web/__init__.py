"""The local web dashboard: live power, zones, today's timeline and daily kWh in a browser.

`--web HOST:PORT` on `run` and `demo` serves it from the host's own process (see docs/web.md).
Only `service` is imported by the CLI; the server modules need the `web` extra.
"""

from __future__ import annotations

from .bind import BindAddress, parse_bind
from .service import add_web_arguments, build_web_service

__all__ = ["BindAddress", "add_web_arguments", "build_web_service", "parse_bind"]
