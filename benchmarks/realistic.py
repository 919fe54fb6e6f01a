"""A realistic realtime stream, generated deterministically: the frames the headline is timed on.

Shaped after frames the real cloud sends (msgpack triples with an integer epoch; every field a
real payload carries, most of which the driver never reads): a new epoch and frame number each
frame, every device's watts drifting around its own level, and now and then one appliance
switching off while another switches on, so bound zones toggle. The number of devices on stays
fixed, so a set is "20 devices on" or "60 devices on" from its first frame to its last.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import msgpack

__all__ = ["Home", "home", "pack", "realistic_frames", "realistic_payloads", "zone_ids"]

START_EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z
ZONES = 10  # bound zones, as in the other throughput benchmarks
_KINDS = (
    ("Fridge", "fridge", "Refrigerator"),
    ("Dryer", "dryer", "Dryer"),
    ("Washer", "washer", "WashingMachine"),
    ("Pump", "pump", "Pump"),
    ("Heat", "heat", "ElectricHeater"),
    ("AC", "ac", "AirConditioner"),
    ("Light", "lightbulb", "Light"),
    ("TV", "tv", "Television"),
    ("Oven", "stove", "Oven"),
    ("EV", "car", "ElectricVehicle"),
    ("Motor", "motor", "UnknownMotor"),
    ("Kettle", "kettle", "Kettle"),
)
_PEERS = tuple(
    {"Name": name, "UserDeviceType": kind, "Percent": pct, "UserDeviceTypeDisplayString": name}
    for name, kind, pct in (
        ("Pump", "Pump", 83.0),
        ("Sump", "Pump", 8.0),
        ("Disposal", "Trash", 4.0),
    )
)


@dataclass
class _Device:
    """One learned appliance: its static entry, its typical draw, whether it is on."""

    entry: dict[str, object]
    level: float
    watts: float
    on: bool = False


def _tags(rng: random.Random, name: str, kind: str, learned: bool) -> dict[str, object]:
    """Device tags as the real feed repeats them in every frame (most of a frame's bytes)."""
    tags: dict[str, object] = {
        "DefaultUserDeviceType": kind,
        "DeviceListAllowed": "true",
        "TimelineAllowed": "true" if learned else "false",
        "UserDeviceType": kind,
        "UserDeviceTypeDisplayString": kind,
        "UserEditable": "true" if learned else "false",
        "UserMergeable": "true" if learned else "false",
    }
    if learned:
        tags.update(
            {
                "Alertable": "true",
                "AlwaysOn": "false",
                "DateCreated": f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T13:54:20.235Z",
                "DateFirstUsage": "2024-01-18",
                "DefaultLocation": None,
                "DefaultMake": None,
                "DefaultModel": None,
                "DeployToMonitor": "true",
                "Mature": "true",
                "ModelCreatedVersion": str(rng.randint(3, 9)),
                "name_useredit": "false",
                "OriginalName": name,
                "PeerNames": [dict(p, Icon="pump") for p in _PEERS] if rng.random() < 0.3 else [],
                "Pending": "false",
                "Revoked": "false",
                "TimelineDefault": "true",
                "Type": kind,
                "UserDeletable": "true",
                "UserEditableMeta": "true",
            }
        )
    return tags


def _learned(rng: random.Random, index: int, lean: bool) -> _Device:
    label, icon, kind = _KINDS[index % len(_KINDS)]
    name = f"{label} {index // len(_KINDS) + 1}"
    entry: dict[str, object] = {"id": f"{rng.getrandbits(32):08x}", "name": name, "icon": icon}
    level = 10 ** rng.uniform(0.8, 3.6)  # 6 W to 4 kW
    if lean:  # the simulator's shape: two tags, nothing else
        entry["tags"] = {"DefaultUserDeviceType": kind, "DeviceListAllowed": "true"}
        return _Device(entry, level, level)
    entry.update(tags=_tags(rng, name, kind, learned=True), attrs=[], c=rng.randint(1, 60))
    if rng.random() < 0.3:
        entry.update(make="Acme", location="Basement", given_location="Basement")
    if rng.random() < 0.5:
        entry["sd"] = {"w": round(rng.uniform(0, 50), 2), "i": round(rng.uniform(0, 2), 3)}
    return _Device(entry, level, level)


def _special(rng: random.Random, dev_id: str, name: str, icon: str, level: float) -> _Device:
    kind = name.replace(" ", "")
    entry = {"id": dev_id, "name": name, "icon": icon, "tags": _tags(rng, name, kind, False)}
    return _Device({**entry, "attrs": [], "c": 4}, level, level, on=True)


def home(devices_on: int, seed: int = 13, *, lean: bool = False) -> Home:
    """A solar home whose frames carry `devices_on` device entries (three of them special)."""
    rng = random.Random(seed)
    specials = [
        _special(rng, "always_on", "Always On", "alwayson", 220.0),
        _special(rng, "unknown", "Other", "home", 340.0),
        _special(rng, "solar", "Solar", "solar_alt", 2300.0),
    ]
    learned = [_learned(rng, i, lean) for i in range(devices_on - len(specials) + 8)]
    for dev in learned[: devices_on - len(specials)]:
        dev.on = True
    return Home(rng, specials, learned)


@dataclass
class Home:
    """The appliances of one home and the random source that moves them, frame by frame."""

    rng: random.Random
    specials: list[_Device]
    learned: list[_Device]
    toggles: int = 0
    legs: tuple[float, float] = (121.5, 120.9)
    hz: float = 60.0

    @property
    def zones(self) -> list[str]:
        """The bound zones: every other learned device, so some are on, some off, some toggle."""
        return [str(dev.entry["id"]) for dev in self.learned[::2][:ZONES]]

    def payload(self, k: int) -> dict[str, object]:
        """Frame k's payload: watts drift, and now and then one appliance replaces another."""
        rng = self.rng
        if rng.random() < 0.15:  # one appliance off, another on: the count stays the same
            off = rng.choice([d for d in self.learned if d.on])
            on = rng.choice([d for d in self.learned if not d.on])
            off.on, on.on, on.watts = False, True, on.level
            self.toggles += 1
        devices: list[dict[str, object]] = []
        watts: dict[str, float] = {}
        for dev in self.specials + [d for d in self.learned if d.on]:
            # Mean-reverting drift, a few percent around the device's level, new every frame.
            dev.watts += 0.3 * (dev.level - dev.watts) + dev.level * rng.gauss(0, 0.02)
            w = watts[str(dev.entry["id"])] = round(max(dev.watts, 0.5), 5)
            devices.append({**dev.entry, "w": w})
        solar = watts["solar"]
        use = sum(w for dev_id, w in watts.items() if dev_id != "solar")
        devices.sort(key=lambda d: -watts[str(d["id"])])  # by watts, as the cloud sends them
        grid = use - solar
        epoch = START_EPOCH + k
        # Line voltage and frequency wander slowly (hundredths of a volt, thousandths of a Hz).
        self.legs = (
            self._wander(self.legs[0], 121.5, 0.03),
            self._wander(self.legs[1], 120.9, 0.03),
        )
        self.hz = self._wander(self.hz, 60.0, 0.002)
        return {
            "voltage": [round(leg, 5) for leg in self.legs],
            "frame": 11_973_570 + k,
            "devices": devices,
            "deltas": [],
            "channels": [round(use * 0.55, 4), round(use * 0.45, 4)],
            "hz": round(self.hz, 6),
            "w": round(use, 5),
            "c": 77,
            "solar_w": solar,
            "solar_c": 32,
            "grid_w": round(grid),
            "_stats": {"brcv": epoch + 0.2337, "mrcv": epoch + 0.258, "msnd": epoch + 0.258},
            "aux": {"solar": [-round(solar / 2, 4), -round(solar / 2, 4)]},
            "power_flow": {"solar": ["grid", "home"] if grid < 0 else ["home"], "grid": []},
            "solar_pct": round(100 * min(solar, use) / use),
            "d_w": round(use),
            "d_solar_w": round(solar),
            "defaultCost": 20.77,
            "epoch": epoch,
        }

    def _wander(self, value: float, mean: float, step: float) -> float:
        return value + 0.05 * (mean - value) + self.rng.gauss(0, step)


def realistic_payloads(
    devices_on: int, count: int = 240, seed: int = 13, *, lean: bool = False
) -> list[dict[str, object]]:
    """`count` consecutive payloads of one home (see `home`)."""
    h = home(devices_on, seed, lean=lean)
    return [h.payload(k) for k in range(count)]


def pack(payload: dict[str, object], epoch: int) -> bytes:
    """One binary frame as the cloud sends it: type, epoch, payload (with that epoch)."""
    parts: list[bytes] = [
        msgpack.packb(x) for x in ("realtime_update", epoch, {**payload, "epoch": epoch})
    ]
    return b"".join(parts)


def realistic_frames(
    devices_on: int, count: int = 240, seed: int = 13, *, lean: bool = False
) -> list[bytes]:
    """The same stream packed: frame k has epoch START_EPOCH + k."""
    payloads = realistic_payloads(devices_on, count, seed, lean=lean)
    return [pack(p, START_EPOCH + k) for k, p in enumerate(payloads)]


def zone_ids(devices_on: int, seed: int = 13, *, lean: bool = False) -> list[str]:
    """The zone addresses bound for that stream."""
    return home(devices_on, seed, lean=lean).zones
