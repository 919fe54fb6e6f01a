"""Retrained devices: tell the user, and (follow_retraining) keep zones reading the new id."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from .poller import DeviceCatalog, Retrained

__all__ = ["Retraining"]

# How long a followed zone may stay on after its id vanished, waiting for the refreshed list.
HOLD_OFFS_S = 5.0

Log = Callable[[int, str], None]


class Retraining:
    """Zone address -> the id it is read from now, and a short hold while a new list is fetched."""

    def __init__(
        self,
        catalog: DeviceCatalog,
        *,
        follow: bool,
        zone_addresses: Callable[[], list[str]],
        log: Log,
        clock: Callable[[], float],
    ) -> None:
        self._catalog = catalog
        self._follow = follow
        self._zones = zone_addresses
        self._log = log
        self._clock = clock
        self.aliases: dict[str, str] = {}
        self._hold_until = 0.0  # clock time until which zones may not go off
        self._hold_until_fetch = 0  # ... or until the device list of this fetch is applied

    def set_follow(self, follow: bool) -> None:
        self._follow = follow
        self.aliases = self._follow_map() if follow else {}

    def hold_offs(self, now: float) -> bool:
        """Whether zones may not turn off now (a retraining was announced, the list is due)."""
        return now < self._hold_until

    def list_changed(self, next_fetch: int) -> None:
        """Sense announced a new device list; a followed zone waits for fetch `next_fetch`."""
        if self._follow:
            self._hold_until = self._clock() + HOLD_OFFS_S
            self._hold_until_fetch = next_fetch

    def devices_applied(self, fetch: int, changes: list[Retrained]) -> list[str]:
        """A new list was applied; log its retrainings. Returns the old ids now followed."""
        if fetch >= self._hold_until_fetch:
            self._hold_until = 0.0  # the list is current again
        bound = set(self._zones())
        for change in changes:
            note = " (a zone is bound to it)" if change.old_id in bound else ""
            self._log(
                logging.WARNING,
                f"device '{change.name}' retrained by Sense: id {change.old_id} -> "
                f"{change.new_id}{note}",
            )
        if not (changes and self._follow):
            return []
        self.aliases = self._follow_map()
        return [change.old_id for change in changes]

    def zone_mapping(self) -> list[dict[str, object]]:
        """Bound zones whose device was retrained: the get_zone_mapping answer."""
        retrained: Mapping[str, Retrained] = self._catalog.retrained
        return [
            {
                "zone_address": address,
                "device_name": retrained[address].name,
                "current_id": address,
                "suggested_id": self.aliases.get(address, retrained[address].new_id),
                "following": address in self.aliases,
            }
            for address in self._zones()
            if address in retrained
        ]

    def _follow_map(self) -> dict[str, str]:
        """Old id -> the id it is read from now, following chains of retrainings."""
        retrained = self._catalog.retrained
        out: dict[str, str] = {}
        for old in retrained:
            new, seen = retrained[old].new_id, {old}
            while new in retrained and new not in seen:
                seen.add(new)
                new = retrained[new].new_id
            out[old] = new
        return out
