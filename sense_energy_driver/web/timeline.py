"""Today's on/off timeline per zone: stored state writes turned into spans."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

__all__ = ["local_midnight", "spans"]


def local_midnight(now: float) -> float:
    """The start of today in this machine's time zone."""
    local = datetime.fromtimestamp(now).astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def _zone_spans(writes: Iterable[tuple[float, str]], now: float) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for ts, state in writes:
        if out and out[-1]["state"] == state:
            continue  # written again (after a reconnect) without changing
        if out:
            out[-1]["to"] = ts
        out.append({"from": ts, "to": now, "state": state})
    return out


def spans(
    writes: Mapping[str, Iterable[tuple[float, str]]], addresses: Iterable[str], now: float
) -> dict[str, list[dict[str, object]]]:
    """Address -> [{"from", "to", "state"}], each span until the next change (the last until now).

    Before a zone's first write today its state is not known, so its timeline starts there.
    """
    return {address: _zone_spans(writes.get(address, ()), now) for address in addresses}
