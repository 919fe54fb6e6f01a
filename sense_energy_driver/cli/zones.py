"""Choosing zones in `init`: from the devices Sense knows, by id, by name, or by number."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from ..restmodels import Device, tag_flag
from .common import UsageError
from .prompts import Prompts

__all__ = ["choose_devices"]

# Sense's own pseudo-devices are in the list too; they make poor zones unless asked for by name.
PSEUDO_DEVICES = frozenset({"always_on", "unknown", "solar"})


def _offered(device: Device) -> bool:
    """An appliance the Sense app lists: not a pseudo-device, not hidden or deleted by its tags."""
    return (
        bool(device.id)
        and device.id not in PSEUDO_DEVICES
        and tag_flag(device.tags, "DeviceListAllowed", default=True)
        and not tag_flag(device.tags, "UserDeleted", default=False)
    )


def _find(devices: Sequence[Device], wanted: str) -> Device:
    for device in devices:
        if wanted in (device.id, device.name) or wanted.casefold() == device.name.casefold():
            return device
    names = [d.name for d in devices]
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.5)
    hint = f"; closest: {', '.join(close)}" if close else f"; devices: {', '.join(names)}"
    raise UsageError(f"--zones: no device with id or name {wanted!r}{hint}")


def _unique(chosen: list[Device]) -> list[Device]:
    return list({d.id: d for d in chosen}.values())


def choose_devices(
    devices: Sequence[Device], zones: str | None, *, all_devices: bool, prompts: Prompts
) -> list[Device]:
    """The devices to bind as zones: --all-devices, --zones LIST, or asked by number."""
    real = [d for d in devices if _offered(d)]
    if all_devices:
        return real
    if zones is not None:
        return _unique([_find(devices, w.strip()) for w in zones.split(",") if w.strip()])
    prompts.need("the zones", "--zones LIST or --all-devices")
    if not real:
        prompts.say("Sense has not learned any devices yet; add zones later with init --force.")
        return []
    prompts.say("Devices Sense knows (each can be a zone with state and power):")
    for number, device in enumerate(real, 1):
        prompts.say(f"  {number:>2}) {device.name}  (id {device.id})")
    answer = prompts.ask("Zones: numbers like 1,3,5 or 'all' (Enter for none): ").strip()
    if answer.casefold() == "all":
        return real
    chosen = []
    for part in filter(None, (p.strip() for p in answer.split(","))):
        if not part.isdigit() or not 1 <= int(part) <= len(real):
            raise UsageError(f"no device numbered {part!r} (1-{len(real)})")
        chosen.append(real[int(part) - 1])
    return _unique(chosen)
