"""The device log: what the driver tells the host, on the console and in a rotating file."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

__all__ = ["LOG_BACKUPS", "LOG_MAX_BYTES", "DeviceLog"]

LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3
_FILE_FORMAT = "%(asctime)s %(levelname)-7s %(message)s"


class DeviceLog:
    """A private logger per device, so two devices never share (or duplicate) handlers."""

    def __init__(
        self,
        device_name: str,
        path: Path | None,
        *,
        console: logging.Handler | None = None,
        console_level: int = logging.INFO,
    ) -> None:
        # A Logger built directly is not registered globally: it is collected with this object
        # and never propagates to the root logger.
        self._logger = logging.Logger(f"device.{device_name}", logging.DEBUG)  # noqa: LOG001
        self.path = path
        self._handlers: list[logging.Handler] = []
        if console is None:
            console = logging.StreamHandler(sys.stderr)
            console.setFormatter(logging.Formatter(f"%(levelname)s [{device_name}] %(message)s"))
        console.setLevel(console_level)
        self._add(console)
        if path is not None:
            file_handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
            )
            file_handler.setFormatter(logging.Formatter(_FILE_FORMAT))
            file_handler.setLevel(logging.DEBUG)
            self._add(file_handler)

    def _add(self, handler: logging.Handler) -> None:
        self._handlers.append(handler)
        self._logger.addHandler(handler)

    def log(self, level: int, message: str) -> None:
        """One line of the device log."""
        self._logger.log(level, "%s", message)

    def close(self) -> None:
        """Flush and detach the handlers (the file one is closed); safe to call twice."""
        for handler in self._handlers:
            self._logger.removeHandler(handler)
            handler.flush()
            if isinstance(handler, logging.FileHandler):
                handler.close()
        self._handlers.clear()
