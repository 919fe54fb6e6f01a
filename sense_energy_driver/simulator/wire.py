"""Feed messages and their two encodings (JSON text, msgpack triples), plus deliberate damage."""

from __future__ import annotations

import json
from typing import Any

import msgpack

from .meter import Sample
from .state import ALWAYS_ON, UNKNOWN, Monitor

__all__ = [
    "MALFORMED_KINDS",
    "Frame",
    "Message",
    "Reframer",
    "device_states_payload",
    "malformed_frames",
    "realtime_payload",
]

Frame = str | bytes
MALFORMED_KINDS = ("invalid", "wrong_types", "truncated", "unknown_type", "oversized")


class Message:
    """One feed message, encoded at most once per encoding however many clients receive it."""

    __slots__ = ("_json", "_msgpack", "epoch", "payload", "type")

    def __init__(self, type_: str, epoch: float, payload: Any) -> None:
        self.type = type_
        self.epoch = epoch
        self.payload = payload
        self._json: str | None = None
        self._msgpack: bytes | None = None

    def json_text(self) -> str:
        """`{"type": ..., "payload": ...}` as the JSON feed sends it."""
        if self._json is None:
            self._json = json.dumps(
                {"type": self.type, "payload": self.payload}, separators=(",", ":")
            )
        return self._json

    def msgpack_bytes(self) -> bytes:
        """Three concatenated msgpack objects: type, epoch, payload."""
        if self._msgpack is None:
            pack = msgpack.packb
            self._msgpack = pack(self.type) + pack(self.epoch) + pack(self.payload)
        return self._msgpack

    def frame(self, use_msgpack: bool) -> Frame:
        return self.msgpack_bytes() if use_msgpack else self.json_text()


def realtime_payload(mon: Monitor, s: Sample) -> dict[str, Any]:
    """The realtime_update payload, shaped like the real cloud's (old firmware: no volts/Hz)."""
    devices = []
    for dev_id, w in s.devices:
        dev = mon.devices[dev_id]
        devices.append(
            {"id": dev.id, "name": dev.name, "icon": dev.icon, "w": w, "tags": dev.feed_tags()}
        )
    payload: dict[str, Any] = {
        "w": s.w,
        "d_w": round(s.w),
        "c": 25,
        "channels": [s.l1, s.l2],
        "epoch": round(s.ts, 3),
        "frame": s.frame,
        "devices": devices,
    }
    if not mon.old_firmware:
        payload["hz"] = s.hz
        payload["voltage"] = list(s.voltage)
    if mon.solar is not None:
        payload["solar_w"] = s.solar_w
        payload["d_solar_w"] = round(s.solar_w)
        payload["solar_pct"] = round(100 * min(s.solar_w, s.w) / s.w) if s.w > 0 else 0
        payload["grid_w"] = s.grid_w
    return payload


def device_states_payload(mon: Monitor, s: Sample) -> dict[str, Any]:
    """device_states: the on/off state of every listed learned device."""
    on = {dev_id for dev_id, _ in s.devices}
    return {
        "states": [
            {"device_id": d.id, "mode": "active", "state": "on" if d.id in on else "off"}
            for d in mon.active_devices()
            if d.id not in (ALWAYS_ON, UNKNOWN)
        ],
        "update_type": "full",
    }


def malformed_frames(kind: str, use_msgpack: bool, base: dict[str, Any], size: int) -> list[Frame]:
    """Frames a broken cloud might send; `base` is a realistic realtime_update payload."""
    if kind == "invalid":
        return [b"\xc1\xc1\xc1" if use_msgpack else '{"type":"realtime_update","payload":{"w":']
    if kind == "wrong_types":
        bad = {**base, "w": "abc", "devices": "none", "channels": {"L1": "x"}, "frame": "one"}
        return [Message("realtime_update", base.get("epoch", 0), bad).frame(use_msgpack)]
    if kind == "truncated":
        whole = Message("realtime_update", base.get("epoch", 0), base)
        if use_msgpack:
            data = whole.msgpack_bytes()
            return [data[: len(data) // 2]]
        text = whole.json_text()
        return [text[: len(text) // 2]]
    if kind == "unknown_type":
        return [Message("mystery_event", base.get("epoch", 0), {"x": 1}).frame(use_msgpack)]
    if kind == "oversized":
        padded = {**base, "_padding": ""}
        overhead = len(Message("realtime_update", 0.0, padded).frame(use_msgpack))
        padded["_padding"] = "x" * max(0, size - overhead - 8)
        return [Message("realtime_update", base.get("epoch", 0), padded).frame(use_msgpack)]
    raise ValueError(f"unknown malformed kind {kind!r}; one of {MALFORMED_KINDS}")


class Reframer:
    """Regroups msgpack bytes so frames and triples do not line up, to exercise client framing.

    In every three messages, the first two travel together in one frame and the third is split
    across two frames.
    """

    def __init__(self) -> None:
        self._count = 0
        self._held = b""

    def frames(self, data: bytes) -> list[Frame]:
        self._count += 1
        phase = self._count % 3
        if phase == 1:
            self._held = data
            return []
        if phase == 2:
            held, self._held = self._held, b""
            return [held + data]
        cut = max(1, len(data) // 2)
        return [data[:cut], data[cut:]]

    def flush(self) -> list[Frame]:
        """Whatever is still held back, as one frame."""
        held, self._held = self._held, b""
        self._count = 0
        return [held] if held else []
