"""Home Assistant's MQTT discovery schema for the components we publish, from its documentation.

Keys are the documented configuration variables of the MQTT sensor, binary sensor and button
integrations (full names, not abbreviations), with the values Home Assistant accepts where it
restricts them. `problems()` lists every way a config departs from it.
"""

from __future__ import annotations

import re

COMMON = {
    "availability",
    "availability_mode",
    "availability_template",
    "availability_topic",
    "default_entity_id",
    "device",
    "enabled_by_default",
    "encoding",
    "entity_category",
    "entity_picture",
    "icon",
    "json_attributes_template",
    "json_attributes_topic",
    "name",
    "object_id",
    "origin",
    "payload_available",
    "payload_not_available",
    "platform",
    "qos",
    "unique_id",
}
KEYS = {
    "sensor": COMMON
    | {
        "device_class",
        "expire_after",
        "force_update",
        "last_reset_value_template",
        "options",
        "state_class",
        "state_topic",
        "suggested_display_precision",
        "unit_of_measurement",
        "value_template",
    },
    "binary_sensor": COMMON
    | {
        "device_class",
        "expire_after",
        "force_update",
        "off_delay",
        "payload_off",
        "payload_on",
        "state_topic",
        "value_template",
    },
    "button": COMMON
    | {"command_template", "command_topic", "device_class", "payload_press", "retain"},
}
REQUIRED = {
    "sensor": {"state_topic"},
    "binary_sensor": {"state_topic"},
    "button": {"command_topic"},
}
DEVICE_KEYS = {
    "configuration_url",
    "connections",
    "hw_version",
    "identifiers",
    "manufacturer",
    "model",
    "model_id",
    "name",
    "serial_number",
    "suggested_area",
    "sw_version",
    "via_device",
}
ORIGIN_KEYS = {"name", "sw_version", "support_url"}
AVAILABILITY_KEYS = {"topic", "payload_available", "payload_not_available", "value_template"}
AVAILABILITY_MODES = {"all", "any", "latest"}
STATE_CLASSES = {"measurement", "measurement_angle", "total", "total_increasing"}
# Sensor device classes we may use, with the units Home Assistant accepts for each.
SENSOR_UNITS: dict[str, set[str] | None] = {
    "power": {"mW", "W", "kW", "MW", "GW", "TW", "BTU/h"},
    "energy": {"J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh", "cal", "kcal"},
    "voltage": {"V", "mV", "µV", "kV", "MV"},
    "frequency": {"Hz", "kHz", "MHz", "GHz"},
    "current": {"A", "mA"},
    "enum": None,  # no unit at all
}
ENERGY_STATE_CLASSES = {"total", "total_increasing"}
BINARY_SENSOR_CLASSES = {
    "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door",
    "garage_door", "gas", "heat", "light", "lock", "moisture", "motion", "moving", "occupancy",
    "opening", "plug", "power", "presence", "problem", "running", "safety", "smoke", "sound",
    "tamper", "update", "vibration", "window",
}  # fmt: skip
BUTTON_CLASSES = {"identify", "restart", "update"}
ENTITY_CATEGORIES = {"sensor": {"diagnostic"}, "binary_sensor": {"diagnostic"}}
ENTITY_CATEGORIES["button"] = {"config", "diagnostic"}
ID = re.compile(r"^[A-Za-z0-9_-]+$")
CONFIG_TOPIC = re.compile(
    r"^(?P<prefix>[^#+]+?)/(?P<component>sensor|binary_sensor|button|switch|number|select)/"
    r"(?:(?P<node>[A-Za-z0-9_-]+)/)?"
    r"(?P<object>[A-Za-z0-9_-]+)/config$"
)


def _topic_ok(value: object) -> bool:
    return isinstance(value, str) and bool(value) and "#" not in value and "+" not in value


def problems(topic: str, config: dict[str, object]) -> list[str]:
    """Every departure of one discovery message from the documented schema."""
    found: list[str] = []
    match = CONFIG_TOPIC.match(topic)
    if match is None:
        return [f"{topic}: not <prefix>/<component>/[<node_id>/]<object_id>/config"]
    component = match["component"]
    if component not in KEYS:
        return [f"{topic}: component {component} is not one we check"]
    found += [f"unknown key {k}" for k in sorted(set(config) - KEYS[component])]
    found += [f"missing {k}" for k in sorted(REQUIRED[component] - set(config))]
    for key in ("state_topic", "command_topic"):
        if key in config and not _topic_ok(config[key]):
            found.append(f"{key} {config[key]!r} is not a topic one can publish to")
    if not isinstance(config.get("name"), str) or not config["name"]:
        found.append("name must be a non-empty string")
    unique_id = config.get("unique_id")
    if not isinstance(unique_id, str) or not ID.match(unique_id):
        found.append(f"unique_id {unique_id!r} must be a string (needed for the device registry)")
    found += _availability(config)
    found += _device(config)
    origin = config.get("origin")
    if origin is not None:
        if not isinstance(origin, dict) or "name" not in origin:
            found.append("origin must be an object with a name")
        else:
            found += [f"origin: unknown key {k}" for k in sorted(set(origin) - ORIGIN_KEYS)]
    category = config.get("entity_category")
    if category is not None and category not in ENTITY_CATEGORIES[component]:
        found.append(f"entity_category {category!r} is not valid for a {component}")
    if component == "sensor":
        found += _sensor(config)
    elif component == "binary_sensor":
        if config.get("device_class") not in BINARY_SENSOR_CLASSES | {None}:
            found.append(f"binary_sensor device_class {config['device_class']!r}")
        for key in ("payload_on", "payload_off"):
            if key in config and not isinstance(config[key], str):
                found.append(f"{key} must be a string")
    elif config.get("device_class") not in BUTTON_CLASSES | {None}:
        found.append(f"button device_class {config['device_class']!r}")
    return found


def _availability(config: dict[str, object]) -> list[str]:
    found: list[str] = []
    items = config.get("availability")
    if items is not None and "availability_topic" in config:
        found.append("availability and availability_topic must not be used together")
    if items is not None:
        if not isinstance(items, list) or not items:
            return ["availability must be a non-empty list"]
        for item in items:
            if not isinstance(item, dict) or not _topic_ok(item.get("topic")):
                found.append(f"availability item {item!r} needs a topic")
            else:
                found += [f"availability: unknown key {k}" for k in set(item) - AVAILABILITY_KEYS]
    mode = config.get("availability_mode")
    if mode is not None and mode not in AVAILABILITY_MODES:
        found.append(f"availability_mode {mode!r} is not one of {sorted(AVAILABILITY_MODES)}")
    return found


def _device(config: dict[str, object]) -> list[str]:
    device = config.get("device")
    if device is None:
        return []
    if not isinstance(device, dict):
        return ["device must be an object"]
    found = [f"device: unknown key {k}" for k in sorted(set(device) - DEVICE_KEYS)]
    identifiers = device.get("identifiers")
    if not (isinstance(identifiers, list) and identifiers) and "connections" not in device:
        found.append("device needs identifiers (a list) or connections")
    return found


def _sensor(config: dict[str, object]) -> list[str]:
    found: list[str] = []
    device_class = config.get("device_class")
    unit = config.get("unit_of_measurement")
    state_class = config.get("state_class")
    if device_class is not None:
        if device_class not in SENSOR_UNITS:
            return [f"sensor device_class {device_class!r} is not one we expect"]
        units = SENSOR_UNITS[device_class]
        if units is None and unit is not None:
            found.append(f"a {device_class} sensor has no unit, got {unit!r}")
        if units is not None and unit not in units:
            found.append(f"unit {unit!r} is not valid for device_class {device_class}")
    if state_class is not None and state_class not in STATE_CLASSES:
        found.append(f"state_class {state_class!r} is not one of {sorted(STATE_CLASSES)}")
    if device_class == "energy" and state_class not in ENERGY_STATE_CLASSES:
        found.append(f"an energy sensor needs state_class total(_increasing), got {state_class!r}")
    if device_class == "enum":
        options = config.get("options")
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            found.append("an enum sensor needs options: a list of strings")
        if state_class is not None:
            found.append("an enum sensor has no state_class")
    elif "options" in config:
        found.append("options belong to enum sensors only")
    precision = config.get("suggested_display_precision")
    if precision is not None and not (isinstance(precision, int) and precision >= 0):
        found.append("suggested_display_precision must be an integer >= 0")
    return found
