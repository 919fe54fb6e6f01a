"""The device-list poller: refetches what Sense has learned, and notices retrained devices."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass

from .const import DEVICE_LIST_MIN_GAP_S
from .errors import SenseAuthError
from .loops import Escalation, Periodic
from .restmodels import Device, DevicesOverview, tag_flag

__all__ = ["DeviceCatalog", "DevicePoller", "Retrained", "tag_flag"]  # tag_flag: restmodels.py

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Retrained:
    """Sense replaced a device: `old_id` vanished and `new_id` took its place."""

    old_id: str
    new_id: str
    name: str


# Pseudo-devices the realtime feed carries that are not appliances: solar is `solar_power`.
_NOT_APPLIANCES = frozenset({"solar"})


def _listed(device: Device) -> bool:
    """Sense hides merged, deleted and revoked devices and ones it does not allow in lists."""
    tags = device.tags
    return (
        device.id not in _NOT_APPLIANCES
        and tag_flag(tags, "DeviceListAllowed", default=True)
        and not tag_flag(tags, "UserDeleted", default=False)
        and not tag_flag(tags, "Revoked", default=False)
        and not tags.get("MergeId")
    )


def _merged_ids(device: Device) -> frozenset[str]:
    """The ids a device absorbed: the real cloud's `MergedDevices: "id1,id2"` tag."""
    merged = device.tags.get("MergedDevices")
    if not isinstance(merged, str):
        return frozenset()
    return frozenset(part.strip() for part in merged.split(",") if part.strip())


class DeviceCatalog:
    """The newest device list, with the retrainings seen since the driver started."""

    def __init__(self) -> None:
        self._all: dict[str, Device] = {}
        self._listed: dict[str, Device] = {}
        self.retrained: dict[str, Retrained] = {}
        self.loaded = False

    @property
    def devices(self) -> Mapping[str, Device]:
        """Devices Sense lists (merged and hidden ones left out), by id."""
        return self._listed

    def name_of(self, device_id: str) -> str | None:
        device = self._all.get(device_id)
        return device.name if device is not None else None

    def update(self, devices: Iterable[Device]) -> list[Retrained]:
        """Take a new list; return the retrainings it reveals (old id gone, successor found)."""
        everything = {d.id: d for d in devices if d.id}
        listed = {i: d for i, d in everything.items() if _listed(d)}
        found: list[Retrained] = []
        if self.loaded:
            for old_id, old in self._listed.items():
                if old_id in listed:
                    continue
                new_id = self._successor(old, everything.get(old_id), listed)
                if new_id is not None:
                    change = Retrained(old_id=old_id, new_id=new_id, name=old.name)
                    self.retrained[old_id] = change
                    found.append(change)
        self._all, self._listed, self.loaded = everything, listed, True
        return found

    def _successor(
        self, old: Device, now: Device | None, listed: Mapping[str, Device]
    ) -> str | None:
        merge = now.tags.get("MergeId") if now is not None else None
        if isinstance(merge, str | int) and str(merge) in listed:
            return str(merge)
        for device_id, device in listed.items():
            if old.id in _merged_ids(device):
                return device_id
        for device_id, device in listed.items():
            if device_id not in self._listed and old.name and device.name == old.name:
                return device_id
        return None


class DevicePoller:
    """Fetches the device list every `interval` seconds, and soon after `trigger()` — at most
    once per `min_gap` seconds however often Sense announces a new list. `run()` runs under the
    driver's Supervisor."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[DevicesOverview]],
        on_update: Callable[[int, list[Retrained]], Awaitable[None]],
        *,
        interval: float,
        log: Callable[[int, str], None],
        min_gap: float = DEVICE_LIST_MIN_GAP_S,
    ) -> None:
        self._fetch = fetch
        self._on_update = on_update
        self._interval = interval
        self._log = log
        self._loop = Periodic(
            self._poll,
            interval=lambda: self._interval,
            escalation=Escalation("device list poll failed", log),
            min_gap=min_gap,
        )
        self.catalog = DeviceCatalog()
        self.checksum = ""  # device_data_checksum of the newest list, when Sense sends one
        self.polls = 0
        self.fetches = 0  # fetches started; `applying` is the number of the one being applied
        self.applying = 0

    @property
    def interval(self) -> float:
        return self._interval

    def set_interval(self, seconds: float) -> None:
        """Reschedule: the next poll comes `seconds` after the last one."""
        self._interval = seconds
        self._loop.reschedule()

    def trigger(self) -> None:
        """Poll soon (a data_change said the device list changed)."""
        self._loop.wake()

    async def run(self) -> None:
        await self._loop.run()

    async def poll_once(self) -> None:
        """Fetch the list now and apply it; errors propagate to the caller."""
        self.fetches += 1
        number = self.fetches
        overview = await self._fetch()
        self.polls += 1
        self.applying = number
        if overview.device_data_checksum:
            self.checksum = overview.device_data_checksum
        changes = self.catalog.update(overview.devices)
        await self._on_update(number, changes)

    async def _poll(self) -> None:
        try:
            await self.poll_once()
        except SenseAuthError as err:  # the login's own failure is reported where it happens
            self._log(logging.DEBUG, f"device list not fetched: {err}")
