"""One running driver per device file: an advisory lock (fcntl) that names the process holding it.

The lock is on a small `<stem>.lock` file beside the device file, not on the device file itself:
the device file is replaced atomically on every save (by us or by an editor), which would drop a
lock held on its old inode. The lock file holds the owner's pid for the refusal message; the
kernel releases the lock when the process ends, however it ends, so a stale file is harmless.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import Self

from ..standalone_errors import StandaloneConfigError, StandaloneError

__all__ = ["DeviceFileLock", "DeviceInUseError", "lock_path_for"]


class DeviceInUseError(StandaloneError):
    """Another process runs the driver for this device file."""

    def __init__(self, message: str, *, pid: int | None) -> None:
        super().__init__(message)
        self.pid = pid


def lock_path_for(device_path: Path) -> Path:
    """`<stem>.lock` beside the device file."""
    return device_path.with_suffix(".lock")


class DeviceFileLock:
    """Held while `run` drives a device file; `acquire` refuses at once if another holds it."""

    def __init__(self, device_path: Path) -> None:
        self.device_path = device_path
        self.path = lock_path_for(device_path)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock without waiting; DeviceInUseError names the holder's pid."""
        if self._fd is not None:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as err:
            raise StandaloneConfigError(
                f"{self.path}: cannot create the lock file: {err.strerror or err}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            holder = f"process {pid}" if pid is not None else "another process"
            raise DeviceInUseError(
                f"{self.device_path} is already being run by {holder} (lock {self.path}); "
                "stop that one first. `command` and `history` work alongside it.",
                pid=pid,
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        """Let go of the lock (the file stays; an unlocked file means nobody runs)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the descriptor releases the flock

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
