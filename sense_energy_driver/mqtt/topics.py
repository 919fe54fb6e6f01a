"""The topic layout in one place: what the bridge publishes where, and what it listens to.

    <base>/bridge/<bridge id>/availability         online / offline (the connection's last will)
    <base>/<node>/availability                     online / offline (this monitor's driver)
    <base>/<node>/<attribute>                      a device value: power, voltage, feed_status ...
    <base>/<node>/zone/<address>/state             on / off
    <base>/<node>/zone/<address>/power             watts
    <base>/<node>/command                          JSON requests {"action": ..., "id": ...}
    <base>/<node>/response                         JSON answers {"id", "action", "ok", ...}
    <discovery>/<component>/<node>/<object>/config Home Assistant discovery (retained)
    <discovery>/status                             Home Assistant's birth message (listened to)

`node` is `sense_<monitor id>`: the same on every run, so Home Assistant keeps its entities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["OFFLINE", "ONLINE", "MonitorTopics", "TopicLayout", "topic_safe"]

ONLINE = "online"
OFFLINE = "offline"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def topic_safe(text: str) -> str:
    """A topic level and discovery id: letters, digits, '_' and '-' only (no '/', '+', '#')."""
    return _UNSAFE.sub("_", text).strip("_") or "_"


@dataclass(frozen=True, slots=True)
class TopicLayout:
    """The two prefixes the user chooses: the state tree and Home Assistant's discovery tree."""

    base: str = "sense"
    discovery: str = "homeassistant"

    def bridge_availability(self, bridge_id: str) -> str:
        return f"{self.base}/bridge/{topic_safe(bridge_id)}/availability"

    @property
    def ha_status(self) -> str:
        """Home Assistant publishes `online` here when it starts: the cue to republish."""
        return f"{self.discovery}/status"

    def monitor(self, monitor_id: str) -> MonitorTopics:
        return MonitorTopics(self, f"sense_{topic_safe(monitor_id)}")


@dataclass(frozen=True, slots=True)
class MonitorTopics:
    """The topics of one Sense monitor."""

    layout: TopicLayout
    node: str

    @property
    def root(self) -> str:
        return f"{self.layout.base}/{self.node}"

    @property
    def availability(self) -> str:
        return f"{self.root}/availability"

    @property
    def command(self) -> str:
        return f"{self.root}/command"

    @property
    def response(self) -> str:
        return f"{self.root}/response"

    def device_state(self, name: str) -> str:
        return f"{self.root}/{name}"

    def zone_state(self, address: str, name: str) -> str:
        return f"{self.root}/zone/{topic_safe(address)}/{name}"

    def config(self, component: str, object_id: str) -> str:
        return f"{self.layout.discovery}/{component}/{self.node}/{topic_safe(object_id)}/config"
