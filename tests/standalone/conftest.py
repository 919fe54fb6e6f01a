"""Fixtures: a device file in a temp directory, as a user would write it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

PASSWORD = "correct horse battery staple"

WriteDevice = Callable[..., Path]


@pytest.fixture
def write_device(tmp_path: Path) -> WriteDevice:
    """Write `<name>.json` with a username and a plaintext password, plus any extra attributes."""

    def write(
        name: str = "home", *, zones: list[dict[str, str]] | None = None, **attributes: object
    ) -> Path:
        path = tmp_path / f"{name}.json"
        document = {
            "name": "Home",
            "attributes": {"username": "me@example.com", "password": PASSWORD, **attributes},
            "zones": zones if zones is not None else [{"address": "fridge1", "label": "Fridge"}],
        }
        path.write_text(json.dumps(document), encoding="utf-8")
        return path

    return write
