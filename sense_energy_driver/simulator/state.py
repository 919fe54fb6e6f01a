"""The simulated cloud's data: accounts, monitors and their devices (the 'state' of the fake)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .layout import (
    DEFAULT_EMAIL,
    DEFAULT_PASSWORD,
    OTHER_EMAIL,
    OTHER_PASSWORD,
    MonitorSpec,
    household,
)
from .meter import SOLAR, Meter
from .profiles import KINDS, Profile

__all__ = [
    "ALWAYS_ON",
    "PROFILES",
    "SOLAR",
    "UNKNOWN",
    "Account",
    "Device",
    "Monitor",
    "SimState",
    "wire_id",
]

_LOGGER = logging.getLogger(__name__)

ALWAYS_ON = "always_on"
UNKNOWN = "unknown"
_FOREVER = float("-inf")
_CREATED = "2023-03-14T15:09:26.535Z"
PROFILES = ("real", "spec")


def wire_id(value: str) -> int | str:
    """An id as the real cloud sends it: a JSON number when it is one (monitor and user ids)."""
    return int(value) if value.isdigit() else value


def _hex(*parts: object, n: int = 8) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:n]


@dataclass(eq=False)
class Device:
    """A learned device; retraining retires it in favour of a new id with the same profile."""

    id: str
    name: str
    icon: str
    kind: str
    profile: Profile
    legs: tuple[float, float]
    created_ts: float = _FOREVER
    merged_into: str | None = None
    removed: bool = False

    @property
    def active(self) -> bool:
        """Whether the device is still listed and can appear in the feed."""
        return self.merged_into is None and not self.removed

    @property
    def user_type(self) -> str:
        return KINDS[self.kind].user_type

    def tags(self) -> dict[str, Any]:
        """Tags as the real overview lists them; a retrained-away device carries MergeId."""
        tags: dict[str, Any] = {
            "DefaultUserDeviceType": self.user_type,
            "DeviceListAllowed": "true" if self.merged_into is None else "false",
            "TimelineAllowed": "true",
            "UserDeviceType": self.user_type,
            "UserDeviceTypeDisplayString": self.user_type,
            "DateCreated": _CREATED,
            "name_useredit": "false",
        }
        if self.merged_into is not None:
            tags["MergeId"] = self.merged_into
        return tags

    def feed_tags(self) -> dict[str, Any]:
        """The smaller tag set a realtime_update carries per device."""
        return {"DefaultUserDeviceType": self.user_type, "DeviceListAllowed": "true"}


class Monitor:
    """One monitor: its spec, devices, overrides, checksum and live meter."""

    def __init__(self, spec: MonitorSpec, monitor_id: str, owner: str, seed: int, start_ts: float):
        self.spec = spec
        self.id = monitor_id
        self.owner = owner
        self.seed = seed
        self.serial = spec.serial or f"N32{_hex(seed, monitor_id, n=7).upper()}"
        self.zone = ZoneInfo(spec.time_zone)
        offset = datetime.fromtimestamp(start_ts, self.zone).utcoffset()
        self.offset = int(offset.total_seconds()) if offset else 0
        if self.offset % 3600:
            raise ValueError("time zones must have whole-hour UTC offsets")
        self.devices: dict[str, Device] = {}
        self.overrides: dict[str, float] = {}
        self.solar = (
            Profile("solar", f"{seed}|{monitor_id}|solar", spec.solar_watts) if spec.solar else None
        )
        self.start_ts = start_ts
        self._serial_no = 0
        self._generation = 0
        self.checksum = ""
        self._add(ALWAYS_ON, "Always On", "always_on", None, None)
        self._add(UNKNOWN, "Other", "other", None, None)
        for dev in household() if spec.devices is None else spec.devices:
            self._add(dev.id, dev.name, dev.kind, dev.icon, dev.watts, dev.leg)
        self.meter = Meter(self)
        self._update_checksum()

    @property
    def old_firmware(self) -> bool:
        return self.spec.old_firmware

    def _new_id(self, *salt: object) -> str:
        self._serial_no += 1
        return _hex(self.seed, self.id, self._serial_no, *salt)

    def _add(
        self,
        dev_id: str | None,
        name: str,
        kind: str,
        icon: str | None,
        watts: float | None,
        leg: str | None = None,
        created_ts: float = _FOREVER,
        profile: Profile | None = None,
    ) -> Device:
        spec = KINDS[kind]
        dev_id = dev_id or self._new_id(name)
        if dev_id in self.devices:
            raise ValueError(f"duplicate device id {dev_id!r}")
        leg = leg or ("both" if spec.split_phase or kind in ("always_on", "other") else "L1")
        legs = {"L1": (1.0, 0.0), "L2": (0.0, 1.0), "both": (0.5, 0.5)}[leg]
        profile = profile or Profile(kind, f"{self.seed}|{self.id}|{dev_id}", watts or spec.nominal)
        device = Device(dev_id, name, icon or spec.icon, kind, profile, legs, created_ts)
        self.devices[dev_id] = device
        return device

    def _update_checksum(self) -> None:
        """A new device_data_checksum whenever the device list changes."""
        self._generation += 1
        listing = sorted((d.id, d.name, d.icon, d.merged_into or "") for d in self.listed_devices())
        self.checksum = _hex(self.seed, self.id, self._generation, listing, n=32)

    def active_devices(self) -> list[Device]:
        return [d for d in self.devices.values() if d.active]

    def listed_devices(self) -> list[Device]:
        """Devices the overview lists: active ones and retrained-away ones (with MergeId)."""
        return [d for d in self.devices.values() if not d.removed]

    def merged_into(self, dev_id: str) -> list[str]:
        """Ids of the retrained-away devices that now live on as `dev_id` (MergedDevices)."""
        return [d.id for d in self.devices.values() if d.merged_into == dev_id]

    def device(self, dev_id: str) -> Device:
        """A listed device, or KeyError."""
        dev = self.devices[dev_id]
        if dev.removed:
            raise KeyError(dev_id)
        return dev

    def add_device(
        self, name: str, kind: str, now: float, icon: str | None = None, watts: float | None = None
    ) -> Device:
        """Sense has learned a new device."""
        if kind not in KINDS or kind in ("always_on", "other", "solar"):
            raise ValueError(f"unknown device kind {kind!r}")
        device = self._add(None, name, kind, icon, watts, created_ts=now)
        self._update_checksum()
        return device

    def remove_device(self, dev_id: str) -> None:
        """The user deleted a device."""
        if dev_id in (ALWAYS_ON, UNKNOWN) or not self.devices[dev_id].active:
            raise ValueError(f"device {dev_id!r} cannot be removed")
        self.devices[dev_id].removed = True
        self.overrides.pop(dev_id, None)
        self._update_checksum()

    def retrain_device(self, dev_id: str, now: float) -> Device:
        """Sense retrained a device: a new id, same name and behaviour; the old id merges in."""
        old = self.devices[dev_id]
        if dev_id in (ALWAYS_ON, UNKNOWN) or not old.active:
            raise ValueError(f"device {dev_id!r} cannot be retrained")
        new = self._add(
            None, old.name, old.kind, old.icon, None, created_ts=now, profile=old.profile
        )
        new.legs = old.legs
        old.merged_into = new.id
        if dev_id in self.overrides:
            self.overrides[new.id] = self.overrides.pop(dev_id)
        self._update_checksum()
        _LOGGER.debug("monitor %s: device %s retrained as %s", self.id, dev_id, new.id)
        return new


@dataclass(eq=False)
class Account:
    """A Sense login: email, password, optional TOTP secret, and its monitors."""

    user_id: str
    email: str
    password: str
    mfa_secret: str | None
    monitor_ids: list[str]


class SimState:
    """All accounts and monitors: the primary account plus a neighbour for 403 checks."""

    def __init__(
        self,
        specs: Sequence[MonitorSpec],
        seed: int,
        start_ts: float,
        email: str = DEFAULT_EMAIL,
        password: str = DEFAULT_PASSWORD,
        mfa_secret: str | None = None,
        user_id: str = "200001",
        profile: str = "real",
    ) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; one of {', '.join(PROFILES)}")
        self.profile = profile
        self.seed = seed
        self.start_ts = start_ts
        self.accounts: dict[str, Account] = {}
        self.monitors: dict[str, Monitor] = {}
        self.primary_id = user_id
        primary = self._account(user_id, email, password, mfa_secret)
        for i, spec in enumerate(specs):
            self._monitor(primary, spec, spec.id or str(100001 + i))
        other = self._account("200002", OTHER_EMAIL, OTHER_PASSWORD, None)
        self._monitor(other, MonitorSpec(time_zone="America/Chicago"), "190001")

    def _account(self, user_id: str, email: str, password: str, secret: str | None) -> Account:
        account = Account(user_id, email, password, secret, [])
        self.accounts[user_id] = account
        return account

    def _monitor(self, account: Account, spec: MonitorSpec, monitor_id: str) -> None:
        if monitor_id in self.monitors:
            raise ValueError(f"duplicate monitor id {monitor_id!r}")
        self.monitors[monitor_id] = Monitor(
            spec, monitor_id, account.user_id, self.seed, self.start_ts
        )
        account.monitor_ids.append(monitor_id)

    @property
    def primary(self) -> Account:
        return self.accounts[self.primary_id]

    def by_email(self, email: str) -> Account | None:
        for account in self.accounts.values():
            if account.email.lower() == email.strip().lower():
                return account
        return None
