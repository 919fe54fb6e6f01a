"""How attribute values sit in SQLite: numbers as numbers (so SQL can sum them), others as JSON."""

from __future__ import annotations

import json

__all__ = ["decode", "encode", "encode_json"]


def encode(value: object) -> int | float | str | None:
    """An int or float as itself, None as NULL, anything else as compact JSON text."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return encode_json(value)


def encode_json(value: object) -> str:
    """Compact JSON text (what the `current` table holds for every value)."""
    return json.dumps(value, default=str, separators=(",", ":"))


def decode(stored: object) -> object:
    """The value `encode` stored; text that is not JSON comes back as it is."""
    if stored is None or isinstance(stored, int | float):
        return stored
    text = str(stored)
    try:
        return json.loads(text)
    except ValueError:
        return text
