"""The live view's frame at 80×24, rendered by rich's own Live display on a console that size."""

from __future__ import annotations

import io
import re
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.live import Live

from sense_energy_driver.cli.live import frame_height, render
from sense_energy_driver.cli.view import ViewState, ZoneRow
from sense_energy_driver.standalone import HostValues

DEVICE = {
    "power": 4321,
    "solar_power": 0,
    "grid_power": 4321,
    "voltage": 121.2,
    "frequency": 60.01,
    "active_devices": 6,
    "usage_today_kwh": 29.99,
    "feed_status": "connected",
    "last_sample": "2026-11-30T23:19:10Z",
    "last_error": "",
}
ERASE_LINE = "\x1b[2K"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
FOOTER = "12 s · Ctrl-C to stop · values stored in var/demo/demo.sqlite3"


def _zones(n: int) -> list[ZoneRow]:
    """Every third zone on, drawing more the later it comes."""
    return [
        ZoneRow(
            f"{i:08x}",
            f"Appliance {i}",
            "on" if i % 3 == 0 else "off",
            100 * i if i % 3 == 0 else 0,
        )
        for i in range(n)
    ]


def _screen(state: ViewState, width: int = 80, height: int = 24) -> list[str]:
    """What the terminal shows after a Live display of that size drew the frame."""
    out = io.StringIO()
    console = Console(width=width, height=height, file=out, force_terminal=True)
    frame = render("Sense demo (simulated cloud)", state, FOOTER, height=frame_height(height))
    with Live(frame, console=console, auto_refresh=False) as live:
        live.refresh()
    last_frame = out.getvalue().rsplit(ERASE_LINE, 1)[1]  # each redraw erases the one before
    return ANSI.sub("", last_frame).splitlines()


def test_fourteen_zones_fit_80x24_with_the_footer() -> None:
    state = ViewState(HostValues(DEVICE, {}), _zones(14), tz=ZoneInfo("America/New_York"))
    screen = _screen(state)
    assert len(screen) <= 23
    assert all(len(line) <= 80 for line in screen)
    assert screen[-1].rstrip() == FOOTER
    assert not any(line.strip() == "..." for line in screen)  # rich's mark of a cut frame
    assert "Zones (14, 5 on)" in screen[7]
    shown = [line.split()[1] for line in screen if line.startswith("Appliance")]
    assert len(shown) == 14 and not any("more zones" in line for line in screen)
    assert shown[:5] == ["12", "9", "6", "3", "0"]  # the ones drawing most first
    assert "18:19:10 EST" in screen[4]  # local time in the given zone
    assert "connected" in screen[0]


def test_many_zones_show_the_busiest_and_count_the_rest() -> None:
    state = ViewState(HostValues(DEVICE, {}), _zones(40), stale=17.4, counted_kwh=0.5)
    screen = _screen(state)
    assert len(screen) == 23 and all(len(line) <= 80 for line in screen)
    assert screen[-1].rstrip() == FOOTER
    assert screen[-2].rstrip() == "+ 27 more zones (1 on, 0 W)"
    shown = [int(line.split()[1]) for line in screen if line.startswith("Appliance")]
    assert shown == [39, 36, 33, 30, 27, 24, 21, 18, 15, 12, 9, 6, 3]
    assert "STALE 17 s" in screen[0]
    assert "no sample from Sense for 17 s (feed connected)" in screen[5]
    assert "30.49 kWh (+0.500 counted)" in screen[4]


def test_a_small_terminal_still_shows_the_footer() -> None:
    state = ViewState(HostValues(DEVICE, {}), _zones(14))
    screen = _screen(state, width=60, height=14)
    assert len(screen) <= 13 and all(len(line) <= 60 for line in screen)
    assert screen[-1].startswith("12 s · Ctrl-C to stop")
    assert screen[-2].startswith("+ ") and "more zones" in screen[-2]
