"""Configuration: required attributes, the status_interval clamp, clear errors."""

from __future__ import annotations

import logging

import pytest

from sense_energy_driver.config import read_config
from sense_energy_driver.errors import SenseConfigError


def read(attrs: dict[str, object]) -> tuple[object, list[tuple[int, str]]]:
    logs: list[tuple[int, str]] = []
    cfg = read_config(attrs.get, lambda level, msg: logs.append((level, msg)))
    return cfg, logs


BASE = {"username": "a@example.com", "password": " pass word "}


def test_defaults() -> None:
    cfg, logs = read(BASE)
    assert cfg.status_interval_s == 60.0  # type: ignore[attr-defined]
    assert cfg.api_url == "https://api.sense.com/apiservice/api/v1"  # type: ignore[attr-defined]
    assert cfg.realtime_url == "wss://clientrt.sense.com"  # type: ignore[attr-defined]
    assert cfg.password == " pass word "  # type: ignore[attr-defined]
    assert logs == []


def test_password_not_in_repr() -> None:
    cfg, _ = read(BASE)
    assert "pass word" not in repr(cfg)


def test_status_interval_clamped_with_warning() -> None:
    cfg, logs = read({**BASE, "status_interval": 1000})
    assert cfg.status_interval_s == 30.0  # type: ignore[attr-defined]
    assert logs[0][0] == logging.WARNING
    assert "30000" in logs[0][1]


@pytest.mark.parametrize("value", ["abc", 12.5, True, [1]])
def test_status_interval_not_integer(value: object) -> None:
    with pytest.raises(SenseConfigError, match=r"status_interval.*integer"):
        read({**BASE, "status_interval": value})


def test_status_interval_numeric_text_accepted() -> None:
    cfg, _ = read({**BASE, "status_interval": "45000"})
    assert cfg.status_interval_s == 45.0  # type: ignore[attr-defined]


@pytest.mark.parametrize("missing", ["username", "password"])
def test_required(missing: str) -> None:
    attrs = dict(BASE)
    del attrs[missing]
    with pytest.raises(SenseConfigError, match=f"'{missing}' is required"):
        read(attrs)


def test_bad_urls() -> None:
    with pytest.raises(SenseConfigError, match="api_url"):
        read({**BASE, "api_url": "ftp://x"})
    with pytest.raises(SenseConfigError, match="realtime_url"):
        read({**BASE, "realtime_url": "https://x"})
