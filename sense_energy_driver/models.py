"""Typed wire models for the Sense cloud, decoded at the boundary and never handled as raw dicts:
the base every model shares, and the realtime feed's messages (the REST bodies: restmodels.py).

Every field has a default and unknown fields are ignored, so an older or newer payload still
decodes; a field of the wrong type is a `msgspec.ValidationError` at the boundary. Shapes follow
the realtime feed as the real cloud sends it (tests/fixtures/real/feed).
"""

from __future__ import annotations

from typing import Annotated

import msgspec

__all__ = [
    "MAX_EPOCH",
    "DataChange",
    "DeviceState",
    "DeviceStates",
    "FeedError",
    "Hello",
    "RealtimeDevice",
    "RealtimePayload",
    "WireModel",
]


class WireModel(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Base of every wire model: immutable, keyword-built, tolerant of missing fields."""


# --- realtime feed ------------------------------------------------------------------------------


# Numbers a realtime sample carries, checked as they are decoded (in C, at no measurable cost):
# NaN, ±Infinity and absurd magnitudes fail there, as a bad frame, instead of in round() later.
# A reading is watts, volts or hertz (a gigawatt is far beyond any home); an epoch is a time
# between 1970 and 2100.
MAX_EPOCH = 4_102_444_800  # 2100-01-01T00:00:00Z
_Reading = Annotated[float, msgspec.Meta(ge=-1e9, le=1e9)]
_Epoch = Annotated[float, msgspec.Meta(ge=0, lt=MAX_EPOCH)]


class RealtimeDevice(WireModel, frozen=True, gc=False):
    """One active device in a realtime_update: only what the driver reads is decoded.

    Decoded dozens of times per frame, so untracked by the garbage collector (gc=False is safe:
    a string and a float cannot form a reference cycle).
    """

    id: str = ""
    w: _Reading = 0.0


class RealtimePayload(WireModel, frozen=True, gc=False):
    """The realtime_update payload, from the feed or /app/{id}/realtime_update (RealtimePayload).

    Untracked by the garbage collector like its devices: numbers and tuples of structs only.
    """

    w: _Reading = 0.0
    solar_w: _Reading | None = None
    grid_w: _Reading | None = None
    hz: _Reading | None = None
    voltage: tuple[_Reading, ...] | None = None
    epoch: _Epoch | None = None
    frame: int | None = None
    devices: tuple[RealtimeDevice, ...] = ()


class DataChange(WireModel, frozen=True):
    """data_change: a new checksum means the device list changed."""

    device_data_checksum: str = ""
    partner_checksum: str = ""
    monitor_overview_checksum: str = ""


class DeviceState(WireModel, frozen=True):
    device_id: str = ""
    mode: str = ""
    state: str = ""


class DeviceStates(WireModel, frozen=True):
    """device_states: the cloud's idea of each device's on/off state."""

    states: tuple[DeviceState, ...] = ()


class Hello(WireModel, frozen=True):
    """hello, the feed's first message: `online` false means the monitor itself is offline."""

    online: bool = True


class FeedError(WireModel, frozen=True):
    """error: `authorized` false means the token was rejected."""

    authorized: bool = True
    error_reason: str = ""
