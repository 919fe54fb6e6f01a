"""The device file: the standalone host's record of one device's configuration and zones.

`{"name": ..., "attributes": {...}, "zones": [{"address": ..., "label": ...}]}`. Secure attributes
are kept encrypted (gem-crypt) on disk and decrypted only in memory. Any problem raises one
DeviceFileError naming the file and the field, before anything is written.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from ..errors import SenseConfigError
from ..manifest import Manifest, load_manifest
from .atomic import atomic_write_text
from .crypto import (
    GemCryptError,
    KeyFileError,
    create_key_file,
    decrypt,
    encrypt,
    is_encrypted,
    read_key_file,
)
from .schema import SchemaProblem, Zone, check_attributes, check_document, coerce

__all__ = ["KEY_FILE_NAME", "DeviceFile", "DeviceFileError"]

_LOGGER = logging.getLogger(__name__)

KEY_FILE_NAME = ".encryption_key"


class DeviceFileError(SenseConfigError):
    """The device file (or its key) is missing or invalid; the message says where and why."""


def _read_json(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DeviceFileError(f"{path}: device file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) else "not UTF-8 text"
        raise DeviceFileError(f"{path}: cannot read the device file: {reason}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise DeviceFileError(
            f"{path}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
        ) from None


class DeviceFile:
    """One loaded device file: typed, decrypted values in memory, the encrypted form on disk."""

    def __init__(
        self,
        path: Path,
        *,
        key_path: Path,
        key: bytes,
        name: str | None,
        values: dict[str, object],
        zones: list[Zone],
        document: dict[str, Any],
        manifest: Manifest,
    ) -> None:
        self.path = path
        self.key_path = key_path
        self.name = name or path.stem
        self._key = key
        self._values = values
        self._zones = zones
        self._document = document
        self._manifest = manifest

    def __repr__(self) -> str:
        return f"DeviceFile({str(self.path)!r}, zones={len(self._zones)})"

    @classmethod
    def load(cls, path: Path, *, key_path: Path | None = None) -> DeviceFile:
        """Read, check and decrypt; encrypt plaintext secure values and rewrite the file once."""
        manifest = load_manifest()
        key_path = key_path or path.parent / KEY_FILE_NAME
        document = _read_json(path)
        try:
            name, raw, zones = check_document(manifest, document)
            values = check_attributes(manifest, raw)
        except SchemaProblem as err:
            raise DeviceFileError(f"{path}: {err}") from None
        assert isinstance(document, dict)
        secure = [n for n in manifest.secure_names if n in values]
        key = cls._key_for(path, key_path, [n for n in secure if is_encrypted(values[n])])
        plaintext = []
        for attr_name in secure:
            stored = values[attr_name]
            assert isinstance(stored, str)
            if is_encrypted(stored):
                try:
                    values[attr_name] = decrypt(key, stored)
                except GemCryptError as err:
                    raise DeviceFileError(
                        f"{path}: attribute '{attr_name}' {err} (key file {key_path})"
                    ) from None
            else:
                plaintext.append(attr_name)
        loaded = cls(
            path,
            key_path=key_path,
            key=key,
            name=name,
            values=values,
            zones=zones,
            document=document,
            manifest=manifest,
        )
        if plaintext:
            attributes = document["attributes"]
            for attr_name in plaintext:
                attributes[attr_name] = encrypt(key, str(values[attr_name]))
            names = ", ".join(sorted(plaintext))
            try:
                loaded._save()
            except OSError as err:
                raise DeviceFileError(
                    f"{path}: cannot save {names} encrypted: {err.strerror or err}"
                ) from None
            _LOGGER.info("%s: encrypted %s at rest", path, names)
        return loaded

    @staticmethod
    def _key_for(path: Path, key_path: Path, encrypted: list[str]) -> bytes:
        try:
            if key_path.exists():
                return read_key_file(key_path)
            if encrypted:
                raise DeviceFileError(
                    f"{path}: attribute '{sorted(encrypted)[0]}' is encrypted but the key file "
                    f"{key_path} is missing; restore it, or replace the value with plain text "
                    "to have it encrypted with a new key"
                )
            return create_key_file(key_path)
        except KeyFileError as err:
            raise DeviceFileError(str(err)) from None

    # --- reading --------------------------------------------------------------------------------

    def get(self, name: str) -> object | None:
        """A configuration value (decrypted), or None when unset."""
        return self._values.get(name)

    @property
    def zones(self) -> tuple[Zone, ...]:
        return tuple(self._zones)

    # --- writing --------------------------------------------------------------------------------

    def set(self, name: str, value: object) -> bool:
        """Set a configuration attribute and save it (encrypted if secure); False if unchanged."""
        attr = self._manifest.attribute(name)
        if attr is None:
            raise DeviceFileError(f"{self.path}: unknown attribute '{name}'")
        if value is not None:
            try:
                value = coerce(attr, value)
            except SchemaProblem as err:
                raise DeviceFileError(f"{self.path}: {err}") from None
        if self._values.get(name) == value:
            return False
        attributes = self._document.setdefault("attributes", {})
        if value is None or value == "":
            self._values.pop(name, None)
            attributes.pop(name, None)
        else:
            self._values[name] = value
            attributes[name] = encrypt(self._key, str(value)) if attr.secure else value
        self._save()
        return True

    def add_zone(self, zone: Zone, *, persist: bool = False) -> bool:
        """Bind a zone (now, and in the file if `persist`); False if its address is bound."""
        if any(z.address == zone.address for z in self._zones):
            return False
        self._zones.append(zone)
        if persist:
            entry = {"address": zone.address, "label": zone.label} if zone.label else {}
            self._document.setdefault("zones", []).append(entry or {"address": zone.address})
            self._save()
        return True

    def _save(self) -> None:
        atomic_write_text(self.path, json.dumps(self._document, indent=2) + "\n")
