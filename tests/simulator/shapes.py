"""JSON shapes: every key path of a body with the JSON types seen there, and their differences.

`a.b[].c` is key c of any element of list b under key a. Keys that are ids (all digits, like the
monitor id keying notification settings) become `<id>`. Types are JSON's: null, boolean, number,
string, array, object (an integer and a float are both numbers; integer-only fields such as
`epoch` are checked on their own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Difference", "compare", "shape"]


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape(
    value: Any, path: str = "", out: dict[str, set[str]] | None = None
) -> dict[str, set[str]]:
    """{path: {json types}} of every value in `value` (the root is path "")."""
    out = {} if out is None else out
    out.setdefault(path, set()).add(_type(value))
    if isinstance(value, dict):
        for key, item in value.items():
            name = "<id>" if str(key).isdigit() else str(key)
            shape(item, f"{path}.{name}" if path else name, out)
    elif isinstance(value, list):
        for item in value:
            shape(item, f"{path}[]", out)
    return out


@dataclass(frozen=True, order=True)
class Difference:
    """One way the simulator's body differs from the recording: missing, extra or type."""

    path: str
    kind: str  # "missing" (recorded, not simulated), "extra" (simulated, not recorded), "type"
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind} {self.path or '<root>'} {self.detail}".rstrip()


def compare(recorded: Any, simulated: Any) -> set[Difference]:
    """Every path present on one side only, and every common path whose types disagree.

    A `null` on either side is compatible with any type (the recordings hold nulls where the
    simulator has a value and the other way round, for fields that are sometimes unset).
    """
    rec, sim = shape(recorded), shape(simulated)
    diffs = {Difference(p, "missing") for p in rec.keys() - sim.keys()}
    diffs |= {Difference(p, "extra") for p in sim.keys() - rec.keys()}
    for path in rec.keys() & sim.keys():
        a, b = rec[path] - {"null"}, sim[path] - {"null"}
        if a and b and a != b:
            diffs.add(Difference(path, "type", f"{sorted(a)} vs {sorted(b)}"))
    return diffs
