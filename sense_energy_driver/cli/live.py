"""The live terminal view (rich): whole-home values on top, one row per zone below."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..standalone import HostValues
from .view import ZoneRow, device_rows

__all__ = ["render"]

_STATE_STYLE = {"on": "bold green", "off": "dim"}
_FEED_STYLE = {"connected": "green", "polling": "yellow", "auth_failed": "bold red"}


def _device_table(title: str, values: HostValues) -> Table:
    table = Table(title=title, show_header=False, title_justify="left", expand=False)
    table.add_column("attribute", style="bold")
    table.add_column("value", justify="right")
    for label, text in device_rows(values.device):
        style = _FEED_STYLE.get(text, "") if label == "Feed" else ""
        table.add_row(label, Text(text, style=style))
    return table


def _zone_table(zones: list[ZoneRow]) -> Table:
    table = Table(title=f"Zones ({len(zones)})", title_justify="left")
    table.add_column("zone")
    table.add_column("address", style="dim")
    table.add_column("state")
    table.add_column("watts", justify="right")
    for zone in zones:
        state = zone.state or "-"
        watts = "-" if zone.power is None else f"{zone.power:,}"
        table.add_row(
            zone.label, zone.address, Text(state, style=_STATE_STYLE.get(state, "")), watts
        )
    return table


def render(title: str, values: HostValues, zones: list[ZoneRow], footer: str) -> RenderableType:
    """One frame of the live view."""
    return Group(_device_table(title, values), _zone_table(zones), Text(footer, style="dim"))
