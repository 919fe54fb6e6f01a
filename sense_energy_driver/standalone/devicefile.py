"""The device file: the standalone host's record of one device's configuration and zones.

`{"name": ..., "attributes": {...}, "zones": [{"address": ..., "label": ...}]}`. Secure attributes
are kept encrypted (gem-crypt) on disk and decrypted only in memory. Any problem raises one
DeviceFileError naming the file and the field, before anything is written.

The file stays the user's: every save re-reads it and changes only the fields being saved, so an
edit made while the driver runs survives a renewed token; `reload()` picks such edits up.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from ..manifest import Manifest, load_manifest
from ..standalone_errors import StandaloneConfigError
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
from .filestate import FileChanges, Signature, signature, unchanged
from .schema import SchemaProblem, Zone, check_attributes, check_document, coerce

__all__ = ["KEY_FILE_NAME", "DeviceFile", "DeviceFileError", "FileChanges"]

_LOGGER = logging.getLogger(__name__)

KEY_FILE_NAME = ".encryption_key"
_SAVE_ATTEMPTS = 5


class DeviceFileError(StandaloneConfigError):
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
        manifest: Manifest,
    ) -> None:
        self.path = path
        self.key_path = key_path
        self.name = name or path.stem
        self._key = key
        self._values = values
        self._zones = zones
        self._manifest = manifest
        self._owned = manifest.driver_written_names
        self._seen: Signature | None = None  # the file as last read or written by us

    def __repr__(self) -> str:
        return f"DeviceFile({str(self.path)!r}, zones={len(self._zones)})"

    @classmethod
    def load(cls, path: Path, *, key_path: Path | None = None) -> DeviceFile:
        """Read, check and decrypt; encrypt plaintext secure values and rewrite the file once."""
        manifest = load_manifest()
        key_path = key_path or path.parent / KEY_FILE_NAME
        seen = signature(path)
        document = _read_json(path)
        name, raw, zones = _checked(path, manifest, document)
        values = cls._typed(path, manifest, raw)
        secure = [n for n in manifest.secure_names if n in values]
        key = cls._key_for(path, key_path, [n for n in secure if is_encrypted(values[n])])
        loaded = cls(
            path,
            key_path=key_path,
            key=key,
            name=name,
            values=values,
            zones=zones,
            manifest=manifest,
        )
        loaded._seen = seen
        loaded._values = loaded._decrypted(values)
        loaded._encrypt_plaintext(raw)
        return loaded

    @staticmethod
    def _typed(path: Path, manifest: Manifest, raw: dict[str, object]) -> dict[str, object]:
        try:
            return check_attributes(manifest, raw)
        except SchemaProblem as err:
            raise DeviceFileError(f"{path}: {err}") from None

    def _decrypted(self, values: dict[str, object]) -> dict[str, object]:
        out = dict(values)
        for attr_name in self._manifest.secure_names & out.keys():
            stored = out[attr_name]
            if isinstance(stored, str) and is_encrypted(stored):
                try:
                    out[attr_name] = decrypt(self._key, stored)
                except GemCryptError as err:
                    raise DeviceFileError(
                        f"{self.path}: attribute '{attr_name}' {err} (key file {self.key_path})"
                    ) from None
        return out

    def _encrypt_plaintext(self, raw: dict[str, object]) -> None:
        """Secure values the user typed in plain text are saved encrypted at once."""
        plaintext = sorted(
            n for n in self._manifest.secure_names & self._values.keys() if not is_encrypted(raw[n])
        )
        if not plaintext:
            return
        names = ", ".join(plaintext)
        try:
            self._save({n: self._values[n] for n in plaintext})
        except OSError as err:
            raise DeviceFileError(
                f"{self.path}: cannot save {names} encrypted: {err.strerror or err}"
            ) from None
        _LOGGER.info("%s: encrypted %s at rest", self.path, names)

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
            raise DeviceFileError(f"{err}; {_key_recovery(path, key_path, encrypted)}") from None

    # --- reading --------------------------------------------------------------------------------

    def get(self, name: str) -> object | None:
        """A configuration value (decrypted), or None when unset."""
        return self._values.get(name)

    @property
    def zones(self) -> tuple[Zone, ...]:
        return tuple(self._zones)

    def changed_on_disk(self) -> bool:
        """Whether the file was replaced or written since we last read or wrote it."""
        return signature(self.path) != self._seen

    def reload(self) -> FileChanges:
        """Re-read an edited file and take its values; DeviceFileError keeps the old ones.

        Fields the driver keeps (the refresh token, ...) stay as they are in memory: they are
        newer than any copy an editor may have saved back, and are written back if they differ.
        """
        seen = signature(self.path)
        if seen == self._seen:
            return FileChanges()
        document = _read_json(self.path)
        name, raw, zones = _checked(self.path, self._manifest, document)
        values = self._decrypted(self._typed(self.path, self._manifest, raw))
        self._seen = seen
        stale_owned = {
            n: self._values.get(n) for n in self._owned if values.get(n) != self._values.get(n)
        }
        values.update({n: v for n, v in stale_owned.items() if v is not None})
        for n, v in stale_owned.items():
            if v is None:
                values.pop(n, None)
        changed = tuple(
            n
            for n in self._manifest.attribute_names
            if n not in self._owned and values.get(n) != self._values.get(n)
        )
        old_zones = {z.address: z for z in self._zones}
        new_zones = {z.address: z for z in zones}
        self.name = name or self.path.stem
        self._values, self._zones = values, zones
        self._encrypt_plaintext(raw)
        if stale_owned:
            self._save(stale_owned)
        return FileChanges(
            attributes=changed,
            zones_added=tuple(z for a, z in new_zones.items() if a not in old_zones),
            zones_removed=tuple(z for a, z in old_zones.items() if a not in new_zones),
            zones_relabelled=tuple(
                z for a, z in new_zones.items() if a in old_zones and old_zones[a].label != z.label
            ),
        )

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
        if value == "":
            value = None
        if self._values.get(name) == value:
            return False
        if value is None:
            self._values.pop(name, None)
        else:
            self._values[name] = value
        try:
            self._save({name: value})
        except OSError as err:
            raise DeviceFileError(
                f"{self.path}: cannot save '{name}': {err.strerror or err}"
            ) from None
        return True

    def add_zone(self, zone: Zone, *, persist: bool = False) -> bool:
        """Bind a zone (now, and in the file if `persist`); False if its address is bound."""
        if any(z.address == zone.address for z in self._zones):
            return False
        self._zones.append(zone)
        if persist:
            entry = {"address": zone.address, "label": zone.label} if zone.label else {}
            self._save({}, zone=entry or {"address": zone.address})
        return True

    def _save(
        self, fields: dict[str, object | None], *, zone: dict[str, str] | None = None
    ) -> None:
        """Re-read the file and change only `fields` (and append `zone`), atomically.

        Whatever else the file says now (an edit made since we read it) is kept as it is; if it
        changes while we write, we start over from the newer file. A file that no longer parses
        is not overwritten: DeviceFileError, and nothing is lost.
        """
        edited = False
        for _ in range(_SAVE_ATTEMPTS):
            source = signature(self.path)
            edited = edited or source != self._seen
            document = self._merged(_read_json(self.path), fields, zone)
            text = json.dumps(document, indent=2) + "\n"
            written = atomic_write_text(self.path, text, still_current=unchanged(self.path, source))
            if written is not None:
                break
        else:
            raise DeviceFileError(
                f"{self.path}: the file kept changing while saving; not saved, try again"
            )
        # What we wrote, not what is there now: an edit landing right after is still news. An
        # edit we merged is not in memory yet: leave the mark stale so reload() takes it.
        self._seen = None if edited else (written.st_ino, written.st_mtime_ns, written.st_size)

    def _merged(
        self, document: object, fields: dict[str, object | None], zone: dict[str, str] | None
    ) -> dict[str, Any]:
        if not isinstance(document, dict) or not isinstance(
            document.setdefault("attributes", {}), dict
        ):
            raise DeviceFileError(
                f"{self.path}: the file was changed into something that is not a device file; "
                "not saving over it"
            )
        attributes = document["attributes"]
        for name, value in fields.items():
            attr = self._manifest.attribute(name)
            if value is None:
                attributes.pop(name, None)
            elif attr is not None and attr.secure:
                attributes[name] = encrypt(self._key, str(value))
            else:
                attributes[name] = value
        if zone is not None:
            zones = document.setdefault("zones", [])
            if isinstance(zones, list):
                zones.append(zone)
        return document


def _key_recovery(path: Path, key_path: Path, encrypted: list[str]) -> str:
    """How to get going again without a usable key file (see docs/user-guide.md)."""
    if not encrypted:
        return (
            f"nothing in {path.name} is encrypted yet, so delete {key_path} and a new key is made "
            "on the next start"
        )
    names = ", ".join(sorted(encrypted))
    return (
        f"restore {key_path} from a backup; or delete it and type {names} into {path.name} again "
        "as plain text (they are encrypted with a new key on the next start; a refresh_token "
        "can simply be removed), or run `sense-energy-driver init --force`"
    )


def _checked(
    path: Path, manifest: Manifest, document: object
) -> tuple[str | None, dict[str, object], list[Zone]]:
    try:
        return check_document(manifest, document)
    except SchemaProblem as err:
        raise DeviceFileError(f"{path}: {err}") from None
