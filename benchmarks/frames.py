"""Recorded-style realtime frames: the shapes the real cloud sends, for the benchmarks."""

from __future__ import annotations

import json
import random

import msgpack

ICONS = ("fridge", "stove", "dryer", "washer", "car", "light", "tv", "ac", "pump", "socket")


def payload(n_devices: int, seed: int = 7) -> dict[str, object]:
    """A realtime_update payload with `n_devices` active devices, 4–14 KB like the real one."""
    rng = random.Random(seed)
    devices: list[dict[str, object]] = [
        {"id": "always_on", "name": "Always On", "icon": "alwayson", "w": 312.4, "tags": {}},
        {"id": "unknown", "name": "Other", "icon": "home", "w": 87.1, "tags": {}},
    ]
    for i in range(n_devices - 2):
        icon = ICONS[i % len(ICONS)]
        devices.append(
            {
                "id": f"{rng.getrandbits(32):08x}",
                "name": f"{icon.title()} {i}",
                "icon": icon,
                "w": round(rng.uniform(5, 4000), 3),
                "tags": {
                    "DefaultUserDeviceType": icon.title(),
                    "DeviceListAllowed": "true",
                    "TimelineAllowed": "true",
                    "UserDeviceType": icon.title(),
                    "UserDeviceTypeDisplayString": icon.title(),
                    "name_useredit": "false",
                    "DateCreated": "2024-03-02T11:22:33.000Z",
                    "DateFirstUsage": "2024-03-04",
                    "Revoked": "false",
                },
                "c": rng.randint(1, 9),
                "sd": {"w": round(rng.uniform(0, 50), 2), "i": round(rng.uniform(0, 2), 3)},
            }
        )
    total = sum(float(str(d["w"])) for d in devices)
    return {
        "w": round(total, 3),
        "d_w": round(total),
        "c": 1,
        "hz": 60.01,
        "voltage": [121.2, 120.8],
        "channels": [round(total * 0.52, 3), round(total * 0.48, 3)],
        "solar_w": 1520.4,
        "d_solar_w": 1520,
        "solar_pct": 35,
        "grid_w": round(total - 1520.4, 3),
        "epoch": 1_767_225_600,
        "frame": 1234,
        "defaultCost": 18.12,
        "stats": {"brcv": 1.767e9, "mrcv": 1.767e9, "msnd": 1.767e9},
        "devices": devices,
    }


def msgpack_frame(n_devices: int) -> bytes:
    """One binary frame: type, epoch and payload as three concatenated msgpack objects."""
    packed: bytes = (
        msgpack.packb("realtime_update")
        + msgpack.packb(1_767_225_600)
        + msgpack.packb(payload(n_devices))
    )
    return packed


def varying_msgpack_frames(n_devices: int, count: int = 64, seed: int = 11) -> list[bytes]:
    """`count` consecutive frames as the cloud sends them: every device's watts drift by ±2 %,
    the epoch advances 0.5 s and the frame counter by one; ids and shapes stay the same."""
    rng = random.Random(seed)
    base = payload(n_devices)
    frames = []
    for k in range(count):
        body = dict(base)
        devices = [dict(d) for d in base["devices"]]  # type: ignore[attr-defined]
        for d in devices:
            d["w"] = round(float(d["w"]) * rng.uniform(0.98, 1.02), 3)
        total = sum(float(d["w"]) for d in devices)
        epoch = 1_767_225_600 + 0.5 * k
        body.update(devices=devices, w=round(total, 3), d_w=round(total), epoch=epoch, frame=k)
        body["grid_w"] = round(total - 1520.4, 3)
        frames.append(msgpack.packb("realtime_update") + msgpack.packb(epoch) + msgpack.packb(body))
    return frames


def json_frame(n_devices: int) -> str:
    """The same message as a JSON text frame."""
    return json.dumps({"type": "realtime_update", "payload": payload(n_devices)})


def zone_ids(n_devices: int, n_zones: int = 10) -> list[str]:
    """The first `n_zones` learned device ids of that payload: the bound zones."""
    devices = payload(n_devices)["devices"]
    assert isinstance(devices, list)
    return [str(d["id"]) for d in devices[2 : 2 + n_zones]]
