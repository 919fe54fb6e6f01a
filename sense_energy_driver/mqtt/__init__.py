"""MQTT with Home Assistant discovery: a Sense monitor's realtime values where hubs already look.

`run --mqtt URL` and `demo --mqtt URL` add it through the CLI's side-service registry; `run
--devices DIR --shard I/N` bridges many monitors over one connection. See docs/mqtt.md.
"""

from __future__ import annotations

from .broker import BrokerAddress, MqttConfigError, parse_broker_url
from .options import MqttOptions, add_mqtt_arguments, build_mqtt_service
from .topics import TopicLayout

__all__ = [
    "BrokerAddress",
    "MqttConfigError",
    "MqttOptions",
    "TopicLayout",
    "add_mqtt_arguments",
    "build_mqtt_service",
    "parse_broker_url",
]
