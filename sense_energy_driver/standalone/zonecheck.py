"""Zone addresses that are not Sense device ids: say so, with the closest device names.

A zone whose address is a name ("Fridge") instead of an id stays `off 0 W` forever; this turns
that silence into one warning per zone once the device list is known.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence

from .schema import Zone

__all__ = ["unknown_zone_warnings"]

_CUTOFF = 0.5


def unknown_zone_warnings(
    zones: Iterable[Zone], devices: Sequence[Mapping[str, object]]
) -> list[str]:
    """One message per zone whose address is not the id of a device in `devices`."""
    by_name: dict[str, str] = {}
    ids: set[str] = set()
    for device in devices:
        device_id, name = str(device.get("id", "")), str(device.get("name", ""))
        ids.add(device_id)
        if name:
            by_name.setdefault(name.casefold(), f"{name} (id {device_id})")
    warnings = []
    for zone in zones:
        if zone.address in ids:
            continue
        guesses = _closest(zone.address, by_name) or _closest(zone.label, by_name)
        hint = f"; closest: {', '.join(guesses)}" if guesses else ""
        warnings.append(
            f"zone '{zone.title}': address '{zone.address}' is not a Sense device id, so it "
            f"will stay off; use an id from `command get_devices`{hint}"
        )
    return warnings


def _closest(text: str, by_name: Mapping[str, str]) -> list[str]:
    if not text:
        return []
    matches = difflib.get_close_matches(text.casefold(), list(by_name), n=3, cutoff=_CUTOFF)
    return [by_name[m] for m in matches]
