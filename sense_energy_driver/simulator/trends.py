"""/app/history/trends, the history every public Sense client reads (the `real` profile).

One body carries usage and solar together: per-step totals, per-device history with cost, and
the grid exchange, shaped as openHAB's recorded DAY body (tests/fixtures/real/rest/
history_trends.openhab-2024-day.json). Energy comes from the same History as the OpenAPI
usage/solar bodies, so both paths agree on every number.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from .history import History, Period
from .real_devices import feed_tags, pseudo_tags
from .state import SOLAR, UNKNOWN, Device, Monitor, wire_id

__all__ = ["trends_body"]

_CENTS_PER_KWH = 20.77
_NULL_EXTRAS = (
    "grid_to_battery",
    "solar_to_home",
    "solar_to_battery",
    "battery_to_home",
    "battery_to_grid",
    "top_movers",
)
_NULL_TRENDS = (
    "consumption_cost_change_cents",
    "consumption_percent_change",
    "production_percent_change",
)
_NULL_TEXTS = ("trend_text", "usage_text", "trend_consumption", "trend_cost")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _cents(kwh: float) -> int:
    return round(kwh * _CENTS_PER_KWH)


def _row(
    mon: Monitor, dev: Device | None, values: list[float], hours: float, total: float
) -> dict[str, Any]:
    """One device of consumption (or the solar device of production)."""
    kwh = math.fsum(values)
    if dev is None:
        tags = {k: v for k, v in pseudo_tags(SOLAR).items() if k != "UserDeviceType"}
        head: dict[str, Any] = {"id": SOLAR, "name": "Solar", "icon": "solar_alt", "tags": tags}
    elif dev.id == UNKNOWN:
        head = {"id": UNKNOWN, "name": "Unknown", "icon": "home", "monitor_id": wire_id(mon.id)}
        head["tags"] = {}
    else:
        head = {"id": dev.id, "name": dev.name, "icon": dev.icon, "tags": feed_tags(mon, dev)}
    row = {
        **head,
        "history": [round(x, 6) for x in values],
        "avgw": round(kwh / hours, 6) if hours else 0.0,
        "total_kwh": round(kwh, 6),
        "total_cost": _cents(kwh),
        "pct": round(100 * kwh / total, 1) if total > 0 else 0.0,
        "cost_history": [_cents(x) for x in values],
    }
    if dev is None:  # the recorded solar row has no total_kwh (production.total has it)
        del row["total_kwh"]
    return row


def _block(totals: list[float], devices: list[dict[str, Any]]) -> dict[str, Any]:
    total = math.fsum(totals)
    return {
        "total": round(total, 6),
        "totals": [round(x, 6) for x in totals],
        "devices": devices,
        "total_cost": _cents(total),
        "total_costs": [_cents(x) for x in totals],
    }


def trends_body(history: History, p: Period, now: float) -> dict[str, Any]:
    """The trends body of one period; solar fields are null on a monitor without solar."""
    mon = history.monitor
    hours = (p.end - p.start) / 3600
    totals = [0.0] * len(p.buckets)
    rows = []
    for dev in mon.devices.values():
        if dev.merged_into is not None:
            continue
        values = [history.device_wh(dev, a, b, now) / 1000 for a, b in p.buckets]
        if math.fsum(values) <= 0 and not dev.active:
            continue
        totals = [x + y for x, y in zip(totals, values, strict=True)]
        rows.append((dev, values))
    used = math.fsum(totals)
    rows.sort(key=lambda r: (-math.fsum(r[1]), r[0].id))
    body: dict[str, Any] = {
        "steps": len(p.buckets),
        "start": _iso(p.start),
        "end": _iso(p.end),
        "consumption": _block(totals, [_row(mon, d, v, hours, used) for d, v in rows]),
    }
    if mon.solar is None:
        body["production"] = None
        body |= dict.fromkeys(_NULL_EXTRAS)
        body |= {"to_grid": None, "from_grid": None}
    else:
        flows = [history.solar_wh(a, b, now) for a, b in p.buckets]
        prod = [f[0] / 1000 for f in flows]
        produced = math.fsum(prod)
        to_grid = math.fsum(f[2] for f in flows) / 1000
        from_grid = math.fsum(f[1] for f in flows) / 1000
        body["production"] = _block(prod, [_row(mon, None, prod, hours, produced)])
        body |= dict.fromkeys(_NULL_EXTRAS)
        body |= {"to_grid": round(to_grid, 6), "from_grid": round(from_grid, 6)}
    body |= dict.fromkeys(_NULL_TRENDS)
    solar = mon.solar is not None
    body["to_grid_cost"] = _cents(body["to_grid"] or 0.0) if solar else None
    body["from_grid_cost"] = _cents(body["from_grid"] or 0.0) if solar else None
    body |= dict.fromkeys(_NULL_TEXTS)
    body["scale"] = p.scale.lower()
    if solar:
        produced = body["production"]["total"]
        own = produced - body["to_grid"]
        body["solar_powered"] = round(100 * own / used) if used > 0 else 0
        body["net_production"] = round(produced - used, 6)
        body["production_pct"] = round(100 * produced / used) if used > 0 else 0
    else:
        body |= {"solar_powered": None, "net_production": None, "production_pct": None}
    body["consumption_kwh_change"] = None
    return body
