"""The recorded-payload corpus in tests/fixtures/real, read through its index."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "real"


@dataclass(frozen=True)
class Fixture:
    """One corpus file and what its index entry says about it."""

    file: str
    kind: str  # "rest", "feed", "fragment" or "kasa"
    what: str  # REST endpoint, feed message type, what a fragment is part of, or Kasa datagram
    source: str
    year: int
    partial: str | None

    @property
    def id(self) -> str:
        return self.file

    def load(self) -> Any:
        return json.loads((CORPUS / self.file).read_text(encoding="utf-8"))


def index() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))
    return loaded


def fixtures(kind: str | None = None, what: str | None = None) -> list[Fixture]:
    """Index entries, optionally only one kind and one endpoint/message."""
    out = []
    for entry in index()["fixtures"]:
        fx = Fixture(
            file=entry["file"],
            kind=entry["kind"],
            what=(
                entry.get("endpoint")
                or entry.get("message")
                or entry.get("datagram")
                or entry["fragment_of"]
            ),
            source=entry["source"],
            year=entry["year"],
            partial=entry.get("partial"),
        )
        if (kind is None or fx.kind == kind) and (what is None or fx.what == what):
            out.append(fx)
    return out


def shown_by_the_app(tags: dict[str, Any]) -> bool:
    """The listing rule the recordings imply: hidden, deleted and revoked devices are not shown.

    Written with string comparisons on purpose, apart from the driver's tag reader it checks.
    """
    return (
        tags.get("DeviceListAllowed", "true") == "true"
        and tags.get("UserDeleted", "false") != "true"
        and tags.get("Revoked", "false") != "true"
    )
