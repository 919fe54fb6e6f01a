"""Counts what should never happen in a long run: unhandled loop exceptions and error logs."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any


class Watchdog(logging.Handler):
    """Installed as the loop's exception handler and as a root log handler at WARNING."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.unhandled: list[str] = []
        self.logged: Counter[str] = Counter()
        self.errors: list[str] = []

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.set_exception_handler(self._on_loop_exception)
        logging.getLogger().addHandler(self)

    def uninstall(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.set_exception_handler(None)
        logging.getLogger().removeHandler(self)

    def _on_loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        self.unhandled.append(f"{context.get('message')}: {exc!r}")

    def emit(self, record: logging.LogRecord) -> None:
        self.logged[f"{record.levelname} {record.name}"] += 1
        if record.levelno >= logging.ERROR or record.exc_info:
            self.errors.append(f"{record.name}: {record.getMessage()}"[:300])
