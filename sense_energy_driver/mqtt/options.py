"""The `--mqtt*` options of `run` and `demo`, checked into one `MqttOptions` (no aiomqtt import).

The CLI's side-service registry imports this module on every start, so aiomqtt is imported only
when `--mqtt` is given (`mqtt` extra: pip install 'sense-energy-driver[mqtt]').
"""

from __future__ import annotations

import argparse
import hashlib
import socket
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .bridge import ZONE_PREFIX, BridgeOptions
from .broker import PASSWORD_ENV, BrokerAddress, MqttConfigError, parse_broker_url
from .discovery import DEVICE_ENTITIES, ZONE_ENTITIES
from .topics import TopicLayout, topic_safe

if TYPE_CHECKING:
    from ..driver import SenseEnergyDriver
    from ..standalone import StandaloneHost
    from .link import BrokerLink

__all__ = ["MqttOptions", "add_mqtt_arguments", "build_mqtt_service", "default_client_id"]

THROTTLE_KEYS = tuple(DEVICE_ENTITIES) + tuple(ZONE_PREFIX + name for name in ZONE_ENTITIES)
_DEFAULTS = {"mqtt_prefix": "sense", "mqtt_discovery_prefix": "homeassistant"}
_COMPANIONS = (
    ("--mqtt-ca", "mqtt_ca"),
    ("--mqtt-prefix", "mqtt_prefix"),
    ("--mqtt-discovery-prefix", "mqtt_discovery_prefix"),
    ("--mqtt-min-interval", "mqtt_min_interval"),
    ("--mqtt-client-id", "mqtt_client_id"),
)


@dataclass(frozen=True, slots=True)
class MqttOptions:
    """Everything `--mqtt*` says, checked."""

    broker: BrokerAddress
    layout: TopicLayout
    bridge: BridgeOptions
    client_id: str | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> MqttOptions | None:
        """None without --mqtt; MqttConfigError naming the bad option otherwise."""
        url = getattr(args, "mqtt", None)
        if not url:
            given = [
                option
                for option, dest in _COMPANIONS
                if getattr(args, dest, None) not in (None, [], _DEFAULTS.get(dest))
            ]
            if given:
                raise MqttConfigError(f"{', '.join(given)} needs --mqtt URL (the broker)")
            return None
        broker = parse_broker_url(url, ca_file=args.mqtt_ca)
        layout = TopicLayout(
            base=_prefix("--mqtt-prefix", args.mqtt_prefix),
            discovery=_prefix("--mqtt-discovery-prefix", args.mqtt_discovery_prefix),
        )
        client_id = args.mqtt_client_id
        if client_id is not None and topic_safe(client_id) != client_id:
            raise MqttConfigError(
                f"--mqtt-client-id {client_id!r}: use letters, digits, '_' and '-' only"
            )
        return cls(broker, layout, parse_min_intervals(args.mqtt_min_interval or ()), client_id)


def _prefix(option: str, text: str) -> str:
    parts = text.strip("/").split("/")
    if not text.strip("/") or any(topic_safe(part) != part for part in parts):
        raise MqttConfigError(
            f"{option} {text!r}: use topic levels of letters, digits, '_' and '-' "
            "separated by '/' (no '+' or '#')"
        )
    return "/".join(parts)


def parse_min_intervals(items: Sequence[str]) -> BridgeOptions:
    """`SECONDS` (every entity) and `NAME=SECONDS` (one attribute; zone ones as zone.power)."""
    default = 0.0
    named: dict[str, float] = {}
    for item in items:
        name, _, number = item.rpartition("=")
        try:
            seconds = float(number)
        except ValueError:
            seconds = -1.0
        if not seconds >= 0:
            raise MqttConfigError(
                f"--mqtt-min-interval {item!r}: expected SECONDS or NAME=SECONDS, seconds >= 0"
            )
        if not name:
            default = seconds
        elif name in THROTTLE_KEYS:
            named[name] = seconds
        else:
            raise MqttConfigError(
                f"--mqtt-min-interval {item!r}: unknown entity {name!r}; "
                f"valid names: {', '.join(THROTTLE_KEYS)}"
            )
    return BridgeOptions(default, named)


def default_client_id(*parts: object) -> str:
    """A client id stable across restarts on this machine, different for each device or shard."""
    seed = "|".join([socket.gethostname(), *(str(part) for part in parts)])
    return f"sense-energy-driver-{hashlib.sha256(seed.encode()).hexdigest()[:12]}"


def add_mqtt_arguments(parser: argparse.ArgumentParser) -> None:
    """--mqtt URL and its companions, on `run` and `demo`."""
    group = parser.add_argument_group("MQTT (Home Assistant discovery; docs/mqtt.md)")
    group.add_argument(
        "--mqtt",
        metavar="URL",
        help="publish to this broker: mqtt://[user[:password]@]HOST[:PORT] or mqtts://... "
        f"(a password may instead come from ${PASSWORD_ENV})",
    )
    group.add_argument(
        "--mqtt-ca", type=Path, metavar="FILE", help="CA certificate(s) for an mqtts:// broker"
    )
    group.add_argument(
        "--mqtt-prefix",
        default=_DEFAULTS["mqtt_prefix"],
        metavar="TOPIC",
        help="topic prefix of states, availability and commands (default: sense)",
    )
    group.add_argument(
        "--mqtt-discovery-prefix",
        default=_DEFAULTS["mqtt_discovery_prefix"],
        metavar="TOPIC",
        help="Home Assistant's discovery prefix (default: homeassistant)",
    )
    group.add_argument(
        "--mqtt-min-interval",
        action="append",
        metavar="[NAME=]SECONDS",
        help="publish an entity at most once per SECONDS (the latest value wins); NAME limits "
        "it to one attribute, e.g. power=5 or zone.power=10; repeatable",
    )
    group.add_argument(
        "--mqtt-client-id",
        metavar="ID",
        help="MQTT client id (default: derived from this machine and the device file)",
    )


def build_mqtt_service(
    args: argparse.Namespace, host: StandaloneHost, driver: SenseEnergyDriver
) -> AbstractAsyncContextManager[BrokerLink] | None:
    """The side service for one monitor: its bridge and this process's connection."""
    options = MqttOptions.from_args(args)
    if options is None:
        return None
    from .service import mqtt_service

    client_id = options.client_id or default_client_id(host.device_path.resolve())
    return mqtt_service(options, [(host, driver)], client_id=client_id)
