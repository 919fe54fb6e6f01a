"""The standalone reference host: runs the driver outside a host platform.

A device file holds the configuration (secure values encrypted in the host platform's gem-crypt
format), a SQLite store keeps runtime values and their history, and the device log goes to the
console and a rotating file. See docs/host-integration.md.
"""

from __future__ import annotations

from ..standalone_errors import StandaloneConfigError, StandaloneError
from .devicefile import KEY_FILE_NAME, DeviceFile, DeviceFileError, FileChanges
from .host import Change, HostValues, StandaloneHost, log_path_for, store_path_for
from .lock import DeviceFileLock, DeviceInUseError, lock_path_for
from .schema import Zone
from .store import RuntimeStore, StoredValue, StoreError

__all__ = [
    "KEY_FILE_NAME",
    "Change",
    "DeviceFile",
    "DeviceFileError",
    "DeviceFileLock",
    "DeviceInUseError",
    "FileChanges",
    "HostValues",
    "RuntimeStore",
    "StandaloneConfigError",
    "StandaloneError",
    "StandaloneHost",
    "StoreError",
    "StoredValue",
    "Zone",
    "lock_path_for",
    "log_path_for",
    "store_path_for",
]
