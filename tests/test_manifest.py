"""manifest.json and the code stay in step: commands, attributes, defaults, public API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sense_energy_driver
from sense_energy_driver import const
from sense_energy_driver.config import read_config
from sense_energy_driver.energy import TodayTotals
from sense_energy_driver.handlers import COMMANDS
from sense_energy_driver.models import RealtimeDevice, RealtimePayload
from sense_energy_driver.realtime import FeedStatus
from sense_energy_driver.samples import SampleDiff

MANIFEST: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "manifest.json").read_text(encoding="utf-8")
)
HEALTH = {"feed_status", "last_error"}


def test_identity() -> None:
    assert MANIFEST["name"] == "sense_energy"
    assert MANIFEST["entrypoint"] == "sense_energy_driver:SenseEnergyDriver"
    assert MANIFEST["version"] == sense_energy_driver.__version__
    module, _, attr = MANIFEST["entrypoint"].partition(":")
    assert getattr(__import__(module), attr) is sense_energy_driver.SenseEnergyDriver


def test_every_declared_command_dispatches_and_back() -> None:
    declared = {c["name"]: c for c in MANIFEST["commands"]}
    assert set(declared) == set(COMMANDS)
    for name, command in COMMANDS.items():
        assert [a["name"] for a in declared[name]["args"]] == [a.name for a in command.args]
        for arg, spec in zip(command.args, declared[name]["args"], strict=True):
            assert spec["required"] == arg.required
            assert tuple(spec.get("enum", ())) == arg.choices


def test_configuration_attributes_are_the_ones_the_driver_reads() -> None:
    asked: list[str] = []

    def get(name: str) -> object | None:
        asked.append(name)
        return {"username": "u@example.com", "password": "p"}.get(name)

    read_config(get, lambda level, message: None)
    declared = {a["name"]: a for a in MANIFEST["attributes"]}
    assert set(asked) == set(declared)
    assert {n for n, a in declared.items() if a["required"]} == {"username", "password"}
    assert {n for n, a in declared.items() if a["secure"]} == {
        "password",
        "totp_secret",
        "refresh_token",
    }
    status = declared["status_interval"]
    assert status["default"] == const.STATUS_INTERVAL_DEFAULT_MS
    assert status["minimum"] == const.STATUS_INTERVAL_MIN_MS
    assert declared["api_url"]["default"] == const.DEFAULT_API_URL
    assert declared["realtime_url"]["default"] == const.DEFAULT_REALTIME_URL
    for attribute in declared.values():
        assert attribute["type"] in ("string", "int", "float", "bool", "json")


def test_every_written_device_attribute_is_declared_and_back() -> None:
    payload = RealtimePayload(
        w=1.0,
        solar_w=1.0,
        grid_w=0.0,
        hz=60.0,
        voltage=(120.0, 121.0),
        devices=(RealtimeDevice(id="a", w=1.0),),
    )
    written = {name for name, _ in SampleDiff().device_writes(payload, 0.0)}
    written |= {name for name, _ in TodayTotals(1.0, 1.0, 1.0, 1.0).writes()}
    written |= HEALTH
    declared = {a["name"] for a in MANIFEST["device_attributes"]}
    assert written == declared
    status = next(a for a in MANIFEST["device_attributes"] if a["name"] == "feed_status")
    assert set(status["enum"]) == {s.value for s in FeedStatus}


def test_zone_attributes() -> None:
    diff = SampleDiff()
    writes = diff.zone_writes(RealtimePayload(devices=(RealtimeDevice(id="z", w=2),)), ["z"], {})
    assert {name for _, name, _ in writes} == {a["name"] for a in MANIFEST["zone"]["attributes"]}


def test_public_api_is_pinned() -> None:
    assert sorted(sense_energy_driver.__all__) == sorted(
        [
            "FeedStatus",
            "Host",
            "SenseAuthError",
            "SenseBadRequestError",
            "SenseCommandError",
            "SenseConfigError",
            "SenseConnectionError",
            "SenseEndpointError",
            "SenseEnergyDriver",
            "SenseError",
            "SenseFeedClosedError",
            "SenseForbiddenError",
            "SenseMfaRequiredError",
            "SenseNotFoundError",
            "SenseProtocolError",
            "SenseRateLimitError",
            "SenseServerError",
            "SenseTimeoutError",
            "SenseTokenExpiredError",
            "Timing",
            "__version__",
        ]
    )
    for name in sense_energy_driver.__all__:
        assert getattr(sense_energy_driver, name) is not None


def test_requirements_match_pyproject() -> None:
    import tomllib

    pyproject = tomllib.loads(
        (Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    )
    assert sorted(MANIFEST["requirements"]) == sorted(pyproject["project"]["dependencies"])
    assert MANIFEST["python_requires"] == pyproject["project"]["requires-python"]


def test_the_user_guide_documents_every_attribute_and_command() -> None:
    guide = (Path(__file__).parent.parent / "docs" / "user-guide.md").read_text(encoding="utf-8")
    names = [
        *(a["name"] for a in MANIFEST["attributes"]),
        *(a["name"] for a in MANIFEST["device_attributes"]),
        *(a["name"] for a in MANIFEST["zone"]["attributes"]),
        *(c["name"] for c in MANIFEST["commands"]),
    ]
    missing = [name for name in names if f"`{name}`" not in guide and f"| {name} |" not in guide]
    assert not missing, f"docs/user-guide.md does not mention {missing}"
