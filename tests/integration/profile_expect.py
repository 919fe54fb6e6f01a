"""What the driver should report, computed from the simulator's own body for its profile.

The history, status and timeline tests compare the driver's command results with the numbers the
simulator answered. The `spec` profile answers the OpenAPI shapes, the `real` profile the recorded
ones (trends history, positive Wi-Fi figure, DeviceOn items); these helpers give both in the
OpenAPI-shaped form the tests were written against.
"""

from __future__ import annotations

from typing import Any

from sense_energy_driver.simulator import SenseSimulator
from sense_energy_driver.simulator.history import Period
from sense_energy_driver.simulator.real_rest import timeline_body
from sense_energy_driver.simulator.trends import trends_body

__all__ = ["history_solar_total", "history_usage", "timeline", "wifi"]


def history_usage(sim: SenseSimulator, p: Period, now: float) -> dict[str, Any]:
    """The usage body (OpenAPI shape) of period `p`, from whichever endpoint the profile has."""
    history = sim.rest.history(sim.monitor())
    if sim.profile == "spec":
        return history.usage(p, now)
    body = trends_body(history, p, now)
    return {
        "start": body["start"],
        "consumption": {"usage_total_kwh": body["consumption"]["total"]},
        "device_breakdown": [
            {
                "id": d["id"],
                "name": d["name"],
                "icon": d["icon"],
                "consumption": {"usage_total_kwh": d["total_kwh"]},
            }
            for d in body["consumption"]["devices"]
        ],
    }


def history_solar_total(sim: SenseSimulator, p: Period, now: float) -> dict[str, Any]:
    """The solar totals (OpenAPI names) of period `p`; the real cloud's solar % is whole."""
    history = sim.rest.history(sim.monitor())
    if sim.profile == "spec":
        total: dict[str, Any] = history.solar(p, now)["total"]
        return total
    body = trends_body(history, p, now)
    return {
        "production_kwh": body["production"]["total"],
        "from_grid_kwh": body["from_grid"],
        "to_grid_kwh": body["to_grid"],
        "net_kwh": body["net_production"],
        "solar_percentage": body["solar_powered"],
    }


def timeline(sim: SenseSimulator, n_items: int, device_id: str | None) -> tuple[list[Any], Any]:
    """(items as the driver reports them, total_items) for the simulator's current timeline."""
    monitors = [sim.monitor()]
    keys = ("type", "time", "device_id", "device_name")
    if sim.profile == "spec":
        body = sim.rest.timeline.body(monitors, n_items, device_id, None)
        return [{k: i[k] for k in keys} for i in body["items"]], body["total_items"]
    events = sim.rest.timeline.events(monitors, device_id, None)
    account = sim.state.primary
    items = timeline_body(account, events, n_items)["items"]
    return [{k: i[k] for k in keys} for i in items], None


def wifi(sim: SenseSimulator) -> tuple[float, str | None]:
    """(wifi_strength, unit) as the driver reports it: dBm in the spec, a quality figure in 2024."""
    dbm = sim.monitor().spec.wifi_strength
    if sim.profile == "spec":
        return dbm, "dBm"
    return max(0, min(100, 2 * (dbm + 100))), None
