"""One Sense monitor on MQTT: host writes become state topics, discovery configs, command answers.

The bridge never waits on the broker: every message goes into the shared `Outbox` (latest value
wins per topic) and the connection publishes from there, so the driver's realtime path only pays
for a dictionary update.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..standalone import Change
from ..standalone.store import DEVICE
from .discovery import (
    DEVICE_ENTITIES,
    ZONE_ENTITIES,
    DeviceInfo,
    command_button_config,
    device_entity_config,
    zone_entity_config,
)
from .outbox import Outbox, Outgoing
from .ports import CommandRunner, MonitorHost
from .requests import answer_request
from .throttle import Throttle
from .topics import OFFLINE, ONLINE, MonitorTopics, TopicLayout

__all__ = ["BridgeOptions", "MonitorBridge", "format_value"]

_LOGGER = logging.getLogger(__name__)

ZONE_PREFIX = "zone."
READY_STATUSES = frozenset({"connected", "polling"})
_RESPONSE_SEQ = itertools.count(1)


@dataclass(frozen=True, slots=True)
class BridgeOptions:
    """Per-entity minimum intervals: attribute name (zone ones as `zone.power`) -> seconds."""

    min_interval: float = 0.0
    min_intervals: Mapping[str, float] = field(default_factory=dict)

    def interval_for(self, key: str) -> float:
        return self.min_intervals.get(key, self.min_interval)


def format_value(value: object) -> str:
    """A payload Home Assistant parses: numbers as text, None as `None` (the state unknown)."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return repr(round(value, 3))
    return str(value)


class MonitorBridge:
    """Publishes one monitor's values and answers its commands, through a shared outbox."""

    def __init__(
        self,
        host: MonitorHost,
        driver: CommandRunner,
        outbox: Outbox,
        *,
        layout: TopicLayout,
        bridge_availability: str,
        options: BridgeOptions | None = None,
    ) -> None:
        self._host = host
        self._driver = driver
        self._outbox = outbox
        self._layout = layout
        self._bridge_availability = bridge_availability
        self._options = options or BridgeOptions()
        self._throttle = Throttle(self._queue)
        self._sent: dict[str, str] = {}
        self._discovered: set[str] = set()
        self._ready = asyncio.Event()
        self._synced = False  # nothing is published before the link's first full_sync
        self._tasks: set[asyncio.Task[None]] = set()
        self.info: DeviceInfo | None = None
        self.topics: MonitorTopics | None = None
        self._unsubscribe = host.subscribe(self._on_change)

    def __repr__(self) -> str:
        return f"MonitorBridge({self._host.name!r}, node={self.node!r})"

    @property
    def node(self) -> str | None:
        return self.topics.node if self.topics else None

    # --- identity: which monitor this is, known once the driver has logged in -------------------

    async def identify(self) -> DeviceInfo:
        """The configured monitor_id at once; else the one the driver selected once logged in.

        Knowing it before the login lets a monitor whose login fails still show its feed
        status and last error in Home Assistant.
        """
        configured = self._host.get_attribute("monitor_id")
        if isinstance(configured, str) and configured.strip():
            self._identified(DeviceInfo(configured.strip(), self._host.name))
        while self.info is None:
            await self._ready.wait()
            self._ready.clear()
            selected = self._host.get_attribute("selected_monitor_id")  # written by the driver
            if isinstance(selected, str) and selected:
                self._identified(DeviceInfo(selected, self._host.name))
            else:
                _LOGGER.debug("%s: the driver has not selected a monitor yet", self._host.name)
        return self.info

    def _identified(self, info: DeviceInfo) -> None:
        self.info = info
        self.topics = self._layout.monitor(info.monitor_id)
        _LOGGER.info("%s: MQTT node %s", self._host.name, self.topics.node)

    # --- host writes -----------------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        if self.topics is None:
            if change.name in ("last_sample", "feed_status") and (
                change.name == "last_sample" or change.value in READY_STATUSES
            ):
                self._ready.set()
            return
        if not self._synced:
            return  # the first full_sync publishes the values as they are then
        if change.scope == DEVICE:
            self._device_value(change.name, change.value)
        else:
            self._zone_value(change.address, change.name, change.value)

    def _device_value(self, name: str, value: object) -> None:
        spec = DEVICE_ENTITIES.get(name)
        if spec is None or self.topics is None or self.info is None:
            return
        if name not in self._discovered:
            self._discovered.add(name)
            self._config(*device_entity_config(spec, self.topics, self.info, self._avail))
        self._state(self.topics.device_state(name), value, name)

    def _zone_value(self, address: str, name: str, value: object) -> None:
        if name not in ZONE_ENTITIES or self.topics is None:
            return
        self._discover_zone(address)
        self._state(self.topics.zone_state(address, name), value, ZONE_PREFIX + name)

    def _discover_zone(self, address: str, label: str | None = None) -> None:
        key = ZONE_PREFIX + address
        if key in self._discovered or self.topics is None or self.info is None:
            return
        self._discovered.add(key)
        if label is None:
            label = self._host.zone_labels().get(address, address)
        for spec in ZONE_ENTITIES.values():
            topics, info = self.topics, self.info
            self._config(*zone_entity_config(spec, address, label, topics, info, self._avail))

    @property
    def _avail(self) -> str:
        return self._bridge_availability

    def _config(self, topic: str, config: dict[str, object]) -> None:
        self._outbox.put(Outgoing(topic, json.dumps(config, separators=(",", ":")), retain=True))

    def _state(self, topic: str, value: object, key: str) -> None:
        payload = format_value(value)
        self._throttle.offer(Outgoing(topic, payload, retain=True), self._options.interval_for(key))

    def _queue(self, message: Outgoing) -> None:
        if self._sent.get(message.topic) == message.payload:
            return  # unchanged: Home Assistant already has it (retained)
        self._sent[message.topic] = message.payload
        self._outbox.put(message)

    # --- (re)publishing everything ----------------------------------------------------------------

    def full_sync(self) -> None:
        """Availability, every discovery config and every current value, as after a reconnect."""
        if self.topics is None or self.info is None:
            return
        self._synced = True
        self._sent.clear()
        self._discovered.clear()
        self._throttle.reset()
        self._outbox.put(Outgoing(self.topics.availability, ONLINE, retain=True, qos=1))
        self._config(*command_button_config(self.topics, self.info, self._avail))
        values = self._host.values()
        for address, label in self._host.zone_labels().items():
            self._discover_zone(address, label)
        for name, value in values.device.items():
            self._device_value(name, value)
        for address, zone_values in values.zones.items():
            for name, value in zone_values.items():
                self._zone_value(address, name, value)

    # --- commands --------------------------------------------------------------------------------

    def handle_command(self, payload: bytes) -> None:
        """Answer a request from the command topic on the response topic, without blocking."""
        task = asyncio.get_running_loop().create_task(self._answer(payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, payload: bytes) -> None:
        answer = await answer_request(self._driver, payload)
        if self.topics is not None:
            self._outbox.put(
                Outgoing(self.topics.response, answer, qos=1, key=f"response#{next(_RESPONSE_SEQ)}")
            )

    # --- lifetime --------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop listening to the host; say `offline` for this monitor."""
        self._unsubscribe()
        self._throttle.reset()
        for task in self._tasks:
            task.cancel()
        if self.topics is not None:
            self._outbox.put(Outgoing(self.topics.availability, OFFLINE, retain=True, qos=1))
