"""manifest.json as typed, frozen records, read without importing any driver code.

The standalone host and the CLI validate device files and command arguments from these records,
so what they accept stays in step with what the manifest declares.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from .standalone_errors import StandaloneError

__all__ = [
    "CommandArg",
    "CommandSpec",
    "ConfigAttribute",
    "Manifest",
    "ManifestError",
    "RuntimeAttribute",
    "load_manifest",
    "manifest_path",
    "parse_manifest",
]

ATTRIBUTE_TYPES = frozenset({"string", "int", "float", "bool", "json"})


class ManifestError(StandaloneError):
    """manifest.json is missing or does not have the shape this package was built against."""


@dataclass(frozen=True, slots=True)
class ConfigAttribute:
    """A configuration attribute the user (or, if `written_by_driver`, the driver) sets."""

    name: str
    type: str
    required: bool = False
    secure: bool = False
    default: object = None
    minimum: float | None = None
    unit: str | None = None
    advanced: bool = False
    written_by_driver: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class RuntimeAttribute:
    """A value the driver writes on the device or on a zone."""

    name: str
    type: str
    unit: str | None = None
    enum: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class CommandArg:
    """One argument of a command."""

    name: str
    type: str
    required: bool = False
    enum: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command the driver answers through `driver.command({"action": name, ...})`."""

    name: str
    args: tuple[CommandArg, ...] = ()
    description: str = ""

    def arg(self, name: str) -> CommandArg | None:
        """The argument called `name`, or None."""
        return next((a for a in self.args if a.name == name), None)


@dataclass(frozen=True, slots=True)
class Manifest:
    """The whole manifest: identity, configuration, runtime attributes and commands."""

    name: str
    label: str
    version: str
    description: str
    entrypoint: str
    attributes: tuple[ConfigAttribute, ...]
    device_attributes: tuple[RuntimeAttribute, ...]
    zone_address: str
    zone_attributes: tuple[RuntimeAttribute, ...]
    commands: tuple[CommandSpec, ...]

    def attribute(self, name: str) -> ConfigAttribute | None:
        """The configuration attribute called `name`, or None."""
        return next((a for a in self.attributes if a.name == name), None)

    def command(self, name: str) -> CommandSpec | None:
        """The command called `name`, or None."""
        return next((c for c in self.commands if c.name == name), None)

    @property
    def attribute_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.attributes)

    @property
    def secure_names(self) -> frozenset[str]:
        return frozenset(a.name for a in self.attributes if a.secure)

    @property
    def driver_written_names(self) -> frozenset[str]:
        return frozenset(a.name for a in self.attributes if a.written_by_driver)

    @property
    def command_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.commands)


def manifest_path() -> Path:
    """Where manifest.json is: inside the package (an installed wheel) or at the checkout's top.

    The wheel's copy is the top-level file itself (force-included at build time), so the two
    cannot drift; an editable install or a source checkout reads the top-level one.
    """
    packaged = resources.files(__package__ or "sense_energy_driver") / "manifest.json"
    if packaged.is_file():
        return Path(str(packaged))
    top_level = Path(__file__).resolve().parent.parent / "manifest.json"
    if top_level.is_file():
        return top_level
    raise ManifestError(
        f"manifest.json not found in the package ({packaged}) or beside it ({top_level}); "
        "reinstall sense-energy-driver"
    )


def _text(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    return value if isinstance(value, str) else ""


def _optional_text(entry: dict[str, Any], key: str) -> str | None:
    value = entry.get(key)
    return value if isinstance(value, str) else None


def _enum(entry: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(v) for v in entry.get("enum") or ())


def _type(entry: dict[str, Any], where: str) -> str:
    kind = _text(entry, "type")
    if kind not in ATTRIBUTE_TYPES:
        raise ManifestError(f"manifest.json: {where} has unknown type {kind!r}")
    return kind


def _config(entry: dict[str, Any]) -> ConfigAttribute:
    name = _text(entry, "name")
    minimum = entry.get("minimum")
    return ConfigAttribute(
        name=name,
        type=_type(entry, f"attribute '{name}'"),
        required=bool(entry.get("required", False)),
        secure=bool(entry.get("secure", False)),
        default=entry.get("default"),
        minimum=float(minimum) if isinstance(minimum, int | float) else None,
        unit=_optional_text(entry, "unit"),
        advanced=bool(entry.get("advanced", False)),
        written_by_driver=bool(entry.get("written_by_driver", False)),
        description=_text(entry, "description"),
    )


def _runtime(entry: dict[str, Any], where: str) -> RuntimeAttribute:
    name = _text(entry, "name")
    return RuntimeAttribute(
        name=name,
        type=_type(entry, f"{where} attribute '{name}'"),
        unit=_optional_text(entry, "unit"),
        enum=_enum(entry),
        description=_text(entry, "description"),
    )


def _command(entry: dict[str, Any]) -> CommandSpec:
    name = _text(entry, "name")
    args = tuple(
        CommandArg(
            name=_text(a, "name"),
            type=_type(a, f"command '{name}' argument '{_text(a, 'name')}'"),
            required=bool(a.get("required", False)),
            enum=_enum(a),
            description=_text(a, "description"),
        )
        for a in entry.get("args") or ()
    )
    return CommandSpec(name=name, args=args, description=_text(entry, "description"))


def parse_manifest(data: dict[str, Any]) -> Manifest:
    """Build the typed manifest from its decoded JSON."""
    zone = data.get("zone") or {}
    try:
        return Manifest(
            name=_text(data, "name"),
            label=_text(data, "label"),
            version=_text(data, "version"),
            description=_text(data, "description"),
            entrypoint=_text(data, "entrypoint"),
            attributes=tuple(_config(a) for a in data["attributes"]),
            device_attributes=tuple(_runtime(a, "device") for a in data["device_attributes"]),
            zone_address=_text(zone, "address"),
            zone_attributes=tuple(_runtime(a, "zone") for a in zone.get("attributes") or ()),
            commands=tuple(_command(c) for c in data["commands"]),
        )
    except (KeyError, TypeError, AttributeError) as err:
        raise ManifestError(f"manifest.json does not have the expected shape: {err!r}") from err


@cache
def load_manifest() -> Manifest:
    """The package's manifest, read once per process."""
    path = manifest_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ManifestError(f"{path}: cannot read the manifest: {err}") from err
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: the manifest must be a JSON object")
    return parse_manifest(data)
