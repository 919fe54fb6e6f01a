"""manifest.py: the typed records match manifest.json, read without importing the driver."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sense_energy_driver.manifest import (
    ConfigAttribute,
    ManifestError,
    load_manifest,
    manifest_path,
    parse_manifest,
)

RAW: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "manifest.json").read_text(encoding="utf-8")
)


def test_found_beside_the_package_in_a_checkout() -> None:
    assert manifest_path() == Path(__file__).parents[2] / "manifest.json"


def test_records_match_the_json() -> None:
    manifest = load_manifest()
    assert manifest.name == RAW["name"]
    assert manifest.version == RAW["version"]
    assert manifest.attribute_names == tuple(a["name"] for a in RAW["attributes"])
    assert [a.name for a in manifest.device_attributes] == [
        a["name"] for a in RAW["device_attributes"]
    ]
    assert [a.name for a in manifest.zone_attributes] == [
        a["name"] for a in RAW["zone"]["attributes"]
    ]
    assert manifest.command_names == tuple(c["name"] for c in RAW["commands"])


def test_typed_accessors() -> None:
    manifest = load_manifest()
    assert manifest.secure_names == {"password", "totp_secret", "refresh_token"}
    assert manifest.driver_written_names == {
        "refresh_token",
        "user_id",
        "installation_id",
        "selected_monitor_id",
    }
    status = manifest.attribute("status_interval")
    assert status == ConfigAttribute(
        name="status_interval",
        type="int",
        default=60000,
        minimum=30000.0,
        unit="ms",
        description=status.description if status else "",
    )
    usage = manifest.command("get_usage")
    assert usage is not None
    scale = usage.arg("scale")
    assert scale is not None and scale.required and "DAY" in scale.enum
    assert manifest.attribute("nope") is None
    assert manifest.command("nope") is None


def test_records_are_frozen() -> None:
    attr = load_manifest().attributes[0]
    with pytest.raises(AttributeError):
        attr.name = "other"  # type: ignore[misc]


def test_a_bad_shape_is_a_manifest_error() -> None:
    with pytest.raises(ManifestError, match="expected shape"):
        parse_manifest({"attributes": []})
    broken = json.loads(json.dumps(RAW))
    broken["attributes"][0]["type"] = "colour"
    with pytest.raises(ManifestError, match="unknown type 'colour'"):
        parse_manifest(broken)


def test_loading_imports_no_driver_code() -> None:
    code = (
        "import sys; from sense_energy_driver.manifest import load_manifest; load_manifest(); "
        "print(sorted(m for m in sys.modules if m.startswith(('sense_energy_driver.', 'httpx'))))"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    assert "driver" not in out.replace("sense_energy_driver", "")
    assert "httpx" not in out
    assert "sense_energy_driver.manifest" in out
