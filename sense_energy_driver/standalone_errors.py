"""The root of every error the standalone host, its files and the CLI raise, by what comes next.

SenseError
└── StandaloneError                       the standalone product failed
    ├── StandaloneConfigError             fix the setup, then run again (CLI exit status 2);
    │                                     also a SenseConfigError. DeviceFileError, SchemaProblem,
    │                                     KeyFileError, GemCryptError, UsageError, MqttConfigError
    └── (runtime failures, exit status 1) DeviceInUseError, StoreError, ManifestError,
                                          UnmaskedSecretError

It sits beside `standalone/` rather than in it: manifest.py (read by the standalone package)
derives ManifestError from it, and importing anything under `standalone/` loads that package.
"""

from __future__ import annotations

from .errors import SenseConfigError, SenseError

__all__ = ["StandaloneConfigError", "StandaloneError"]


class StandaloneError(SenseError):
    """The standalone host or the CLI failed at run time: a store, a lock, the install."""


class StandaloneConfigError(StandaloneError, SenseConfigError):
    """A file, a key or an argument the user gave is wrong; the message says what is valid."""
