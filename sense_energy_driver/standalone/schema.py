"""Check a device file's shape and attribute types against manifest.json, one clear message each.

Every rule here is read from the manifest (names, types, required, secure), so a new attribute
needs no code change. A secure value is never echoed back in a message.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from ..manifest import ConfigAttribute, Manifest
from ..standalone_errors import StandaloneConfigError

__all__ = ["SchemaProblem", "Zone", "check_attributes", "check_document", "coerce"]

TOP_LEVEL_KEYS = ("name", "attributes", "zones")
ZONE_KEYS = ("address", "label")
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


class SchemaProblem(StandaloneConfigError):
    """One thing wrong with a device file; the message names the field and what is valid."""


@dataclass(frozen=True, slots=True)
class Zone:
    """A zone bound to the device: its address (a Sense device id) and a label for people."""

    address: str
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.address


def _shown(attr: ConfigAttribute, value: object) -> str:
    if attr.secure:
        return f"a {_kind(value)}"
    return repr(value) if not isinstance(value, str) else f'"{value}"'


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _example(attr: ConfigAttribute) -> str:
    if attr.type == "int":
        sample = attr.default if isinstance(attr.default, int) else 42
        return f"an int (a whole number such as {sample}{' ' + attr.unit if attr.unit else ''})"
    if attr.type == "float":
        return "a float (a number such as 1.5)"
    if attr.type == "bool":
        return "a bool (true or false)"
    return "a string"


def coerce(attr: ConfigAttribute, value: object) -> object:
    """The value as the manifest's type says, accepting numbers and flags written as text."""
    if attr.type == "json":
        return value
    if attr.type == "string":
        if isinstance(value, str):
            return value
    elif attr.type == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
    elif attr.type == "int" and not isinstance(value, bool):
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
    elif attr.type == "float" and not isinstance(value, bool):
        if isinstance(value, int | float) and math.isfinite(value):
            return float(value)
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                pass
            else:
                if math.isfinite(number):
                    return number
    raise SchemaProblem(
        f"attribute '{attr.name}' must be {_example(attr)}, got {_shown(attr, value)}"
    )


def _is_unset(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_attributes(manifest: Manifest, attributes: Mapping[str, object]) -> dict[str, object]:
    """The set attributes, typed; raises SchemaProblem for unknown, missing or mistyped ones."""
    names = manifest.attribute_names
    for name in attributes:
        if manifest.attribute(name) is None:
            raise SchemaProblem(f"unknown attribute '{name}'; valid attributes: {', '.join(names)}")
    out: dict[str, object] = {}
    for attr in manifest.attributes:
        value = attributes.get(attr.name)
        if _is_unset(value):
            if attr.required:
                what = f" ({attr.description.rstrip('.')})" if attr.description else ""
                raise SchemaProblem(f"attribute '{attr.name}' is required{what} and is not set")
            continue
        out[attr.name] = coerce(attr, value)
    return out


def _zones(value: object) -> list[Zone]:
    if not isinstance(value, list):
        raise SchemaProblem(
            f'"zones" must be a list of {{"address": ..., "label": ...}} objects, '
            f"got a {_kind(value)}"
        )
    zones: list[Zone] = []
    seen: set[str] = set()
    for index, entry in enumerate(value):
        where = f"zones[{index}]"
        if not isinstance(entry, dict):
            raise SchemaProblem(f'{where} must be an object {{"address": ..., "label": ...}}')
        extra = sorted(k for k in entry if k not in ZONE_KEYS)
        if extra:
            raise SchemaProblem(
                f"{where}: unknown key '{extra[0]}'; valid keys: {', '.join(ZONE_KEYS)}"
            )
        address, label = entry.get("address"), entry.get("label", "")
        if not isinstance(address, str) or not address.strip():
            raise SchemaProblem(
                f'{where}: "address" must be a non-empty string (a Sense device id from '
                "get_devices)"
            )
        if label is not None and not isinstance(label, str):
            raise SchemaProblem(f'{where}: "label" must be a string')
        if address in seen:
            raise SchemaProblem(f"{where}: address '{address}' is listed twice")
        seen.add(address)
        zones.append(Zone(address.strip(), label or ""))
    return zones


def check_document(
    manifest: Manifest, document: object
) -> tuple[str | None, dict[str, object], list[Zone]]:
    """(name, raw attributes, zones) of a decoded device file; raises SchemaProblem."""
    if not isinstance(document, dict):
        raise SchemaProblem(
            'the device file must be a JSON object {"name": ..., "attributes": {...}, '
            f'"zones": [...]}}, got a {_kind(document)}'
        )
    extra = sorted(k for k in document if k not in TOP_LEVEL_KEYS)
    if extra:
        raise SchemaProblem(f"unknown key '{extra[0]}'; valid keys: {', '.join(TOP_LEVEL_KEYS)}")
    name = document.get("name")
    if name is not None and not isinstance(name, str):
        raise SchemaProblem(f'"name" must be a string, got a {_kind(name)}')
    attributes = document.get("attributes")
    if attributes is None:
        raise SchemaProblem(
            '"attributes" is required: an object such as {"username": ..., "password": ...}'
        )
    if not isinstance(attributes, dict):
        raise SchemaProblem(f'"attributes" must be an object, got a {_kind(attributes)}')
    return name, attributes, _zones(document.get("zones", []))
