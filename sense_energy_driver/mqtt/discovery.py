"""Home Assistant discovery: which entities a Sense monitor has, and the config each one gets.

Keys follow Home Assistant's MQTT sensor / binary_sensor / button documentation; unique ids are
built from the monitor id and the attribute or Sense device id, so they survive restarts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .. import __version__
from .topics import OFFLINE, ONLINE, MonitorTopics, topic_safe

__all__ = [
    "DEVICE_ENTITIES",
    "ZONE_ENTITIES",
    "DeviceInfo",
    "EntitySpec",
    "command_button_config",
    "device_entity_config",
    "zone_entity_config",
]

ORIGIN = {"name": "sense-energy-driver", "sw_version": __version__}
FEED_STATUSES = (
    "connecting",
    "connected",
    "reconnecting",
    "polling",
    "paused",
    "auth_failed",
    "stopped",
)


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """One Home Assistant entity fed by one runtime attribute."""

    attribute: str
    component: str  # "sensor" or "binary_sensor"
    name: str
    device_class: str | None = None
    unit: str | None = None
    state_class: str | None = None
    precision: int | None = None
    diagnostic: bool = False
    options: tuple[str, ...] = ()


def _power(attribute: str, name: str) -> EntitySpec:
    return EntitySpec(attribute, "sensor", name, "power", "W", "measurement", 0)


def _energy(attribute: str, name: str) -> EntitySpec:
    return EntitySpec(attribute, "sensor", name, "energy", "kWh", "total_increasing", 2)


DEVICE_ENTITIES: Mapping[str, EntitySpec] = {
    e.attribute: e
    for e in (
        _power("power", "Power"),
        _power("solar_power", "Solar power"),
        _power("grid_power", "Grid power"),
        EntitySpec("voltage", "sensor", "Voltage", "voltage", "V", "measurement", 1),
        EntitySpec("voltage_l1", "sensor", "Voltage L1", "voltage", "V", "measurement", 1),
        EntitySpec("voltage_l2", "sensor", "Voltage L2", "voltage", "V", "measurement", 1),
        EntitySpec("frequency", "sensor", "Frequency", "frequency", "Hz", "measurement", 2),
        _energy("usage_today_kwh", "Energy today"),
        _energy("production_today_kwh", "Solar energy today"),
        _energy("from_grid_today_kwh", "Energy from grid today"),
        _energy("to_grid_today_kwh", "Energy to grid today"),
        EntitySpec("active_devices", "sensor", "Active devices", state_class="measurement"),
        EntitySpec(
            "feed_status", "sensor", "Feed status", "enum", diagnostic=True, options=FEED_STATUSES
        ),
    )
}
ZONE_ENTITIES: Mapping[str, EntitySpec] = {
    "state": EntitySpec("state", "binary_sensor", "", "power"),
    "power": _power("power", "power"),
}


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """The Home Assistant device one Sense monitor becomes."""

    monitor_id: str
    name: str

    def as_config(self, topics: MonitorTopics) -> dict[str, object]:
        return {
            "identifiers": [topics.node],
            "name": self.name,
            "manufacturer": "Sense",
            "model": "Sense energy monitor",
        }


def _available_on(topic: str) -> dict[str, str]:
    return {"topic": topic, "payload_available": ONLINE, "payload_not_available": OFFLINE}


def _common(
    topics: MonitorTopics, device: DeviceInfo, bridge_availability: str
) -> dict[str, object]:
    return {
        "availability": [
            _available_on(bridge_availability),
            _available_on(topics.availability),
        ],
        "availability_mode": "all",
        "device": device.as_config(topics),
        "origin": ORIGIN,
    }


def _entity(spec: EntitySpec, name: str, unique_id: str, state_topic: str) -> dict[str, object]:
    config: dict[str, object] = {"name": name, "unique_id": unique_id, "state_topic": state_topic}
    if spec.device_class:
        config["device_class"] = spec.device_class
    if spec.unit:
        config["unit_of_measurement"] = spec.unit
    if spec.state_class:
        config["state_class"] = spec.state_class
    if spec.precision is not None:
        config["suggested_display_precision"] = spec.precision
    if spec.diagnostic:
        config["entity_category"] = "diagnostic"
    if spec.options:
        config["options"] = list(spec.options)
    if spec.component == "binary_sensor":
        config["payload_on"] = "on"
        config["payload_off"] = "off"
    return config


def device_entity_config(
    spec: EntitySpec, topics: MonitorTopics, device: DeviceInfo, bridge_availability: str
) -> tuple[str, dict[str, object]]:
    """(config topic, config) for a whole-home entity such as power or voltage."""
    unique_id = f"{topics.node}_{spec.attribute}"
    config = _common(topics, device, bridge_availability)
    config.update(_entity(spec, spec.name, unique_id, topics.device_state(spec.attribute)))
    return topics.config(spec.component, spec.attribute), config


def zone_entity_config(
    spec: EntitySpec,
    address: str,
    label: str,
    topics: MonitorTopics,
    device: DeviceInfo,
    bridge_availability: str,
) -> tuple[str, dict[str, object]]:
    """(config topic, config) for a zone's on/off binary sensor or its power sensor."""
    object_id = f"zone_{topic_safe(address)}_{spec.attribute}"
    name = f"{label} {spec.name}".strip()
    config = _common(topics, device, bridge_availability)
    config.update(
        _entity(
            spec, name, f"{topics.node}_{object_id}", topics.zone_state(address, spec.attribute)
        )
    )
    return topics.config(spec.component, object_id), config


def command_button_config(
    topics: MonitorTopics, device: DeviceInfo, bridge_availability: str
) -> tuple[str, dict[str, object]]:
    """A Reconnect button: pressing it sends {"action": "reconnect"} to the command topic."""
    config = _common(topics, device, bridge_availability)
    config.update(
        {
            "name": "Reconnect",
            "unique_id": f"{topics.node}_reconnect",
            "command_topic": topics.command,
            "payload_press": '{"action": "reconnect", "id": "button"}',
            "device_class": "restart",
            "entity_category": "config",
        }
    )
    return topics.config("button", "reconnect"), config
