"""Secure attributes at rest in the host platform's `gem-crypt:<iv>:<tag>:<ciphertext>` format.

AES-256-GCM with a 12-byte random IV and a 16-byte tag, every field lower-case hex, so a device
file written here is readable by the host platform and the other way round. The 32-byte key lives
in a hex key file created once with mode 0600.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..standalone_errors import StandaloneConfigError

__all__ = [
    "KEY_BYTES",
    "PREFIX",
    "GemCryptError",
    "KeyFileError",
    "create_key_file",
    "decrypt",
    "encrypt",
    "is_encrypted",
    "read_key_file",
]

_LOGGER = logging.getLogger(__name__)

PREFIX = "gem-crypt:"
KEY_BYTES = 32
IV_BYTES = 12
TAG_BYTES = 16
_FORMAT = re.compile(
    rf"^{PREFIX}(?P<iv>[0-9a-f]{{{IV_BYTES * 2}}}):(?P<tag>[0-9a-f]{{{TAG_BYTES * 2}}})"
    r":(?P<ct>(?:[0-9a-f]{2})*)$"
)


class GemCryptError(StandaloneConfigError):
    """A gem-crypt value is malformed, tampered with, or was encrypted with another key."""


class KeyFileError(StandaloneConfigError):
    """The key file cannot be read, created, or does not hold a 32-byte hex key."""


def is_encrypted(value: object) -> bool:
    """Whether a stored value claims to be gem-crypt (well-formed or not)."""
    return isinstance(value, str) and value.startswith(PREFIX)


def encrypt(key: bytes, plaintext: str) -> str:
    """Encrypt one value with a fresh random IV."""
    iv = secrets.token_bytes(IV_BYTES)
    sealed = AESGCM(key).encrypt(iv, plaintext.encode("utf-8"), None)
    ciphertext, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    return f"{PREFIX}{iv.hex()}:{tag.hex()}:{ciphertext.hex()}"


def decrypt(key: bytes, value: str) -> str:
    """Decrypt one value; any failure is a GemCryptError that never includes the value."""
    match = _FORMAT.match(value)
    if match is None:
        raise GemCryptError(
            "is not a well-formed gem-crypt value "
            f"({PREFIX}<24 hex iv>:<32 hex tag>:<hex ciphertext>)"
        )
    iv = bytes.fromhex(match["iv"])
    sealed = bytes.fromhex(match["ct"]) + bytes.fromhex(match["tag"])
    try:
        plain = AESGCM(key).decrypt(iv, sealed, None)
    except InvalidTag:
        raise GemCryptError(
            "does not decrypt: the value was changed or encrypted with a different key"
        ) from None
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:
        raise GemCryptError("decrypts to bytes that are not UTF-8 text") from None


def read_key_file(path: Path) -> bytes:
    """The key in `path`; warns when the file is readable by anyone but its owner."""
    try:
        text = path.read_text(encoding="ascii").strip()
        mode = path.stat().st_mode
    except (OSError, UnicodeDecodeError) as err:
        raise KeyFileError(f"{path}: cannot read the encryption key: {err}") from None
    if not text:
        raise KeyFileError(
            f"{path}: the encryption key file is empty (was a process stopped while creating it?)"
        )
    if len(text) != KEY_BYTES * 2 or re.fullmatch(r"[0-9a-fA-F]+", text) is None:
        raise KeyFileError(
            f"{path}: the encryption key must be {KEY_BYTES * 2} hex digits ({KEY_BYTES} bytes), "
            f"found {len(text)} characters"
        )
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        _LOGGER.warning("%s is readable by other users; chmod 600 it", path)
    return bytes.fromhex(text)


def create_key_file(path: Path) -> bytes:
    """Create a new random key with mode 0600; if another process won the race, use its key."""
    key = secrets.token_bytes(KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_key_file(path)
    except OSError as err:
        raise KeyFileError(f"{path}: cannot create the encryption key: {err.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(key.hex() + "\n")
            out.flush()
            os.fsync(out.fileno())
    except OSError as err:
        path.unlink(missing_ok=True)
        raise KeyFileError(f"{path}: cannot write the encryption key: {err.strerror}") from None
    _LOGGER.info("created encryption key %s", path)
    return key
