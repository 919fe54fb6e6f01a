"""The live terminal view (rich): whole-home values on top, the busiest zones below, in any size.

The frame is laid out for the terminal's height: a title line, the device values in two
columns, the zones that are on first (by watts), a line counting the zones that did not fit, and
the footer — 80×24 shows the footer and at least a dozen zones.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from .view import ViewState, ZoneRow, busiest_first, device_rows, local_time, show

__all__ = ["FIXED_LINES", "frame_height", "render"]

_STATE_STYLE = {"on": "bold green", "off": "dim"}
_FEED_STYLE = {"connected": "green", "polling": "yellow", "auth_failed": "bold red"}
# title, four rows of device values, last error, blank, zone header, "more zones", footer
FIXED_LINES = 10
_PAIRS = (
    ("Power", "Solar"),
    ("Grid", "Voltage"),
    ("Frequency", "Active devices"),
    ("Used today", "Last sample"),
)


def frame_height(terminal_height: int) -> int:
    """The lines a frame may use: rich's live display keeps the last line for the cursor."""
    return max(terminal_height - 1, FIXED_LINES)


def _device_grid(state: ViewState) -> Table:
    shown = dict(device_rows(state))
    shown["Last sample"] = local_time(state.values.device.get("last_sample"), state.tz)
    grid = Table.grid(padding=(0, 1))
    for style, width in (("bold", 14), ("", 26), ("bold", 14), ("", 22)):
        grid.add_column(style=style, width=width, no_wrap=True, overflow="ellipsis")
    for left, right in _PAIRS:
        grid.add_row(
            left, _styled(left, shown[left], state), right, _styled(right, shown[right], state)
        )
    return grid


def _styled(label: str, text: str, state: ViewState) -> Text:
    if state.stale is None:
        return Text(text)
    return Text(text, style="bold red" if label == "Last sample" else "dim")


def _zone_table(zones: list[ZoneRow], on: int, total: int) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold", expand=False)
    table.add_column(f"Zones ({total}, {on} on)", no_wrap=True, overflow="ellipsis", max_width=40)
    table.add_column("address", style="dim", no_wrap=True, max_width=14)
    table.add_column("state", no_wrap=True)
    table.add_column("watts", justify="right", no_wrap=True)
    for zone in zones:
        state = zone.state or "-"
        watts = "-" if zone.power is None else f"{zone.power:,}"
        table.add_row(
            zone.label, zone.address, Text(state, style=_STATE_STYLE.get(state, "")), watts
        )
    return table


def _line(text: str, style: str = "") -> Text:
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")


def render(title: str, state: ViewState, footer: str, *, height: int = 23) -> RenderableType:
    """One frame of the live view in at most `height` lines (see frame_height)."""
    zones = busiest_first(state.zones)
    on = sum(1 for z in zones if z.state == "on")
    room = max(height - FIXED_LINES + 1, 0)  # every zone fits: no "more" line needed
    if len(zones) > room:
        room = max(room - 1, 0)
    shown, rest = zones[:room], zones[room:]
    header = Text(title, style="bold", no_wrap=True, overflow="ellipsis")
    feed = show(state.values.device.get("feed_status"))
    header.append("  feed ").append(feed, style=_FEED_STYLE.get(feed, ""))
    if state.stale is not None:
        header.append(f"  STALE {state.stale:.0f} s", style="bold red")
    error = dict(device_rows(state))["Last error"]
    parts: list[RenderableType] = [
        header,
        _device_grid(state),
        _line(f"Last error  {error}", "red" if error != "-" else "dim"),
        Text(""),
        _zone_table(shown, on, len(zones)),
    ]
    if rest:
        rest_on = [z for z in rest if z.state == "on"]
        watts = sum(z.power or 0 for z in rest_on)
        parts.append(_line(f"+ {len(rest)} more zones ({len(rest_on)} on, {watts:,} W)", "dim"))
    parts.append(_line(footer, "dim"))
    return Group(*parts)
